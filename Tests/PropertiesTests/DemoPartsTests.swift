import Foundation
import Models
import ServiceKit
import TestSupport
import Testing

@testable import PropertiesService

/// scripts/sql/demo-properties.sql, as `make run` loads it: the demo listings' parts read back
/// through the API, and a second load changes nothing.
@Suite struct DemoPartsTests {
    /// The demo sponsor account's id, which `make run` passes in (scripts/demo-data.sh).
    static let demoSponsor = "01900000-0000-7000-8000-0000000000aa"

    @Test func theDemoListingsHaveUnitsAndARenovationUnderWay() async throws {
        try await PropertiesFixture.run { fixture in
            let admin = TestDatabase.adminURL
            let target = "postgres://\(admin.username):\(admin.password ?? "")@\(admin.host):\(admin.port)/\(fixture.database.name)"
            func load() async throws -> String {
                let loaded = try await RepositoryScripts.run(
                    "/usr/bin/env",
                    [
                        "psql", target, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "sponsor=\(Self.demoSponsor)", "-f",
                        "scripts/sql/demo-properties.sql",
                    ]
                )
                try #require(loaded.status == 0, "\(loaded.output)")
                return try await Self.inventory(fixture)
            }
            let first = try await load()
            #expect(first == "4 3 5 1 3 2")
            #expect(try await load() == first)

            // Magnolia Court is public: anyone sees its units and how far its renovation has come.
            let magnolia = "/v1/properties/01900000-0000-7000-8000-000000000001"
            #expect(try await fixture.client.get("\(magnolia)/units").column("unit_number") == ["101", "102", "201", "202"])
            #expect(try await fixture.client.get("\(magnolia)/floor-plans").column("name") == ["Camellia", "Dogwood"])
            let renovations = try await fixture.client.get("\(magnolia)/renovations")
            #expect(renovations.column("status") == ["in_progress"])
            #expect(renovations.json["data"] == [try await fixture.client.get("\(magnolia)/renovations/01900000-0000-7000-8000-000000000301").json])
            if case .array(let rows)? = renovations["data"] { #expect(rows.first?["completion_percentage"] == 45) }
            let updates = try await fixture.client.get("\(magnolia)/renovations/01900000-0000-7000-8000-000000000301/progress-updates")
            #expect(updates.column("update_date") == ["2025-09-30", "2025-06-30"])
        }
    }

    /// Listings, floor plans, units, projects, unit renovations, progress updates.
    static func inventory(_ fixture: PropertiesFixture) async throws -> String {
        try await fixture.sql(
            """
            SELECT concat_ws(' ', (SELECT count(*) FROM properties.properties), (SELECT count(*) FROM properties.floor_plans),
                (SELECT count(*) FROM properties.units), (SELECT count(*) FROM properties.renovation_projects),
                (SELECT count(*) FROM properties.unit_renovations), (SELECT count(*) FROM properties.renovation_progress_updates))
            """
        ).first ?? ""
    }
}
