import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import PropertiesService

/// A listing's units and floor plans: what a sponsor records, what is refused and why, and what
/// readers see.
@Suite struct UnitTests {
    static let willow = #"""
        {"name": "Willow", "unit_type": "2br", "bedrooms": 2, "bathrooms": 2, "sqft_min": 900, "sqft_max": 1000,
         "base_rent": "1200", "total_units": 40, "available_units": 3, "features": {"washer_dryer": true}}
        """#

    static func unit(_ number: String, plan: String? = nil) -> String {
        """
        {"unit_number": "\(number)", \(plan.map { "\"floor_plan_id\": \"\($0)\"," } ?? "") "building_number": "A", "floor": 1,
         "unit_type": "2br", "bedrooms": 2, "bathrooms": 1.5, "sqft": 950, "current_rent": "1150", "market_rent": "1250.5",
         "occupancy_status": "occupied", "lease_start_date": "2025-01-01", "lease_end_date": "2025-12-31",
         "appliances": ["range", "dishwasher"], "has_balcony": true}
        """
    }

    @Test func aSponsorDescribesTheUnitsAndFloorPlansOfTheirListing() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try await fixture.listing(sponsor)

            let plan = try await fixture.create("/v1/properties/\(property)/floor-plans", Self.willow, token: sponsor)
            let planID = try #require(plan.string("id"))
            #expect(plan.headers.first(name: "Location") == "/v1/properties/\(property)/floor-plans/\(planID)")
            #expect(plan.string("property_id") == property)
            plan.expectBody(
                [
                    "name": "Willow", "unit_type": "2br", "bedrooms": 2, "bathrooms": 2, "sqft_min": 900, "sqft_max": 1000,
                    "base_rent": "1200.00", "total_units": 40, "available_units": 3, "features": ["washer_dryer": true],
                    "appliances": [],
                ]
            )

            let unit = try await fixture.create("/v1/properties/\(property)/units", Self.unit("101", plan: planID), token: sponsor)
            let unitID = try #require(unit.string("id"))
            #expect(unit.headers.first(name: "Location") == "/v1/properties/\(property)/units/\(unitID)")
            unit.expectBody(
                [
                    "unit_number": "101", "floor_plan_id": .string(planID), "building_number": "A", "floor": 1, "unit_type": "2br",
                    "bedrooms": 2, "bathrooms": 1.5, "sqft": 950, "current_rent": "1150.00", "market_rent": "1250.50",
                    "occupancy_status": "occupied", "lease_start_date": "2025-01-01", "lease_end_date": "2025-12-31",
                    "appliances": ["range", "dishwasher"], "has_balcony": true, "has_patio": false,
                ]
            )
            #expect(unit.string("created_at") == unit.string("updated_at"))

            // Everyone who sees the listing reads its parts; the public does not see this one.
            let investor = try await fixture.token(.investor)
            let read = try await fixture.client.get("/v1/properties/\(property)/units/\(unitID)", token: investor)
            #expect(read.status == 200)
            #expect(read.json == unit.json)
            let list = try await fixture.client.get("/v1/properties/\(property)/units", token: investor)
            #expect(list.json == ["data": [unit.json], "next_cursor": nil])
            #expect(try await fixture.client.get("/v1/properties/\(property)/floor-plans", token: investor)["data"] == [plan.json])
            #expect(try await fixture.client.get("/v1/properties/\(property)/units").status == 404)

            // A change is merged over the stored unit; `null` clears an optional field.
            try await Task.sleep(for: .milliseconds(5))
            let changed = try await fixture.patch(
                "/v1/properties/\(property)/units/\(unitID)",
                #"{"occupancy_status": "notice", "notice_date": "2025-11-01", "building_number": null}"#,
                token: sponsor
            )
            #expect(changed.status == 200)
            #expect(changed.string("occupancy_status") == "notice")
            #expect(changed.string("notice_date") == "2025-11-01")
            #expect(changed["building_number"] == nil)
            #expect(changed.string("current_rent") == "1150.00")
            #expect(changed.string("created_at") == unit.string("created_at"))
            #expect(try #require(changed.string("updated_at")) > unit.string("updated_at")!)
            // Required fields cannot be cleared, and rules hold against the stored values.
            let cleared = try await fixture.patch(
                "/v1/properties/\(property)/units/\(unitID)", #"{"unit_number": null, "has_patio": null}"#, token: sponsor)
            #expect(cleared.status == 422)
            #expect(cleared.invalidFields == ["has_patio", "unit_number"])
            let early = try await fixture.patch("/v1/properties/\(property)/units/\(unitID)", #"{"lease_end_date": "2024-06-30"}"#, token: sponsor)
            #expect(early.status == 422)
            #expect(early.text.contains(#"{"field":"lease_end_date","message":"must not be before lease_start_date"}"#))
            #expect(try await fixture.client.get("/v1/properties/\(property)/units/\(unitID)", token: sponsor).json == changed.json)
        }
    }

    @Test func unitNumbersAreUniqueAmongAPropertysLiveUnits() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try await fixture.listing(sponsor)
            let first = try await fixture.createID("/v1/properties/\(property)/units", #"{"unit_number": "A-1"}"#, token: sponsor)

            let twin = try await fixture.client.post("/v1/properties/\(property)/units", #"{"unit_number": "a-1"}"#, token: sponsor)
            #expect(twin.status == 409)
            #expect(twin.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(twin.string("detail") == "The property already has a unit with this unit_number.")
            // Renaming another unit onto a taken number is refused the same way.
            let second = try await fixture.createID("/v1/properties/\(property)/units", #"{"unit_number": "A-2"}"#, token: sponsor)
            #expect(try await fixture.patch("/v1/properties/\(property)/units/\(second)", #"{"unit_number": "A-1"}"#, token: sponsor).status == 409)
            #expect(try await fixture.rows("units") == "2/0")

            // Another property has its own numbers; a deleted unit's number is free again.
            let other = try await fixture.listing(sponsor, name: "Oak Court")
            try await fixture.create("/v1/properties/\(other)/units", #"{"unit_number": "A-1"}"#, token: sponsor)
            #expect(try await fixture.delete("/v1/properties/\(property)/units/\(first)", token: sponsor).status == 204)
            try await fixture.create("/v1/properties/\(property)/units", #"{"unit_number": "A-1"}"#, token: sponsor)
            #expect(try await fixture.rows("units") == "3/1")
        }
    }

    @Test func invalidUnitsAreRefusedFieldByFieldAndNothingIsStored() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try await fixture.listing(sponsor)
            let path = "/v1/properties/\(property)/units"
            let bad = #"""
                {"unit_number": " ", "floor": 300, "unit_type": "penthouse", "bedrooms": -1, "bathrooms": 1.25, "sqft": 0,
                 "current_rent": "-5", "occupancy_status": "squatted", "lease_start_date": "2025-06-01",
                 "lease_end_date": "2025-05-31", "condition_rating": 6, "last_inspection_date": "2025-02-30"}
                """#
            let reply = try await fixture.client.post(path, bad, token: sponsor)
            #expect(reply.status == 422)
            #expect(reply.string("type") == "https://tract.dev/problems/validation")
            #expect(
                reply.invalidFields == [
                    "unit_number", "floor", "unit_type", "bedrooms", "bathrooms", "sqft", "current_rent", "occupancy_status",
                    "lease_end_date", "condition_rating", "last_inspection_date",
                ]
            )
            // What the server owns cannot be sent; amounts are strings; a unit needs a number.
            let owned = try await fixture.client.post(path, #"{"unit_number": "1", "property_id": "x", "id": "y"}"#, token: sponsor)
            #expect(owned.invalidFields == ["id", "property_id"])
            #expect(owned.text.contains(#"{"field":"id","message":"is not a field you can set"}"#))
            #expect(
                try await fixture.client.post(path, #"{"unit_number": "1", "current_rent": 1150}"#, token: sponsor).invalidFields == ["current_rent"])
            #expect(try await fixture.client.post(path, #"{"floor": 2}"#, token: sponsor).invalidFields == ["unit_number"])
            #expect(try await fixture.client.post(path, "[]", token: sponsor).invalidFields == ["body"])
            #expect(try await fixture.client.post(path, #"{"unit_number": "1\u0000"}"#, token: sponsor).invalidFields == ["unit_number"])
            #expect(try await fixture.client.post(path, "{", token: sponsor).status == 400)

            // A floor plan must be one of this property's, and live.
            let other = try await fixture.listing(sponsor, name: "Oak Court")
            let foreign = try await fixture.createID("/v1/properties/\(other)/floor-plans", #"{"name": "Oak"}"#, token: sponsor)
            let borrowed = try await fixture.client.post(path, #"{"unit_number": "1", "floor_plan_id": "\#(foreign)"}"#, token: sponsor)
            #expect(borrowed.status == 422)
            #expect(borrowed.text.contains(#"{"field":"floor_plan_id","message":"must be a floor plan of this property"}"#))
            #expect(try await fixture.rows("units") == "0/0")

            // Floor plans check their own ranges, across fields too.
            let plan = try await fixture.client.post(
                "/v1/properties/\(property)/floor-plans",
                #"{"name": "", "sqft_min": 1200, "sqft_max": 900, "total_units": 4, "available_units": 5, "virtual_tour_url": "ftp://x", "features": []}"#,
                token: sponsor
            )
            #expect(plan.invalidFields == ["name", "sqft_min", "available_units", "virtual_tour_url", "features"])
            #expect(try await fixture.rows("floor_plans") == "1/0")
        }
    }

    @Test func aFloorPlanStaysWhileUnitsAreBuiltToIt() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try await fixture.listing(sponsor)
            let plan = try await fixture.createID("/v1/properties/\(property)/floor-plans", Self.willow, token: sponsor)
            let unit = try await fixture.createID("/v1/properties/\(property)/units", Self.unit("101", plan: plan), token: sponsor)

            let refused = try await fixture.delete("/v1/properties/\(property)/floor-plans/\(plan)", token: sponsor)
            #expect(refused.status == 409)
            #expect(refused.string("detail") == "1 unit is built to this floor plan; move or delete it first.")
            #expect(try await fixture.patch("/v1/properties/\(property)/units/\(unit)", #"{"floor_plan_id": null}"#, token: sponsor).status == 200)
            #expect(try await fixture.delete("/v1/properties/\(property)/floor-plans/\(plan)", token: sponsor).status == 204)
            // A deleted plan cannot be chosen again.
            let stale = try await fixture.patch("/v1/properties/\(property)/units/\(unit)", #"{"floor_plan_id": "\#(plan)"}"#, token: sponsor)
            #expect(stale.invalidFields == ["floor_plan_id"])
        }
    }

    @Test func unitsComePageByPageInUnitNumberOrder() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try await fixture.listing(sponsor)
            let path = "/v1/properties/\(property)/units"
            for number in ["104", "101", "105", "103", "102"] {
                let status = number == "103" ? "vacant" : "occupied"
                try await fixture.create(path, #"{"unit_number": "\#(number)", "occupancy_status": "\#(status)"}"#, token: sponsor)
            }
            var seen: [String] = []
            var next: String? = "first"
            var pages = 0
            while let cursor = next {
                let page = try await fixture.client.get(path + "?limit=2" + (cursor == "first" ? "" : "&cursor=\(cursor)"), token: sponsor)
                #expect(page.status == 200)
                seen += page.column("unit_number")
                next = page.string("next_cursor")
                pages += 1
            }
            #expect(seen == ["101", "102", "103", "104", "105"])
            #expect(pages == 3)
            let vacant = try await fixture.client.get(path + "?occupancy_status=vacant", token: sponsor)
            #expect(vacant.column("unit_number") == ["103"])
            #expect(try await fixture.client.get(path + "?limit=0", token: sponsor).invalidFields == ["limit"])
            // A cursor belongs to the list that issued it.
            let first = try await fixture.client.get(path + "?limit=1", token: sponsor)
            let cursor = try #require(first.string("next_cursor"))
            let elsewhere = try await fixture.client.get("/v1/properties/\(property)/floor-plans?cursor=\(cursor)", token: sponsor)
            #expect(elsewhere.invalidFields == ["cursor"])
        }
    }

    @Test func aDeletedUnitLeavesEveryReadButStaysOnRecord() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try await fixture.listing(sponsor)
            let unit = try await fixture.createID("/v1/properties/\(property)/units", #"{"unit_number": "9"}"#, token: sponsor)
            #expect(try await fixture.delete("/v1/properties/\(property)/units/\(unit)", token: sponsor).status == 204)
            #expect(try await fixture.client.get("/v1/properties/\(property)/units/\(unit)", token: sponsor).status == 404)
            #expect(try await fixture.client.get("/v1/properties/\(property)/units", token: sponsor).json == ["data": [], "next_cursor": nil])
            #expect(try await fixture.patch("/v1/properties/\(property)/units/\(unit)", #"{"floor": 2}"#, token: sponsor).status == 404)
            #expect(try await fixture.delete("/v1/properties/\(property)/units/\(unit)", token: sponsor).status == 404)
            #expect(try await fixture.sql("SELECT (deleted_at IS NOT NULL AND updated_at >= created_at)::text FROM properties.units") == ["true"])
            // A part is reached only through its own property.
            let other = try await fixture.listing(sponsor, name: "Oak Court")
            let kept = try await fixture.createID("/v1/properties/\(property)/units", #"{"unit_number": "10"}"#, token: sponsor)
            #expect(try await fixture.client.get("/v1/properties/\(other)/units/\(kept)", token: sponsor).status == 404)
            #expect(try await fixture.client.get("/v1/properties/\(property)/units/not-an-id", token: sponsor).status == 404)
            // Deleting the listing takes its parts out of reach with it.
            #expect(try await fixture.delete("/v1/properties/\(property)", token: sponsor).status == 204)
            #expect(try await fixture.client.get("/v1/properties/\(property)/units/\(kept)", token: sponsor).status == 404)
        }
    }
}
