import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import PropertiesService

/// Renovation projects with their unit renovations and progress updates: what a sponsor records,
/// the facts kept true across them, and what the suite is told.
@Suite struct RenovationTests {
    static let upgrades = #"""
        {"project_name": "Interior upgrades", "project_type": "value_add", "planned_start_date": "2025-03-01",
         "planned_end_date": "2025-12-31", "actual_start_date": "2025-03-10", "estimated_cost": "1200000",
         "approved_budget": "1250000.00", "units_affected": 2, "common_areas_affected": ["clubhouse"],
         "status": "in_progress", "projected_rent_increase": "150", "projected_noi_increase": "-2500.5"}
        """#

    @Test func aRenovationFollowsItsUnitsAndItsProgress() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try await fixture.listing(sponsor)
            let first = try await fixture.createID("/v1/properties/\(property)/units", #"{"unit_number": "101"}"#, token: sponsor)
            let second = try await fixture.createID("/v1/properties/\(property)/units", #"{"unit_number": "102"}"#, token: sponsor)

            let project = try await fixture.create("/v1/properties/\(property)/renovations", Self.upgrades, token: sponsor)
            let projectID = try #require(project.string("id"))
            #expect(project.headers.first(name: "Location") == "/v1/properties/\(property)/renovations/\(projectID)")
            project.expectBody(
                [
                    "project_name": "Interior upgrades", "project_type": "value_add", "planned_start_date": "2025-03-01",
                    "planned_end_date": "2025-12-31", "actual_start_date": "2025-03-10", "estimated_cost": "1200000.00",
                    "approved_budget": "1250000.00", "units_affected": 2, "common_areas_affected": ["clubhouse"],
                    "status": "in_progress", "completion_percentage": 0, "projected_rent_increase": "150.00",
                    "projected_noi_increase": "-2500.50",
                ]
            )
            let base = "/v1/properties/\(property)/renovations/\(projectID)"

            // A unit's renovation: a unit of this property, once per project.
            let unitRenovation = try await fixture.create(
                "\(base)/unit-renovations",
                #"""
                {"unit_id": "\#(first)", "renovation_scope": ["kitchen", "flooring"], "start_date": "2025-04-01",
                 "end_date": "2025-04-20", "days_vacant": 19, "budgeted_cost": "12000", "pre_renovation_rent": "1150",
                 "post_renovation_rent": "1300"}
                """#,
                token: sponsor
            )
            #expect(unitRenovation.string("project_id") == projectID)
            unitRenovation.expectBody(
                [
                    "unit_id": .string(first), "renovation_scope": ["kitchen", "flooring"], "start_date": "2025-04-01",
                    "end_date": "2025-04-20", "days_vacant": 19, "budgeted_cost": "12000.00", "pre_renovation_rent": "1150.00",
                    "post_renovation_rent": "1300.00", "status": "pending",
                ], parents: ["property_id", "project_id"]
            )
            let again = try await fixture.client.post("\(base)/unit-renovations", #"{"unit_id": "\#(first)"}"#, token: sponsor)
            #expect(again.status == 409)
            #expect(again.string("detail") == "This unit is already part of the project.")
            let elsewhere = try await fixture.listing(sponsor, name: "Oak Court")
            let foreign = try await fixture.createID("/v1/properties/\(elsewhere)/units", #"{"unit_number": "1"}"#, token: sponsor)
            let borrowed = try await fixture.client.post("\(base)/unit-renovations", #"{"unit_id": "\#(foreign)"}"#, token: sponsor)
            #expect(borrowed.status == 422)
            #expect(borrowed.text.contains(#"{"field":"unit_id","message":"must be a unit of this property"}"#))
            let backwards = try await fixture.client.post(
                "\(base)/unit-renovations", #"{"unit_id": "\#(second)", "start_date": "2025-05-02", "end_date": "2025-05-01"}"#, token: sponsor
            )
            #expect(backwards.invalidFields == ["end_date"])
            // A unit under renovation stays until its renovation goes.
            let busy = try await fixture.delete("/v1/properties/\(property)/units/\(first)", token: sponsor)
            #expect(busy.status == 409)
            #expect(try await fixture.rows("unit_renovations") == "1/0")

            // Progress: the project's completion is the latest update's, whatever order they come in.
            let may = try await fixture.create(
                "\(base)/progress-updates",
                #"""
                {"update_date": "2025-05-01", "completion_percentage": 40, "units_completed": 1, "spent_to_date": "500000",
                 "photo_urls": ["https://cdn.example.com/101-kitchen.jpg"], "manager_notes": "Cabinets in."}
                """#,
                token: sponsor
            )
            let mayID = try #require(may.string("id"))
            may.expectBody(
                [
                    "update_date": "2025-05-01", "completion_percentage": 40, "units_completed": 1, "spent_to_date": "500000.00",
                    "photo_urls": ["https://cdn.example.com/101-kitchen.jpg"], "manager_notes": "Cabinets in.", "change_orders": [],
                ], parents: ["property_id", "project_id"]
            )
            func completion() async throws -> JSONValue? {
                try await fixture.client.get(base, token: sponsor)["completion_percentage"]
            }
            #expect(try await completion() == 40)
            try await fixture.create("\(base)/progress-updates", #"{"update_date": "2025-04-01", "completion_percentage": 20}"#, token: sponsor)
            #expect(try await completion() == 40)
            #expect(try await fixture.client.get("\(base)/progress-updates", token: sponsor).column("update_date") == ["2025-05-01", "2025-04-01"])
            #expect(try await fixture.patch("\(base)/progress-updates/\(mayID)", #"{"completion_percentage": 55}"#, token: sponsor).status == 200)
            #expect(try await completion() == 55)
            #expect(try await fixture.delete("\(base)/progress-updates/\(mayID)", token: sponsor).status == 204)
            #expect(try await completion() == 20)

            // Progress is checked: a percentage, units within the project's, a date.
            let wrong = try await fixture.client.post(
                "\(base)/progress-updates", #"{"update_date": "2025-06-01", "completion_percentage": 101, "units_completed": 3}"#, token: sponsor
            )
            #expect(wrong.invalidFields == ["completion_percentage"])
            let overcounted = try await fixture.client.post(
                "\(base)/progress-updates", #"{"update_date": "2025-06-01", "units_completed": 3}"#, token: sponsor)
            #expect(overcounted.text.contains(#"{"field":"units_completed","message":"must not be more than the project's units_affected (2)"}"#))
            #expect(
                try await fixture.client.post("\(base)/progress-updates", #"{"completion_percentage": 50}"#, token: sponsor).invalidFields == [
                    "update_date"
                ])
            #expect(try await fixture.rows("renovation_progress_updates") == "1/1")

            // Each new or corrected update is told to analytics, with where the project stands; the
            // deleted one's spend is withdrawn (issue 21: followers add spend up).
            #expect(
                try await fixture.events().filter { $0.hasPrefix("renovation.") }.sorted()
                    == ["renovation.progress_updated", "renovation.progress_updated", "renovation.progress_updated", "renovation.spend_withdrawn"])
            let payload = try #require(
                try await fixture.sql(
                    "SELECT (envelope->'payload')::text FROM properties.outbox WHERE event_type = 'renovation.progress_updated' ORDER BY id LIMIT 1"
                ).first
            )
            let sponsorID = try #require(try await fixture.client.get("/v1/properties/\(property)", token: sponsor).string("sponsor_id"))
            let expected: JSONValue = [
                "progress_update_id": .string(mayID), "project_id": .string(projectID), "property_id": .string(property),
                "sponsor_id": .string(sponsorID), "update_date": "2025-05-01", "completion_percentage": 40,
                "units_completed": 1, "spent_to_date": "500000.00", "project_completion_percentage": 40,
                "project_status": "in_progress",
            ]
            // Ids travel as Foundation writes UUIDs (upper case); compare them as ids.
            #expect(try JSONDecoder().decode(JSONValue.self, from: Data(payload.lowercased().utf8)) == expected)
            // Investments follows renovation spend for OZ funds' substantial-improvement test (issue 21).
            #expect(try await fixture.events(for: "investments").contains("renovation.progress_updated"))
        }
    }

    @Test func aProjectsDatesAndFiguresAreCheckedAndNothingIsStored() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try await fixture.listing(sponsor)
            let path = "/v1/properties/\(property)/renovations"
            let bad = #"""
                {"project_name": "", "project_type": "facelift", "planned_start_date": "2025-06-01", "planned_end_date": "2025-01-01",
                 "actual_start_date": "2025-06-01", "actual_end_date": "2025-05-31", "estimated_cost": "-1", "units_affected": -2,
                 "status": "done"}
                """#
            let reply = try await fixture.client.post(path, bad, token: sponsor)
            #expect(reply.status == 422)
            #expect(
                reply.invalidFields == [
                    "project_name", "project_type", "planned_end_date", "actual_end_date", "estimated_cost", "units_affected", "status",
                ]
            )
            #expect(reply.text.contains(#"{"field":"actual_end_date","message":"must not be before actual_start_date"}"#))
            let endless = try await fixture.client.post(path, #"{"project_name": "Roof", "actual_end_date": "2025-05-31"}"#, token: sponsor)
            #expect(endless.text.contains(#"{"field":"actual_end_date","message":"needs actual_start_date"}"#))
            // Completion follows progress updates; it is not written directly.
            let forced = try await fixture.client.post(path, #"{"project_name": "Roof", "completion_percentage": 100}"#, token: sponsor)
            #expect(forced.invalidFields == ["completion_percentage"])
            #expect(try await fixture.rows("renovation_projects") == "0/0")

            let roof = try await fixture.create(path, #"{"project_name": "Roof"}"#, token: sponsor)
            roof.expectBody(["project_name": "Roof", "status": "planning", "completion_percentage": 0, "common_areas_affected": []])
            let id = try #require(roof.string("id"))
            let finished = try await fixture.patch(
                "\(path)/\(id)",
                #"{"status": "completed", "actual_start_date": "2025-01-05", "actual_end_date": "2025-02-01", "actual_cost": "88000"}"#,
                token: sponsor
            )
            #expect(finished.status == 200)
            #expect(finished.string("actual_cost") == "88000.00")
            let undone = try await fixture.patch("\(path)/\(id)", #"{"actual_start_date": "2025-03-01"}"#, token: sponsor)
            #expect(undone.invalidFields == ["actual_end_date"])
        }
    }

    @Test func deletingAProjectTakesItsUnitRenovationsAndUpdatesWithIt() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try await fixture.listing(sponsor)
            let unit = try await fixture.createID("/v1/properties/\(property)/units", #"{"unit_number": "101"}"#, token: sponsor)
            let project = try await fixture.createID("/v1/properties/\(property)/renovations", #"{"project_name": "Roof"}"#, token: sponsor)
            let base = "/v1/properties/\(property)/renovations/\(project)"
            let unitRenovation = try await fixture.createID("\(base)/unit-renovations", #"{"unit_id": "\#(unit)"}"#, token: sponsor)
            try await fixture.create("\(base)/progress-updates", #"{"update_date": "2025-05-01"}"#, token: sponsor)

            #expect(try await fixture.delete(base, token: sponsor).status == 204)
            let gone = try await fixture.client.get("\(base)/unit-renovations/\(unitRenovation)", token: sponsor)
            #expect(gone.status == 404)
            #expect(gone.string("detail") == "No renovation project has this id.")
            #expect(try await fixture.client.post("\(base)/progress-updates", #"{"update_date": "2025-05-02"}"#, token: sponsor).status == 404)
            #expect(try await fixture.rows("unit_renovations") == "0/1")
            #expect(try await fixture.rows("renovation_progress_updates") == "0/1")
            // Its unit is free to go now.
            #expect(try await fixture.delete("/v1/properties/\(property)/units/\(unit)", token: sponsor).status == 204)
            #expect(try await fixture.client.get("/v1/properties/\(property)/renovations", token: sponsor).json == ["data": [], "next_cursor": nil])
        }
    }
}
