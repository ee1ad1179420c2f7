import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import InvestmentsService

/// The substantial-improvement tracker end to end: renovation costs recorded in properties reach
/// investments as `renovation.progress_updated` events and move the fund's test
/// (Treas. Reg. §1.1400Z2(d)-2(b)(4)); sponsor and admins only; bad input named.
@Suite struct ImprovementTrackerTests {
    /// Running totals per project become dated steps; a total revised down is a negative step.
    @Test func reportedRunningTotalsBecomeDatedSteps() {
        let (a, b) = (UUID(), UUID())
        let reports = [
            RenovationSpend.Report(projectId: a, updateId: UUID(), on: day("2025-03-01"), spentToDate: usd("100000")),
            RenovationSpend.Report(projectId: a, updateId: UUID(), on: day("2025-06-01"), spentToDate: usd("250000")),
            RenovationSpend.Report(projectId: b, updateId: UUID(), on: day("2025-06-01"), spentToDate: usd("50000")),
            RenovationSpend.Report(projectId: b, updateId: UUID(), on: day("2025-07-01"), spentToDate: usd("40000")),
            RenovationSpend.Report(projectId: a, updateId: UUID(), on: day("2025-08-01"), spentToDate: usd("250000")),
        ]
        #expect(
            RenovationSpend.steps(reports) == [
                DatedAmount(on: day("2025-03-01"), amount: usd("100000")), DatedAmount(on: day("2025-06-01"), amount: usd("200000")),
                DatedAmount(on: day("2025-07-01"), amount: usd("-10000")),
            ])
    }

    /// Wait for the events properties published to be applied in investments.
    static func tracker(_ fixture: InvestmentsFixture, _ path: String, token: String, until done: (JSONClient.Reply) -> Bool) async throws
        -> JSONClient.Reply
    {
        var reply = try await fixture.investments.get(path, token: token)
        for _ in 0..<100 where !done(reply) {
            try await Task.sleep(for: .milliseconds(100))
            reply = try await fixture.investments.get(path, token: token)
        }
        return reply
    }

    @Test func renovationCostsRecordedInPropertiesMoveTheTracker() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let offering = try await fixture.openOffering(sponsor: sponsor)
            let property = try #require(try await fixture.investments.get("/v1/offerings/\(offering)", token: sponsor).string("property_id"))
            let fund = "/v1/compliance/funds/\(offering)"
            let path = "\(fund)/substantial-improvement"
            // Not a QOF yet: nothing to track.
            #expect(try await fixture.investments.get(path, token: sponsor).status == 404)
            #expect(try await fixture.investments.send(.PUT, fund, json: ComplianceRouteTests.setup, token: sponsor).status == 200)
            #expect(try await fixture.investments.get(path, token: sponsor).status == 404)

            // Bought 2025-01-15 for $1,000,000, $600,000 of it the building: the 30 months run to
            // 2027-07-15 and need MORE than $600,000. Today (the fixture's clock) is 2026-11-24.
            let basis = #"""
                {"acquired_on": "2025-01-15", "purchase_price": "1000000", "land_basis": "400000", "building_basis": "600000",
                 "schedule": [{"on": "2027-03-01", "amount": "100000"}]}
                """#
            let saved = try await fixture.investments.send(.PUT, path, json: basis, token: sponsor)
            #expect(saved.status == 200, "\(saved.text)")
            #expect(saved.string("status") == "at_risk" && saved.string("required") == "600000.00" && saved.string("window_end") == "2027-07-15")
            #expect(saved["days_left"] == .number(233) && saved.string("projected_by_window_end") == "100000.00")

            // The sponsor records the renovation's costs in properties.
            let renovations = "/v1/properties/\(property)/renovations"
            let project = try await fixture.properties.post(
                renovations, #"{"project_name": "Gut rehab", "common_areas_affected": [], "status": "in_progress"}"#, token: sponsor)
            try #require(project.status == 201, "\(project.text)")
            let updates = "\(renovations)/\(try #require(project.string("id")))/progress-updates"
            for (date, spent) in [("2025-06-01", "450000"), ("2026-03-01", "550000")] {
                let update = try await fixture.properties.post(
                    updates, #"{"update_date": "\#(date)", "spent_to_date": "\#(spent)", "change_orders": [], "photo_urls": []}"#, token: sponsor)
                try #require(update.status == 201, "\(update.text)")
            }
            let moved = try await Self.tracker(fixture, path, token: sponsor) { $0.string("spent_in_window") == "550000.00" }
            #expect(moved.string("spent_in_window") == "550000.00", "\(moved.text)")
            #expect(moved.string("status") == "on_track" && moved.string("projected_met_on") == "2027-03-01")
            #expect(moved["percent"] == .number(91.67) && moved.string("projected_by_window_end") == "650000.00")

            // One more report crosses the line: met.
            _ = try await fixture.properties.post(
                updates, #"{"update_date": "2026-10-01", "spent_to_date": "600000.01", "change_orders": [], "photo_urls": []}"#, token: sponsor)
            let crossing = try await fixture.properties.get(updates, token: sponsor)
            let met = try await Self.tracker(fixture, path, token: sponsor) { $0.string("status") == "met" }
            #expect(met.string("status") == "met" && met.string("spent_in_window") == "600000.01", "\(met.text)")

            // The sponsor deletes that report: its spend is taken back (renovation.spend_withdrawn).
            let newest = try #require(crossing["data"]?[0]?["id"].flatMap { if case .string(let id) = $0 { id } else { nil } })
            #expect(try await fixture.properties.send(.DELETE, "\(updates)/\(newest)", token: sponsor).status == 204)
            let back = try await Self.tracker(fixture, path, token: sponsor) { $0.string("spent_in_window") == "550000.00" }
            #expect(back.string("status") == "on_track", "\(back.text)")
            // Deleting the whole project takes all of its spend back.
            let projectPath = "\(renovations)/\(try #require(project.string("id")))"
            #expect(try await fixture.properties.send(.DELETE, projectPath, token: sponsor).status == 204)
            let none = try await Self.tracker(fixture, path, token: sponsor) { $0.string("spent_in_window") == "0.00" }
            #expect(none.string("status") == "at_risk", "\(none.text)")

            // Nobody else sees it.
            #expect(try await fixture.investments.get(path, token: try await fixture.token(.sponsor)).status == 403)
            #expect(try await fixture.investments.get(path, token: try await fixture.token(.investor)).status == 403)
            #expect(try await fixture.investments.get(path, token: try await fixture.token(.admin)).status == 200)
        }
    }

    @Test func landOnlyAndOriginalUseNeedNoImprovement() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let offering = try await fixture.openOffering(sponsor: sponsor)
            let fund = "/v1/compliance/funds/\(offering)"
            _ = try await fixture.investments.send(.PUT, fund, json: ComplianceRouteTests.setup, token: sponsor)
            let land = try await fixture.investments.send(
                .PUT, "\(fund)/substantial-improvement",
                json: #"{"acquired_on": "2025-01-15", "purchase_price": "500000", "land_basis": "500000", "building_basis": "0"}"#, token: sponsor)
            #expect(land.string("status") == "not_required" && land.string("citation") == "Treas. Reg. §1.1400Z2(d)-2(b)(4)(iv)", "\(land.text)")
            let built = try await fixture.investments.send(
                .PUT, "\(fund)/substantial-improvement",
                json:
                    #"{"acquired_on": "2025-01-15", "purchase_price": "500000", "land_basis": "100000", "building_basis": "400000", "original_use": "new_construction"}"#,
                token: sponsor)
            #expect(built.string("status") == "not_required" && built.string("citation") == "Treas. Reg. §1.1400Z2(d)-2(b)(3)", "\(built.text)")
        }
    }

    @Test func hostileBasesAreRefusedNamingTheField() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let offering = try await fixture.openOffering(sponsor: sponsor)
            let fund = "/v1/compliance/funds/\(offering)"
            _ = try await fixture.investments.send(.PUT, fund, json: ComplianceRouteTests.setup, token: sponsor)
            let path = "\(fund)/substantial-improvement"
            let put = { (body: String) in try await fixture.investments.send(.PUT, path, json: body, token: sponsor) }
            let good = #""acquired_on": "2025-01-15", "purchase_price": "1000000", "land_basis": "400000""#
            ComplianceRouteTests.expectProblem(try await put(#"{\#(good), "building_basis": "1e400"}"#), 422, fields: ["building_basis"])
            ComplianceRouteTests.expectProblem(try await put(#"{\#(good), "building_basis": 600000}"#), 422, fields: ["building_basis"])
            ComplianceRouteTests.expectProblem(try await put(#"{\#(good), "building_basis": "6\u0000"}"#), 422, fields: ["building_basis"])
            ComplianceRouteTests.expectProblem(try await put(#"{\#(good)}"#), 422, fields: ["building_basis"])
            ComplianceRouteTests.expectProblem(
                try await put(
                    #"{"acquired_on": "2017-01-01", "purchase_price": "0", "land_basis": "-1", "building_basis": "-1", "original_use": "\#(String(repeating: "v", count: 10_000))", "schedule": [{"on": "2026-01-01", "amount": "0"}]}"#
                ), 422, fields: ["acquired_on", "purchase_price", "original_use", "building_basis", "land_basis", "schedule[0].amount"])
            let many = Array(repeating: #"{"on": "2026-01-01", "amount": "1"}"#, count: 201).joined(separator: ",")
            ComplianceRouteTests.expectProblem(
                try await put(#"{\#(good), "building_basis": "1", "schedule": [\#(many)]}"#), 422, fields: ["schedule"])
            ComplianceRouteTests.expectProblem(try await fixture.investments.get(path, token: sponsor), 404)
        }
    }
}
