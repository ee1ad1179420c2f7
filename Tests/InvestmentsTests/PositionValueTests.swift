import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import InvestmentsService

/// Issue 22: each position's ownership of its offering, and realized and unrealized gains at the
/// property's latest valuation less the offering's debt. The figures are worked by hand beside
/// each case.
@Suite struct PositionValueTests {
    static func money(_ text: String) -> Money { Money(text)! }

    @Test(arguments: [
        // 100,000 of 1,000,000 funded: 10%; equity 3,200,000 − 1,700,000 = 1,500,000; 10% of it is
        // 150,000, a 50,000 gain.
        ("funded", "100000", "1000000", "3200000", "1700000", "10.0000", "150000.00", "50000.00"),
        // A third: 1,000,000 × 1/3 = 333,333.33 (rounded half-up), a 233,333.33 gain on 100,000.
        ("funded", "100000", "300000", "1000000", "0", "33.3333", "333333.33", "233333.33"),
        // Debt above the valuation: the equity is worth nothing, the whole capital is the loss.
        ("funded", "250000", "500000", "900000", "1000000", "50.0000", "0.00", "-250000.00"),
        // One cent of 3: 33.3333%, worth a third of 0.10 = 0.03.
        ("funded", "0.01", "0.03", "0.10", "0", "33.3333", "0.03", "0.02"),
    ])
    func aFundedPositionIsWorthItsShareOfTheEquity(
        status: String, capital: String, funded: String, valuation: String, debt: String, percentage: String, value: String,
        gain: String
    ) {
        let result = PositionValue.of(
            status: status, capital: Self.money(capital), offeringFunded: Self.money(funded), exitProceeds: nil,
            valuation: .init(amount: Self.money(valuation), propertyDebt: Self.money(debt))
        )
        #expect(result.ownershipShare.map(PositionValue.percentage) == Decimal(string: percentage))
        #expect(result.currentValue == Self.money(value))
        #expect(result.unrealizedGain == Self.money(gain))
        #expect(result.realizedGain == .zero)
    }

    @Test func withoutAValuationAPositionIsCarriedAtCost() {
        let result = PositionValue.of(
            status: "funded", capital: Self.money("100000"), offeringFunded: Self.money("400000"), exitProceeds: nil, valuation: nil)
        #expect(result.ownershipShare.map(PositionValue.percentage) == Decimal(25))
        #expect(result.currentValue == Self.money("100000"))
        #expect(result.unrealizedGain == nil)
    }

    @Test func anExitRealizesTheGainAndACommitmentOwnsNothing() {
        let valuation = PositionValue.Valuation(amount: Self.money("5000000"), propertyDebt: .zero)
        let exited = PositionValue.of(
            status: "exited", capital: Self.money("300000"), offeringFunded: Self.money("700000"),
            exitProceeds: Self.money("450000"), valuation: valuation
        )
        #expect(exited.realizedGain == Self.money("150000"))
        #expect(exited.currentValue == .zero)
        #expect(exited.unrealizedGain == nil)
        #expect(exited.ownershipShare == 0)
        let committed = PositionValue.of(
            status: "committed", capital: Self.money("50000"), offeringFunded: Self.money("700000"), exitProceeds: nil,
            valuation: valuation
        )
        #expect(committed.ownershipShare == nil)
        #expect(committed.currentValue == .zero)
        #expect(committed.unrealizedGain == nil)
    }

    /// Through both services: valuations recorded in properties reach investments as events, and
    /// the portfolio values each position at the latest one less the sponsor's debt figure.
    @Test func thePortfolioShowsOwnershipAndGainsAtTheLatestValuation() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let offering = try await fixture.openOffering(sponsor: sponsor, target: "3000000.00", minimum: "25000", maximum: "1000000.00")
            let property = try #require(try await fixture.investments.get("/v1/offerings/\(offering)", token: sponsor).string("property_id"))
            var tokens: [String] = []
            var positions: [String] = []
            for amount in ["100000", "300000", "600000"] {
                let token = try await fixture.token(.investor)
                let investment = try await fixture.commit(amount, in: offering, investor: token)
                let funded = try await fixture.post("/v1/investments/\(investment)/fund", #"{"date": "2025-11-24"}"#, token: sponsor)
                try #require(funded.status == 200, "\(funded.text)")
                tokens.append(token)
                positions.append(investment)
            }
            // Without a valuation: at cost, with ownership by funded capital.
            var first = try await fixture.investments.get("/v1/portfolio", token: tokens[0])
            #expect(first["positions"]?[0]?["ownership_percentage"] == .number(10))
            #expect(first["positions"]?[0]?["current_value"] == .string("100000.00"))
            #expect(first["positions"]?[0]?["valuation"] == nil)
            #expect(first.string("unrealized_gain") == "0.00")

            let debt = try await fixture.investments.send(
                .PUT, "/v1/offerings/\(offering)/property-debt", json: #"{"property_debt": "1700000.00"}"#, token: sponsor)
            #expect(debt.status == 200, "\(debt.text)")
            let appraisal = """
                {"valuation_date": "2026-10-01", "valuation_type": "appraisal", "valuation_method": "income",
                 "valuation_amount": "3200000.00", "appraiser_name": "Dana Whitfield, MAI"}
                """
            let recorded = try await fixture.properties.post("/v1/properties/\(property)/valuations", appraisal, token: sponsor)
            try #require(recorded.status == 201, "\(recorded.text)")

            // Equity 3,200,000 − 1,700,000 = 1,500,000: 10% is 150,000, a 50,000 gain.
            #expect(
                try await eventually {
                    try await fixture.investments.get("/v1/portfolio", token: tokens[0])["positions"]?[0]?["current_value"] == .string("150000.00")
                })
            first = try await fixture.investments.get("/v1/portfolio", token: tokens[0])
            let position = try #require(first["positions"]?[0])
            #expect(position["unrealized_gain"] == .string("50000.00"))
            #expect(position["valuation"]?["valuation_amount"] == .string("3200000.00"))
            #expect(position["valuation"]?["valuation_date"] == .string("2026-10-01"))
            #expect(position["valuation"]?["valuation_type"] == .string("appraisal"))
            #expect(position["valuation"]?["appraiser_name"] == .string("Dana Whitfield, MAI"))
            #expect(position["valuation"]?["property_debt"] == .string("1700000.00"))
            #expect(position["valuation"]?["equity_value"] == .string("1500000.00"))
            #expect(first.string("current_value") == "150000.00")
            #expect(first.string("unrealized_gain") == "50000.00")
            let third = try await fixture.investments.get("/v1/portfolio", token: tokens[2])
            #expect(third["positions"]?[0]?["ownership_percentage"] == .number(60))
            #expect(third.string("unrealized_gain") == "300000.00")

            // A newer valuation replaces it; an older one recorded later does not.
            let lower = try await fixture.properties.post(
                "/v1/properties/\(property)/valuations",
                #"{"valuation_date": "2026-11-01", "valuation_type": "bpo", "valuation_amount": "2000000.00"}"#, token: sponsor)
            let lowerID = try #require(lower.string("id"))
            let older = try await fixture.properties.post(
                "/v1/properties/\(property)/valuations",
                #"{"valuation_date": "2026-01-01", "valuation_type": "internal", "valuation_amount": "9000000.00"}"#, token: sponsor)
            #expect(older.status == 201)
            // Equity 300,000: 10% is 30,000, a 70,000 loss.
            #expect(
                try await eventually {
                    try await fixture.investments.get("/v1/portfolio", token: tokens[0]).string("unrealized_gain") == "-70000.00"
                })
            #expect(try await fixture.investments.get("/v1/portfolio", token: tokens[0]).string("unrealized_gain") == "-70000.00")

            // Removing it falls back to the appraisal; the second investor exits at 450,000.
            #expect(
                try await fixture.properties.send(.DELETE, "/v1/properties/\(property)/valuations/\(lowerID)", token: sponsor).status == 204)
            let exited = try await fixture.post(
                "/v1/investments/\(positions[1])/exit", #"{"date": "2026-11-20", "proceeds": "450000.00"}"#, token: sponsor)
            #expect(exited.status == 200, "\(exited.text)")
            // 700,000 still funded: 100,000 owns 1/7 of 1,500,000 = 214,285.71, a 114,285.71 gain.
            #expect(
                try await eventually {
                    try await fixture.investments.get("/v1/portfolio", token: tokens[0])["positions"]?[0]?["current_value"]
                        == .string("214285.71")
                })
            first = try await fixture.investments.get("/v1/portfolio", token: tokens[0])
            #expect(first["positions"]?[0]?["ownership_percentage"] == .number(14.2857))
            #expect(first.string("unrealized_gain") == "114285.71")
            let second = try await fixture.investments.get("/v1/portfolio", token: tokens[1])
            #expect(second["positions"]?[0]?["realized_gain"] == .string("150000.00"))
            #expect(second.string("realized_gain") == "150000.00")
            #expect(second["positions"]?[0]?["ownership_percentage"] == .number(0))
            // 600,000 of 700,000: 1,285,714.29 (6/7 of 1,500,000, rounded half-up).
            let biggest = try await fixture.investments.get("/v1/portfolio", token: tokens[2])
            #expect(biggest.string("current_value") == "1285714.29")
        }
    }

    @Test func onlyTheSponsorSetsTheDebtAndBadFiguresAreRefused() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let offering = try await fixture.openOffering(sponsor: sponsor)
            let path = "/v1/offerings/\(offering)/property-debt"
            let shown = try await fixture.investments.get(path, token: sponsor)
            #expect(shown.string("property_debt") == "0.00")
            for token in [try await fixture.token(.investor), try await fixture.token(.sponsor)] {
                let refused = try await fixture.investments.send(.PUT, path, json: #"{"property_debt": "1.00"}"#, token: token)
                #expect(refused.status == 403)
                #expect(try await fixture.investments.get(path, token: token).status == 403)
            }
            #expect(try await fixture.investments.get("/v1/offerings/\(UUID())/property-debt", token: sponsor).status == 404)
            #expect(try await fixture.investments.get(path).status == 401)
            for body in [
                #"{"property_debt": "-1.00"}"#, #"{"property_debt": 5}"#, #"{"property_debt": "1e400"}"#, #"{"property_debt": "\u0000"}"#,
                #"{"property_debt": null}"#, "{}", "[]", #"{"property_debt": "\#(String(repeating: "9", count: 10_000))"}"#,
            ] {
                let bad = try await fixture.investments.send(.PUT, path, json: body, token: sponsor)
                #expect((400..<500).contains(bad.status), "\(body) → \(bad.status)")
                #expect(bad.headers.first(name: "content-type")?.hasPrefix("application/problem+json") == true, "\(body)")
            }
            #expect(try await fixture.investments.get(path, token: sponsor).string("property_debt") == "0.00")
        }
    }
}
