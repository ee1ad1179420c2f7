import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import InvestmentsService

/// `/v1/compliance/funds/{offering_id}` end to end on a real service and database: the sponsor sets
/// an offering up as a QOF, enters the values for its 90% test dates, asks what-ifs and reads the
/// Form 8996 figures; nobody else can; bad input is a 4xx problem naming the field.
@Suite struct ComplianceRouteTests {
    static let setup =
        #"{"entity_type": "partnership", "tax_year_end_month": 12, "first_qof_month": "2025-04", "self_certified_on": "2025-04-01", "holds": "direct", "valuation_method": "cost"}"#

    struct Fund {
        var base: String
        var sponsor: String
        var otherSponsor: String
        var investor: String
        var admin: String
    }

    static func fund(_ fixture: InvestmentsFixture) async throws -> Fund {
        let sponsor = try await fixture.token(.sponsor)
        let offering = try await fixture.openOffering(sponsor: sponsor)
        let fund = Fund(
            base: "/v1/compliance/funds/\(offering)", sponsor: sponsor, otherSponsor: try await fixture.token(.sponsor),
            investor: try await fixture.token(.investor), admin: try await fixture.token(.admin)
        )
        let created = try await fixture.investments.send(.PUT, fund.base, json: Self.setup, token: sponsor)
        try #require(created.status == 200, "\(created.text)")
        return fund
    }

    static func fields(_ reply: JSONClient.Reply) -> [String] {
        guard case .array(let errors)? = reply["errors"] else { return [] }
        return errors.compactMap { if case .string(let field)? = $0["field"] { field } else { nil } }
    }

    static func expectProblem(_ reply: JSONClient.Reply, _ status: Int, fields: [String]? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.status == status, "\(reply.text)", sourceLocation: sourceLocation)
        #expect(reply.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true, sourceLocation: sourceLocation)
        if let fields { #expect(Self.fields(reply) == fields, "\(reply.text)", sourceLocation: sourceLocation) }
    }

    @Test func aSponsorSetsUpTheirOfferingAsAQOFAndNobodyElseCan() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let offering = try await fixture.openOffering(sponsor: sponsor)
            let base = "/v1/compliance/funds/\(offering)"
            Self.expectProblem(try await fixture.investments.get(base, token: sponsor), 404)
            let investor = try await fixture.token(.investor)
            let other = try await fixture.token(.sponsor)
            Self.expectProblem(try await fixture.investments.send(.PUT, base, json: Self.setup, token: investor), 403)
            Self.expectProblem(try await fixture.investments.send(.PUT, base, json: Self.setup, token: other), 403)
            Self.expectProblem(try await fixture.investments.send(.PUT, base, json: Self.setup), 401)
            Self.expectProblem(try await fixture.investments.send(.PUT, "/v1/compliance/funds/\(UUID())", json: Self.setup, token: sponsor), 404)
            Self.expectProblem(try await fixture.investments.send(.PUT, "/v1/compliance/funds/not-an-id", json: Self.setup, token: sponsor), 404)

            let created = try await fixture.investments.send(.PUT, base, json: Self.setup, token: sponsor)
            #expect(created.status == 200, "\(created.text)")
            #expect(created.string("first_qof_month") == "2025-04" && created.string("entity_type") == "partnership")
            #expect(created["tax_year_end_month"] == .number(12) && created.string("self_certified_on") == "2025-04-01")
            // Read back, by the sponsor and by an admin; the other sponsor and the investor are refused.
            let read = try await fixture.investments.get(base, token: sponsor)
            #expect(read.status == 200 && read.string("valuation_method") == "cost" && read.string("holds") == "direct")
            #expect(try await fixture.investments.get(base, token: try await fixture.token(.admin)).status == 200)
            Self.expectProblem(try await fixture.investments.get(base, token: other), 403)
            Self.expectProblem(try await fixture.investments.get(base, token: investor), 403)
            // A change replaces the setup.
            let changed = try await fixture.investments.send(
                .PUT, base, json: Self.setup.replacingOccurrences(of: #""holds": "direct""#, with: #""holds": "qozb""#), token: sponsor)
            #expect(changed.string("holds") == "qozb")
        }
    }

    @Test func hostileSetupsAreRefusedNamingTheField() async throws {
        try await InvestmentsFixture.run { fixture in
            let fund = try await Self.fund(fixture)
            let put = { (body: String) in try await fixture.investments.send(.PUT, fund.base, json: body, token: fund.sponsor) }
            let long = String(repeating: "x", count: 10_000)
            Self.expectProblem(
                try await put(
                    #"{"entity_type": "llc", "tax_year_end_month": 13, "first_qof_month": "2025-4", "self_certified_on": "2017-01-01", "holds": "", "valuation_method": "\#(long)"}"#
                ), 422, fields: ["entity_type", "tax_year_end_month", "first_qof_month", "self_certified_on", "holds", "valuation_method"]
            )
            Self.expectProblem(try await put(#"{"entity_type": "partner\u0000ship"}"#), 422, fields: ["entity_type"])
            Self.expectProblem(try await put(#"{"tax_year_end_month": "12"}"#), 422, fields: ["tax_year_end_month"])
            Self.expectProblem(try await put(#"{"tax_year_end_month": 1e400}"#), 422, fields: ["tax_year_end_month"])
            Self.expectProblem(try await put(#"{"self_certified_on": "2025-02-30"}"#), 422, fields: ["self_certified_on"])
            Self.expectProblem(try await put(#"{"first_qof_month": "2017-12"}"#), 422)
            Self.expectProblem(try await put("[1, 2]"), 422)
            Self.expectProblem(try await put("{"), 400)
            // Nothing was lost: the setup is as it was.
            #expect(try await fixture.investments.get(fund.base, token: fund.sponsor).string("first_qof_month") == "2025-04")
        }
    }

    /// The issue's 90% examples through the routes. The fund became a QOF in April 2025, so its
    /// test dates are 2025-09-30 and 2025-12-31 (Treas. Reg. §1.1400Z2(d)-1(a)(2)).
    @Test func ninetyPercentTestsWhatIfsAndForm8996() async throws {
        try await InvestmentsFixture.run { fixture in
            let fund = try await Self.fund(fixture)
            let september = "\(fund.base)/asset-tests/2025-09-30"
            // $2.5M received 2025-08-15 and still in cash is left out: 7M / 7.5M = 93.33%.
            let recent =
                #"{"qualifying_assets": "7000000", "total_assets": "10000000", "cash_held": "3000000", "contributions": [{"on": "2025-08-15", "amount": "2500000"}]}"#
            let saved = try await fixture.investments.send(.PUT, september, json: recent, token: fund.sponsor)
            #expect(saved.status == 200, "\(saved.text)")
            #expect(saved["qualifying_percent"] == .number(93.33) && saved["meets_ninety_percent"] == .bool(true))
            #expect(saved.string("excluded_cash") == "2500000.00" && saved.string("tested_total") == "7500000.00")
            #expect(saved.string("contributions_source") == "entered" && saved.string("taxable_year_end") == "2025-12-31")
            #expect(saved["months"] == .array(["2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09"].map(JSONValue.string)))
            #expect(try await fixture.investments.get(september, token: fund.sponsor).string("updated_at") != nil)

            // Without the exclusion, 70%: $2M short. Deploying $2M of the cash would pass.
            let plain = #"{"qualifying_assets": "7000000", "total_assets": "10000000", "cash_held": "3000000", "exclude_recent_cash": false}"#
            let failing = try await fixture.investments.send(.PUT, september, json: plain, token: fund.sponsor)
            #expect(failing["meets_ninety_percent"] == .bool(false) && failing.string("shortfall") == "2000000.00")
            let whatIf = try await fixture.investments.post("\(september)/what-if", #"{"deploy_amount": "2000000"}"#, token: fund.sponsor)
            #expect(whatIf.status == 200, "\(whatIf.text)")
            #expect(whatIf["meets_ninety_percent"] == .bool(true) && whatIf.string("deploy_amount") == "2000000.00")
            // The what-if stored nothing.
            #expect(try await fixture.investments.get(september, token: fund.sponsor).string("shortfall") == "2000000.00")
            Self.expectProblem(
                try await fixture.investments.post("\(september)/what-if", #"{"deploy_amount": "3000000.01"}"#, token: fund.sponsor), 422,
                fields: ["deploy_amount"])
            Self.expectProblem(
                try await fixture.investments.post("\(september)/what-if", #"{"deploy_amount": 5}"#, token: fund.sponsor), 422,
                fields: ["deploy_amount"])

            // Form 8996 needs both dates. Then: Sept 16M/20M (2M short), Dec 17M/20M (1M short),
            // average 82.5%. 2025 was 7% all year: Apr–Sep 6 × 11,666.67 = 70,000.02; Oct–Dec
            // 3 × 5,833.33 = 17,499.99; total 87,500.01 (§1400Z-2(f)(1)).
            let incomplete = try await fixture.investments.get("\(fund.base)/form-8996/2025", token: fund.sponsor)
            #expect(incomplete.status == 200 && incomplete["missing_test_dates"] == .array([.string("2025-12-31")]), "\(incomplete.text)")
            #expect(incomplete["penalty_total"] == nil)
            _ = try await fixture.investments.send(
                .PUT, september, json: #"{"qualifying_assets": "16000000", "total_assets": "20000000", "exclude_recent_cash": false}"#,
                token: fund.sponsor)
            let december = try await fixture.investments.send(
                .PUT, "\(fund.base)/asset-tests/2025-12-31", json: #"{"qualifying_assets": "17000000", "total_assets": "20000000"}"#,
                token: fund.sponsor)
            #expect(
                december.string("shortfall") == "1000000.00" && december["months"] == .array(["2025-10", "2025-11", "2025-12"].map(JSONValue.string)))
            let form = try await fixture.investments.get("\(fund.base)/form-8996/2025", token: fund.sponsor)
            #expect(form.status == 200, "\(form.text)")
            #expect(form["average_percent"] == .number(82.5) && form["meets_ninety_percent"] == .bool(false))
            #expect(form.string("penalty_total") == "87500.01")
            if case .array(let months)? = form["penalty_months"] {
                #expect(months.count == 9)
                #expect(months.first?["penalty"] == .string("11666.67") && months.last?["penalty"] == .string("5833.33"))
            } else {
                Issue.record("no penalty months: \(form.text)")
            }
            #expect(form.string("statute")?.contains("§1400Z-2") == true)

            let csv = try await fixture.investments.get("\(fund.base)/form-8996/2025?format=csv", token: fund.sponsor)
            #expect(csv.headers.first(name: "Content-Type")?.hasPrefix("text/csv") == true)
            let rows = csv.text.split(separator: "\r\n").map(String.init)
            #expect(rows.count == 4, "\(csv.text)")
            #expect(rows[1].hasPrefix("test_date,2025-09-30,") && rows[1].hasSuffix(",80.00,no,2000000.00,70000.02"), "\(rows[1])")
            #expect(rows[3] == "year,2025-12-31,,,,,,,82.50,no,,87500.01", "\(rows[3])")

            // Other people, other years, other dates.
            Self.expectProblem(try await fixture.investments.get("\(fund.base)/form-8996/2025", token: fund.otherSponsor), 403)
            Self.expectProblem(try await fixture.investments.get("\(fund.base)/form-8996/2025", token: fund.investor), 403)
            #expect(try await fixture.investments.get("\(fund.base)/form-8996/2025", token: fund.admin).status == 200)
            Self.expectProblem(try await fixture.investments.get(september, token: fund.investor), 403)
            Self.expectProblem(try await fixture.investments.get("\(fund.base)/form-8996/2024", token: fund.sponsor), 404)
            Self.expectProblem(try await fixture.investments.get("\(fund.base)/form-8996/twenty", token: fund.sponsor), 422, fields: ["year"])
            Self.expectProblem(
                try await fixture.investments.get("\(fund.base)/form-8996/2025?format=xml", token: fund.sponsor), 422, fields: ["format"])
            Self.expectProblem(
                try await fixture.investments.get("\(fund.base)/asset-tests/2025-06-30", token: fund.sponsor), 422, fields: ["test_date"])
            Self.expectProblem(try await fixture.investments.get("\(fund.base)/asset-tests/2026-06-30", token: fund.sponsor), 404)
        }
    }

    @Test func hostileAssetValuesAreRefusedNamingTheField() async throws {
        try await InvestmentsFixture.run { fixture in
            let fund = try await Self.fund(fixture)
            let path = "\(fund.base)/asset-tests/2025-12-31"
            let put = { (body: String) in try await fixture.investments.send(.PUT, path, json: body, token: fund.sponsor) }
            Self.expectProblem(try await put(#"{"qualifying_assets": "1e400", "total_assets": "10"}"#), 422, fields: ["qualifying_assets"])
            Self.expectProblem(try await put(#"{"qualifying_assets": 5, "total_assets": "10"}"#), 422, fields: ["qualifying_assets"])
            Self.expectProblem(try await put(#"{"qualifying_assets": "99999999999999", "total_assets": "10"}"#), 422, fields: ["qualifying_assets"])
            Self.expectProblem(try await put(#"{"qualifying_assets": "", "total_assets": "10"}"#), 422, fields: ["qualifying_assets"])
            Self.expectProblem(try await put(#"{"qualifying_assets": "1\u0000", "total_assets": "10"}"#), 422, fields: ["qualifying_assets"])
            Self.expectProblem(try await put(#"{"total_assets": "10"}"#), 422, fields: ["qualifying_assets"])
            Self.expectProblem(
                try await put(#"{"qualifying_assets": "11", "total_assets": "0", "cash_held": "-1"}"#), 422,
                fields: ["total_assets", "cash_held", "qualifying_assets"])
            Self.expectProblem(
                try await put(#"{"qualifying_assets": "1", "total_assets": "10", "valuation_method": "\#(String(repeating: "m", count: 10_000))"}"#),
                422,
                fields: ["valuation_method"])
            Self.expectProblem(
                try await put(#"{"qualifying_assets": "1", "total_assets": "10", "contributions": [{"on": "2026-01-01", "amount": "0"}]}"#), 422,
                fields: ["contributions[0].amount", "contributions[0].on"])
            Self.expectProblem(
                try await put(#"{"qualifying_assets": "1", "total_assets": "10", "contributions": [{"on": "soon", "amount": "1"}]}"#), 422)
            let many = Array(repeating: #"{"on": "2025-12-01", "amount": "1"}"#, count: 1001).joined(separator: ",")
            Self.expectProblem(
                try await put(#"{"qualifying_assets": "1", "total_assets": "100000", "cash_held": "5000", "contributions": [\#(many)]}"#), 422,
                fields: ["contributions"])
            Self.expectProblem(
                try await fixture.investments.send(.PUT, "\(fund.base)/asset-tests/2025-13-01", json: "{}", token: fund.sponsor), 422,
                fields: ["test_date"])
            // Nothing was stored.
            Self.expectProblem(try await fixture.investments.get(path, token: fund.sponsor), 404)
        }
    }
}
