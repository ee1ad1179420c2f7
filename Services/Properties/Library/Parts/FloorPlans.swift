import Foundation
import Models
import PostgresNIO
import ServiceKit

/// `/v1/properties/{id}/floor-plans`: `properties.floor_plans`, by name.
enum FloorPlans: PropertyPart {
    typealias Fields = FloorPlanFields
    static let table = "properties.floor_plans"
    static let noun = "floor plan"
    static let amounts = ["base_rent", "market_rent"]
    static let order = Keyset(Self.table, key: "lower(x.name)", type: "text", descending: false)
    static var filters: [String] { ["unit_type"] }

    /// A plan its live units are built to stays: deleting it would leave them pointing at nothing.
    static func checkDelete(_ id: UUID, in write: PartWrite) async throws {
        let rows = try await write.connection.query(
            "SELECT count(*) FROM properties.units WHERE floor_plan_id = \(id) AND deleted_at IS NULL",
            logger: write.logger
        )
        for try await count in rows.decode(Int.self) where count > 0 {
            throw Problem.conflict(
                "\(count) unit\(count == 1 ? " is" : "s are") built to this floor plan; move or delete \(count == 1 ? "it" : "them") first.")
        }
    }
}
