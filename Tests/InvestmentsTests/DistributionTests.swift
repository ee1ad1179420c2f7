import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import InvestmentsService

/// Paying investors: allocation to the cent, the waterfall's split, withholding, the ledger, and
/// who sees which lines.
@Suite struct DistributionTests {
    /// Three investors funded on one day; returns (offering, [(investor id, token)]).
    static func fundedOffering(_ fixture: InvestmentsFixture, sponsor: String, amounts: [String], fundedOn: String) async throws
        -> (String, [(UUID, String)])
    {
        let offering = try await fixture.openOffering(sponsor: sponsor, target: "3000000.00", minimum: "25000", maximum: "1000000.00")
        var investors: [(UUID, String)] = []
        for amount in amounts {
            let id = UUID()
            let token = try await fixture.token(.investor, user: id)
            let investment = try await fixture.commit(amount, in: offering, investor: token)
            let funded = try await fixture.post("/v1/investments/\(investment)/fund", #"{"date": "\#(fundedOn)"}"#, token: sponsor)
            try #require(funded.status == 200, "\(funded.text)")
            investors.append((id, token))
        }
        return (offering, investors)
    }

    @Test func proRataSharesSumToTheCentAndWithholdingIsPerInvestor() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let (offering, investors) = try await Self.fundedOffering(
                fixture, sponsor: sponsor, amounts: ["100000", "100000", "100000"], fundedOn: "2025-01-01")
            let foreign = investors[2].0.uuidString.lowercased()
            let body = """
                {"offering_id": "\(offering)", "distribution_type": "quarterly", "distribution_date": "2025-12-31",
                 "total_amount": "100.00", "calculation_method": "pro_rata", "withholding_rates": {"\(foreign)": 0.30}}
                """
            let created = try await fixture.post("/v1/distributions", body, token: sponsor)
            #expect(created.status == 201)
            #expect(created.string("investors_total") == "100.00")
            #expect(created.string("sponsor_total") == "0.00")
            let amounts = (0..<3).compactMap { created["lines"]?[$0]?["distribution_amount"] }.compactMap { value -> String? in
                if case .string(let s) = value { s } else { nil }
            }
            #expect(amounts.sorted() == ["33.33", "33.33", "33.34"])
            let foreignLine = (0..<3).compactMap { created["lines"]?[$0] }.first { $0["investor_id"] == .string(foreign) }
            // 30% of $33.33 is $9.999, withheld as $10.00 (half-up to the cent); of $33.34 it is $10.00 too.
            #expect(foreignLine?["tax_withholding"] == .string("10.00"))
            #expect(foreignLine?["net_distribution"] != nil)
            let id = try #require(created.string("id"))

            // An investor sees the distribution with their own line only; a stranger not at all.
            let own = try await fixture.investments.get("/v1/distributions/\(id)", token: investors[0].1)
            #expect(own["lines"]?[1] == nil)
            #expect(own["lines"]?[0]?["investor_id"] == .string(investors[0].0.uuidString.lowercased()))
            #expect(try await fixture.investments.get("/v1/distributions/\(id)", token: try await fixture.token(.investor)).status == 404)
            #expect(try await fixture.post("/v1/distributions/\(id)/complete", token: investors[0].1).status == 404)

            let completed = try await fixture.post("/v1/distributions/\(id)/complete", token: sponsor)
            #expect(completed.string("status") == "completed")
            #expect(try await fixture.post("/v1/distributions/\(id)/complete", token: sponsor).status == 409)
            // The operator's counter (issue 18) has the three payments (other suites in this process add theirs).
            let metrics = try await fixture.investments.get("/metrics").text
            let paidCount = metrics.split(separator: "\n").first { $0.hasPrefix("tract_distributions_paid_total ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") }
            #expect((paidCount ?? 0) >= 3, "\(metrics.split(separator: "\n").filter { $0.contains("distributions_paid") })")
            #expect(
                try await fixture.sql("SELECT sum(amount)::text FROM investments.transactions WHERE type = 'distribution'") == ["100.00"]
            )
            #expect(try await fixture.sql("SELECT sum(amount)::text FROM investments.transactions WHERE type = 'tax_withholding'") == ["-10.00"])
            #expect(try await fixture.sql("SELECT sum(total_distributions)::text FROM investments.investments") == ["100.00"])
            // Analytics records it; communications tells the sponsor's webhook endpoints.
            #expect(
                try await fixture.sql("SELECT subscriber FROM investments.outbox WHERE event_type = 'distribution.completed' ORDER BY subscriber")
                    == ["analytics", "communications"])
            // Each investor's payment goes to communications, which mails them what they received.
            let paid = "FROM investments.outbox WHERE event_type = 'distribution.paid' AND subscriber = 'communications'"
            #expect(try await fixture.sql("SELECT count(*)::text \(paid)") == ["3"])
            #expect(try await fixture.sql("SELECT sum((envelope->'payload'->>'net_amount')::numeric)::text \(paid)") == ["90.00"])
            #expect(try await fixture.sql("SELECT count(DISTINCT envelope->'payload'->>'investor_id')::text \(paid)") == ["3"])
            // The envelopes are built by the statement (issue 19): each decodes as communications
            // decodes it, into the payment of one investor's line.
            let lines = (0..<3).compactMap { created["lines"]?[$0] }
            for text in try await fixture.sql("SELECT envelope::text \(paid)") {
                let envelope = try JSONDecoder.tract.decode(EventEnvelope.self, from: Data(text.utf8))
                #expect(envelope.type == "distribution.paid" && envelope.source == "investments")
                #expect(abs(envelope.occurredAt.timeIntervalSinceNow) < 300)
                let payment = try envelope.decodePayload(as: DistributionPaid.self)
                let line = try #require(lines.first { $0["investor_id"] == .string(payment.investorId.uuidString.lowercased()) })
                #expect(payment.distributionId.uuidString.lowercased() == id)
                #expect(line["net_distribution"] == .string(payment.netAmount.description))
                #expect(line["distribution_amount"] == .string(payment.grossAmount.description))
                #expect(line["tax_withholding"] == .string(payment.taxWithheld.description))
                #expect(payment.paymentDate == created.string("distribution_date"))
                #expect(payment.distributionType == "quarterly")
            }
        }
    }

    @Test func aWaterfallPaysTheIssueExample() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            // $1,000,000 of equity held one year; $1,450,000 of sale proceeds; 8% pref, full catch-up, 80/20.
            let (offering, _) = try await Self.fundedOffering(
                fixture, sponsor: sponsor, amounts: ["500000", "300000", "200000"], fundedOn: "2025-01-01"
            )
            let body = """
                {"offering_id": "\(offering)", "distribution_type": "sale_proceeds", "distribution_date": "2026-01-01",
                 "total_amount": "1450000.00", "calculation_method": "waterfall",
                 "waterfall": {"preferred_return_rate": 0.08, "catch_up_rate": 1, "carried_interest_rate": 0.20}}
                """
            let created = try await fixture.post("/v1/distributions", body, token: sponsor)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.string("investors_total") == "1360000.00")
            #expect(created.string("sponsor_total") == "90000.00")
            // The investors' $1,360,000 by capital: 50%, 30%, 20%.
            let lines = Set((0..<3).compactMap { created["lines"]?[$0]?["distribution_amount"] })
            #expect(lines == [.string("680000.00"), .string("408000.00"), .string("272000.00")])

            let bad = try await fixture.post(
                "/v1/distributions",
                #"{"offering_id": "\#(offering)", "distribution_type": "bonus", "distribution_date": "2026-01-01", "total_amount": "0", "calculation_method": "waterfall", "waterfall": {"preferred_return_rate": 2, "catch_up_rate": 1, "carried_interest_rate": 0.2}}"#,
                token: sponsor
            )
            #expect(bad.status == 422)
            let fields = Set((0..<5).compactMap { bad["errors"]?[$0]?["field"] })
            #expect(fields == [.string("distribution_type"), .string("total_amount"), .string("waterfall.preferred_return_rate")])
            // Another sponsor sees the open offering but does not pay out of it.
            #expect(try await fixture.post("/v1/distributions", body, token: try await fixture.token(.sponsor)).status == 403)
        }
    }

    @Test func thePortfolioAddsUpAndItsXIRRComesFromTheLedger() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let (offering, investors) = try await Self.fundedOffering(fixture, sponsor: sponsor, amounts: ["100000"], fundedOn: "2025-11-24")
            let body = """
                {"offering_id": "\(offering)", "distribution_type": "quarterly", "distribution_date": "2026-05-24",
                 "total_amount": "5000.00", "calculation_method": "pro_rata"}
                """
            let distribution = try #require(try await fixture.post("/v1/distributions", body, token: sponsor).string("id"))
            #expect(try await fixture.post("/v1/distributions/\(distribution)/complete", token: sponsor).status == 200)

            let portfolio = try await fixture.investments.get("/v1/portfolio", token: investors[0].1)
            #expect(portfolio.status == 200)
            #expect(portfolio.string("total_invested") == "100000.00")
            #expect(portfolio.string("current_value") == "100000.00")
            #expect(portfolio.string("total_distributions") == "5000.00")
            #expect(portfolio["equity_multiple"] == .number(1.05))
            #expect(portfolio["allocation_by_state"]?[0]?["key"] == .string("AL"))
            #expect(portfolio["allocation_by_state"]?[0]?["share"] == .number(1))
            // −100,000 on 2025-11-24, +5,000 on 2026-05-24, +100,000 (value) on 2026-11-24: about 5.1% a year.
            guard case .number(let xirr)? = portfolio["xirr"] else {
                Issue.record("no xirr: \(portfolio.text)")
                return
            }
            let check = try InvestmentReturns.xirr([
                DatedCashFlow(date: CalendarDate("2025-11-24")!, amount: Money(cents: -10_000_000)),
                DatedCashFlow(date: CalendarDate("2026-05-24")!, amount: Money(cents: 500_000)),
                DatedCashFlow(date: CalendarDate("2026-11-24")!, amount: Money(cents: 10_000_000)),
            ])
            #expect(abs(xirr - check) < 1e-9)
            #expect(xirr > 0.05 && xirr < 0.052)
            // Nobody else's portfolio shows it.
            let empty = try await fixture.investments.get("/v1/portfolio", token: try await fixture.token(.investor))
            #expect(empty.string("total_invested") == "0.00")
            #expect(empty["xirr"] == nil || empty["xirr"] == .null)
        }
    }

    @Test func theTaxCalculatorAnswersAnyoneAndRemembersForUsers() async throws {
        try await InvestmentsFixture.run { fixture in
            let body = #"""
                {"gain_amount": "1000000.00", "gain_date": "2019-06-01", "investment_date": "2019-06-30",
                 "investment_amount": "1000000.00", "tax_rate": 0.238, "fund_type": "standard"}
                """#
            let anonymous = try await fixture.investments.post("/v1/tax/oz-estimate", body)
            #expect(anonymous.status == 200, "\(anonymous.text)")
            #expect(anonymous.string("inclusion_date") == "2026-12-31")
            #expect(anonymous.string("gain_included") == "850000.00")
            #expect(anonymous.string("tax_due_at_inclusion") == "202300.00")
            #expect(anonymous.string("regime") == "tcja_2017")
            #expect(anonymous.string("explanation")?.isEmpty == false)

            let late = try await fixture.investments.post(
                "/v1/tax/oz-estimate", body.replacingOccurrences(of: "2019-06-30", with: "2020-06-30"), token: nil
            )
            #expect(late.status == 422)
            #expect(late["errors"]?[0]?["field"] == .string("investment_date"))

            let userID = UUID()
            let user = try await fixture.token(.investor, user: userID)
            #expect(try await fixture.investments.post("/v1/tax/oz-estimate", body, token: user).status == 200)
            let profile = try await fixture.investments.get("/v1/investor-profile", token: user)
            #expect(profile["tax_calculator_used"] == .bool(true))
            #expect(profile["last_tax_estimate"]?["gain_included"] == .string("850000.00"))
            #expect(
                try await fixture.sql("SELECT count(DISTINCT event_id)::text FROM investments.outbox WHERE event_type = 'tax_calculator.used'") == [
                    "1"
                ])
        }
    }
}
