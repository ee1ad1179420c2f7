import Foundation
import Models
import PostgresNIO
import ServiceKit

/// `/v1/properties/{id}/units`: `properties.units`, by unit number. A unit number is unique among a
/// property's live units (409), and a unit's floor plan is one of the same property's.
enum Units: PropertyPart {
    typealias Fields = UnitFields
    static let table = "properties.units"
    static let noun = "unit"
    static let amounts = ["current_rent", "market_rent"]
    static let order = Keyset(Self.table, key: "lower(x.unit_number)", type: "text", descending: false)
    static var filters: [String] { ["occupancy_status", "unit_type", "floor_plan_id", "building_number"] }

    static func conflict(index: String) -> String? {
        index == "units_number" ? "The property already has a unit with this unit_number." : nil
    }

    static func referenceProblems(_ fields: UnitFields, in write: PartWrite) async throws -> [ProblemDetails.FieldError] {
        guard let plan = fields.floorPlanId, let property = write.scope.id(of: "property_id") else { return [] }
        let rows = try await write.connection.query(
            """
            SELECT id FROM properties.floor_plans
            WHERE id = \(plan) AND property_id = \(property) AND deleted_at IS NULL FOR SHARE
            """,
            logger: write.logger
        )
        for try await _ in rows.decode(UUID.self) { return [] }
        return [.init(field: "floor_plan_id", message: "must be a floor plan of this property")]
    }

    /// A unit in a live renovation stays: the renovation's record would point at nothing.
    static func checkDelete(_ id: UUID, in write: PartWrite) async throws {
        let rows = try await write.connection.query(
            "SELECT count(*) FROM properties.unit_renovations WHERE unit_id = \(id) AND deleted_at IS NULL",
            logger: write.logger
        )
        for try await count in rows.decode(Int.self) where count > 0 {
            throw Problem.conflict("The unit is part of a renovation project; delete its unit renovation first.")
        }
    }
}
