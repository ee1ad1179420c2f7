import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import InvestmentsService

/// The QOZ business tests and working-capital plans of a fund that holds through a QOZ business
/// (26 U.S.C. §1400Z-2(d)(3); Treas. Reg. §1.1400Z2(d)-1(d)), through the routes.
@Suite struct QOZBusinessRouteTests {
    static let figures = #"""
        {"qualifying_tangible": "7000000", "total_tangible": "10000000", "active_zone_gross_income": "500000",
         "total_gross_income": "1000000", "intangible_used_in_zone": "40000", "total_intangible": "100000",
         "nonqualified_financial": "600000", "safe_harbor_working_capital": "200000", "total_property_basis": "10000000",
         "evidence": "FY2025 trial balance; leases on file"}
        """#

    @Test func aFundHoldingThroughAQOZBTestsItsBusinessAndPlans() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let offering = try await fixture.openOffering(sponsor: sponsor)
            let fund = "/v1/compliance/funds/\(offering)"
            let direct = try await fixture.investments.send(.PUT, fund, json: ComplianceRouteTests.setup, token: sponsor)
            try #require(direct.status == 200)
            let tests = "\(fund)/qozb-tests/2025-12-31"
            // A fund holding directly has no QOZ business to test.
            ComplianceRouteTests.expectProblem(try await fixture.investments.send(.PUT, tests, json: Self.figures, token: sponsor), 409)
            let qozb = ComplianceRouteTests.setup.replacingOccurrences(of: #""holds": "direct""#, with: #""holds": "qozb""#)
            try #require(try await fixture.investments.send(.PUT, fund, json: qozb, token: sponsor).status == 200)

            // Exactly 70%, 50%, 40%; 600,000 − 200,000 of working capital = 4% < 5%: all pass.
            let saved = try await fixture.investments.send(.PUT, tests, json: Self.figures, token: sponsor)
            #expect(saved.status == 200, "\(saved.text)")
            #expect(saved["passed"] == .bool(true))
            guard case .array(let checks)? = saved["checks"] else {
                Issue.record("no checks: \(saved.text)")
                return
            }
            #expect(checks.compactMap { $0["percent"] } == [.number(70), .number(50), .number(40), .number(4)])
            #expect(try await fixture.investments.get(tests, token: sponsor).string("as_of") == "2025-12-31")
            // Without the working capital left out: 6% of unadjusted basis is financial property.
            let failing = try await fixture.investments.send(
                .PUT, tests,
                json: Self.figures.replacingOccurrences(
                    of: #""safe_harbor_working_capital": "200000""#, with: #""safe_harbor_working_capital": "0""#),
                token: sponsor)
            #expect(failing["passed"] == .bool(false))
            #expect(
                failing["checks"]?[3]?["rule"] == .string("qozb_nonqualified_financial_property_5")
                    && failing["checks"]?[3]?["passed"] == .bool(false))

            // Bad input, named.
            ComplianceRouteTests.expectProblem(
                try await fixture.investments.send(
                    .PUT, tests, json: Self.figures.replacingOccurrences(of: #""total_tangible": "10000000""#, with: #""total_tangible": "1e400""#),
                    token: sponsor), 422, fields: ["total_tangible"])
            ComplianceRouteTests.expectProblem(
                try await fixture.investments.send(
                    .PUT, tests, json: Self.figures.replacingOccurrences(of: #""total_tangible": "10000000""#, with: #""total_tangible": "100""#),
                    token: sponsor), 422, fields: ["qualifying_tangible"])
            ComplianceRouteTests.expectProblem(
                try await fixture.investments.send(
                    .PUT, tests,
                    json: Self.figures.replacingOccurrences(of: "FY2025 trial balance; leases on file", with: String(repeating: "e", count: 10_000)),
                    token: sponsor), 422, fields: ["evidence"])
            ComplianceRouteTests.expectProblem(
                try await fixture.investments.send(.PUT, "\(fund)/qozb-tests/someday", json: Self.figures, token: sponsor), 422, fields: ["as_of"])
            ComplianceRouteTests.expectProblem(try await fixture.investments.get(tests, token: try await fixture.token(.investor)), 403)
            ComplianceRouteTests.expectProblem(try await fixture.investments.get("\(fund)/qozb-tests/2024-12-31", token: sponsor), 404)

            // Working capital: 31 months from 2025-01-15 end 2027-08-15.
            let plans = "\(fund)/working-capital-plans"
            let plan = #"""
                {"received_on": "2025-01-15", "amount": "5000000", "written_plan": true, "written_schedule": true,
                 "schedule_ends_on": "2027-08-15", "spent_consistently": true, "description": "Phase 1 construction draw schedule"}
                """#
            let created = try await fixture.investments.post(plans, plan, token: sponsor)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.string("deadline") == "2027-08-15" && created["passed"] == .bool(true))
            let late = try await fixture.investments.post(
                plans, plan.replacingOccurrences(of: "2027-08-15", with: "2027-08-16"), token: sponsor)
            #expect(late["passed"] == .bool(false) && late["checks"]?[2]?["passed"] == .bool(false))
            ComplianceRouteTests.expectProblem(
                try await fixture.investments.post(
                    plans,
                    plan.replacingOccurrences(
                        of: #""spent_consistently": true"#, with: #""spent_consistently": true, "disaster_extension_months": 25"#),
                    token: sponsor), 422, fields: ["disaster_extension_months"])
            ComplianceRouteTests.expectProblem(
                try await fixture.investments.post(
                    plans, plan.replacingOccurrences(of: #""written_plan": true"#, with: #""written_plan": "yes""#), token: sponsor),
                422, fields: ["written_plan"])
            let list = try await fixture.investments.get(plans, token: sponsor)
            if case .array(let items)? = list["data"] { #expect(items.count == 2) } else { Issue.record("\(list.text)") }
            ComplianceRouteTests.expectProblem(try await fixture.investments.post(plans, plan, token: try await fixture.token(.sponsor)), 403)
        }
    }
}
