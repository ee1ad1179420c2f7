import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `/v1/properties/{id}/renovations/{project_id}/progress-updates`:
/// `properties.renovation_progress_updates`, newest first. The project's `completion_percentage` is
/// the latest update's that states one, kept so in the same transaction as every write here, and
/// each new or changed update is published as `renovation.progress_updated` (a deleted one as
/// `renovation.spend_withdrawn`).
enum ProgressUpdates: PropertyPart {
    typealias Fields = ProgressUpdateFields
    static let table = "properties.renovation_progress_updates"
    static let noun = "progress update"
    static let amounts = ["spent_to_date"]
    static let order = Keyset(Self.table, key: "x.update_date", type: "date", descending: true)
    static let parents = PartParents.renovationProject

    /// Units completed cannot outnumber the units the project affects, when it says how many.
    static func referenceProblems(_ fields: ProgressUpdateFields, in write: PartWrite) async throws -> [ProblemDetails.FieldError] {
        guard let completed = fields.unitsCompleted, let project = write.scope.id(of: "project_id") else { return [] }
        let rows = try await write.connection.query(
            "SELECT units_affected FROM properties.renovation_projects WHERE id = \(project)",
            logger: write.logger
        )
        for try await affected in rows.decode(Int?.self) {
            if let affected, completed > affected {
                return [.init(field: "units_completed", message: "must not be more than the project's units_affected (\(affected))")]
            }
        }
        return []
    }

    static func didWrite(_ change: PartChange, document: String, id: UUID, in write: PartWrite) async throws {
        guard let projectID = write.scope.id(of: "project_id"), let property = write.scope.property else { return }
        // The latest update that states a percentage sets the project's; with none left, it stays.
        let rows = try await write.connection.query(
            """
            UPDATE properties.renovation_projects r
            SET completion_percentage = coalesce((
                    SELECT u.completion_percentage FROM properties.renovation_progress_updates u
                    WHERE u.project_id = r.id AND u.deleted_at IS NULL AND u.completion_percentage IS NOT NULL
                    ORDER BY u.update_date DESC, u.id DESC LIMIT 1
                ), r.completion_percentage),
                updated_at = now()
            WHERE r.id = \(projectID)
            RETURNING r.completion_percentage, r.status
            """,
            logger: write.logger
        )
        var project: (percentage: Int, status: String)?
        for try await row in rows.decode((Int, String).self) { project = row }
        if change == .deleted {
            try await write.outbox.publish(
                RenovationSpendWithdrawn(projectId: projectID, propertyId: property.id, sponsorId: property.sponsorId, progressUpdateId: id),
                on: write.connection, logger: write.logger)
            return
        }
        guard let project else { return }
        let update = try JSONDecoder.tract.decode(ProgressUpdateFields.self, from: Data(document.utf8))
        try await write.outbox.publish(
            RenovationProgressUpdated(
                progressUpdateId: id, projectId: projectID, propertyId: property.id, sponsorId: property.sponsorId,
                updateDate: update.updateDate, completionPercentage: update.completionPercentage,
                unitsCompleted: update.unitsCompleted, spentToDate: update.spentToDate,
                projectCompletionPercentage: project.percentage, projectStatus: project.status
            ),
            on: write.connection,
            logger: write.logger
        )
    }
}
