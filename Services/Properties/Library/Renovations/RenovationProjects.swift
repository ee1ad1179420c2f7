import Foundation
import Models
import PostgresNIO
import ServiceKit

/// `/v1/properties/{id}/renovations`: `properties.renovation_projects`, newest first.
enum RenovationProjects: PropertyPart {
    typealias Fields = RenovationProjectFields
    static let table = "properties.renovation_projects"
    static let noun = "renovation project"
    static let amounts = [
        "estimated_cost", "approved_budget", "actual_cost", "projected_noi_increase", "projected_rent_increase",
        "actual_noi_increase", "actual_rent_increase",
    ]
    static let order = Keyset(Self.table, key: "x.id", type: "uuid", descending: true)
    static var filters: [String] { ["status", "project_type"] }
    static let item = PartItem.project

    /// A project's unit renovations and progress updates are its own: they go with it.
    static func didWrite(_ change: PartChange, document: String, id: UUID, in write: PartWrite) async throws {
        guard change == .deleted else { return }
        try await write.connection.query(
            "UPDATE properties.unit_renovations SET deleted_at = now(), updated_at = now() WHERE project_id = \(id) AND deleted_at IS NULL",
            logger: write.logger
        )
        try await write.connection.query(
            """
            UPDATE properties.renovation_progress_updates SET deleted_at = now(), updated_at = now()
            WHERE project_id = \(id) AND deleted_at IS NULL
            """,
            logger: write.logger
        )
        // Its reported spend goes with it (followers add up spend per project).
        guard let property = write.scope.property else { return }
        try await write.outbox.publish(
            RenovationSpendWithdrawn(projectId: id, propertyId: property.id, sponsorId: property.sponsorId, progressUpdateId: nil),
            on: write.connection, logger: write.logger)
    }
}
