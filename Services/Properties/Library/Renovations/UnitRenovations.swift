import Foundation
import Models
import PostgresNIO
import ServiceKit

/// `/v1/properties/{id}/renovations/{project_id}/unit-renovations`: `properties.unit_renovations`,
/// in the order they were added. The unit is a live unit of the project's property, renovated at
/// most once per project (409).
enum UnitRenovations: PropertyPart {
    typealias Fields = UnitRenovationFields
    static let table = "properties.unit_renovations"
    static let noun = "unit renovation"
    static let amounts = ["budgeted_cost", "actual_cost", "pre_renovation_rent", "post_renovation_rent"]
    static var filters: [String] { ["status", "unit_id"] }
    static let parents = PartParents.renovationProject

    static func conflict(index: String) -> String? {
        index == "unit_renovations_unit_once" ? "This unit is already part of the project." : nil
    }

    static func referenceProblems(_ fields: UnitRenovationFields, in write: PartWrite) async throws -> [ProblemDetails.FieldError] {
        guard let property = write.scope.id(of: "property_id") else { return [] }
        let rows = try await write.connection.query(
            """
            SELECT id FROM properties.units
            WHERE id = \(fields.unitId) AND property_id = \(property) AND deleted_at IS NULL FOR SHARE
            """,
            logger: write.logger
        )
        for try await _ in rows.decode(UUID.self) { return [] }
        return [.init(field: "unit_id", message: "must be a unit of this property")]
    }
}
