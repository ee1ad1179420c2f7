import Foundation
import HTTPTypes
import Logging
import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import PropertiesService

/// The kit's `RecordStore` on its own, over a property's units, in the shapes the part routes do
/// not use (they are covered through `UnitTests` and the other part suites): a hard delete, a
/// `stored` expression to merge over, a `render` step, ids from the `IDGenerator`, and the one
/// constraint mapping.
@Suite struct RecordStoreTests {
    static let logger = Logger(label: "test.record-store")

    static func units(_ postgres: PostgresClient, ids: IDGenerator) -> RecordStore {
        RecordStore(
            RecordKind(
                table: "properties.units",
                document: "jsonb_build_object('id', x.id, 'unit_number', x.unit_number, 'current_rent', x.current_rent::text, 'floor', x.floor)",
                noun: "unit",
                columns: ["unit_number", "current_rent", "floor"],
                deletion: .hard,
                conflict: { $0 == "units_number" ? "That unit number is taken." : nil },
                render: { $0.replacingOccurrences(of: "\"unit_number\"", with: "\"number\"") },
                stored: "to_jsonb(x)"
            ),
            postgres: postgres,
            ids: ids
        )
    }

    static func problem(_ body: () async throws -> Void) async -> Problem? {
        do {
            try await body()
            return nil
        } catch let problem as Problem {
            return problem
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test func oneStoreListsCreatesReadsPatchesAndDeletesTheRowsOfAParent() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try #require(UUID(uuidString: try await fixture.listing(sponsor, visibility: nil)))
            let parents = [RecordParent("property_id", property)]
            try await TestDatabase.withAdmin(database: fixture.database.name) { postgres in
                let fixed = UUID(uuidString: "01890000-0000-7000-8000-0000000000a1")!
                let store = Self.units(postgres, ids: IDGenerator { fixed })
                let random = Self.units(postgres, ids: .uuidV7())

                // Created with the generator's id, amounts as Postgres writes them, rendered.
                let (created, id) = try await store.create(parents, values: ["unit_number": "A1", "current_rent": "1200.50"], logger: Self.logger)
                #expect(id == fixed)
                let document = try JSONDecoder().decode(JSONValue.self, from: Data(created.utf8))
                #expect(document["number"] == "A1")
                #expect(document["current_rent"] == "1200.50")
                #expect(try await store.find(id, parents, logger: Self.logger) == created)

                // A unique index is a 409 with the kind's detail, else the default; a CHECK a 422.
                let twin = await Self.problem { _ = try await random.create(parents, values: ["unit_number": "a1"], logger: Self.logger) }
                #expect(twin?.status == .conflict)
                #expect(twin?.detail == "That unit number is taken.")
                let sameID = await Self.problem { _ = try await store.create(parents, values: ["unit_number": "B9"], logger: Self.logger) }
                #expect(sameID?.detail == "Another unit already has these details.")
                let high = await Self.problem {
                    _ = try await random.create(parents, values: ["unit_number": "C1", "floor": 999], logger: Self.logger)
                }
                #expect(high?.status == .unprocessableContent)
                #expect(high?.errors.map(\.field) == ["body"])

                // A page in the given order, narrowed by filters, with a cursor to the rest.
                for number in ["D4", "B2", "C3"] {
                    _ = try await random.create(parents, values: ["unit_number": .string(number), "floor": 2], logger: Self.logger)
                }
                let order = Keyset("units", key: "lower(x.unit_number)", type: "text", descending: false)
                let first = try await random.list(parents, page: PageRequest(limit: 2, order: order), logger: Self.logger) { binds in
                    ["x.floor = \(binds.add(2))"]
                }
                let page = try JSONDecoder().decode(JSONValue.self, from: Data(first.text.utf8))
                guard case .array(let rows)? = page["data"], case .string(let next)? = page["next_cursor"] else {
                    Issue.record("no page: \(first.text)")
                    return
                }
                #expect(rows.map { $0["number"] } == ["B2", "C3"])
                let cursor = try KeysetCursor(encoded: next, sort: "units")
                let rest = try await random.list(parents, page: PageRequest(limit: 2, cursor: cursor, order: order), logger: Self.logger) { binds in
                    ["x.floor = \(binds.add(2))"]
                }
                #expect(rest.text.contains("\"D4\"") && rest.text.hasSuffix("\"next_cursor\":null}"))

                // A PATCH merges over `stored` (the row's own columns) and writes the whole record.
                let patched = try await store.update(id, parents, logger: Self.logger) { stored in
                    #expect(stored["unit_number"] == "A1")
                    guard
                        case .object(let merged) = try BodyFields.merging(
                            ["current_rent": nil], over: stored, writable: ["unit_number", "current_rent", "floor"])
                    else { return [:] }
                    return merged
                }
                #expect(patched.contains("\"current_rent\": null"))
                #expect(patched.contains("\"number\": \"A1\""))
                // Scoped by the parents: another property's id is no way in.
                let elsewhere = [RecordParent("property_id", UUID())]
                #expect(await Self.problem { _ = try await store.update(id, elsewhere, logger: Self.logger) { _ in [:] } }?.status == .notFound)

                // A hard delete removes the row; a second is a 404.
                try await store.delete(id, parents, logger: Self.logger)
                #expect(try await fixture.sql("SELECT count(*)::text FROM properties.units WHERE id = '\(id)'") == ["0"])
                #expect(await Self.problem { try await store.delete(id, parents, logger: Self.logger) }?.detail == "No unit has this id.")
            }
        }
    }
}
