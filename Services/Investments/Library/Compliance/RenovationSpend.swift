import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Renovation spend as properties reports it: each progress update carries its project's running
/// total (`spent_to_date`). Investments keeps the figures from `renovation.progress_updated` in its
/// own table (no cross-schema reads) and turns them into dated spend for the improvement test.
enum RenovationSpend {
    struct Report: Sendable, Equatable {
        var projectId: UUID
        var updateId: UUID
        var on: CalendarDate
        var spentToDate: Money
    }

    /// Running totals per project → dated steps, summed across projects per day, zero days dropped.
    /// A total revised down is a negative step. The first report of a project counts in full on
    /// its day (what was spent before it is not dated more finely than that).
    static func steps(_ reports: [Report]) -> [DatedAmount] {
        var byDay: [CalendarDate: Int64] = [:]
        for (_, project) in Dictionary(grouping: reports, by: \.projectId) {
            var previous = Money.zero
            for report in project.sorted(by: { ($0.on, $0.updateId.uuidString) < ($1.on, $1.updateId.uuidString) }) {
                byDay[report.on, default: 0] += (report.spentToDate - previous).cents
                previous = report.spentToDate
            }
        }
        return byDay.filter { $0.value != 0 }.sorted { $0.key < $1.key }.map { DatedAmount(on: $0.key, amount: Money(cents: $0.value)) }
    }

    /// `renovation.progress_updated` → `investments.renovation_spend` (a corrected update replaces its
    /// row); `renovation.spend_withdrawn` takes an update's or a whole project's spend back for good.
    static func eventHandlers(into handlers: inout EventHandlers) {
        handlers.on(RenovationProgressUpdated.self) { event, _, connection, logger in
            guard let day = CalendarDate(event.updateDate) else { return }
            // Nothing of a withdrawn project, and no withdrawn update, comes back.
            try await connection.query(
                """
                INSERT INTO investments.renovation_spend AS s (progress_update_id, project_id, property_id, update_date, spent_to_date)
                SELECT \(event.progressUpdateId), \(event.projectId), \(event.propertyId), \(day.description)::date, \(event.spentToDate)
                WHERE NOT EXISTS (SELECT 1 FROM investments.renovation_projects_withdrawn WHERE project_id = \(event.projectId))
                ON CONFLICT (progress_update_id) DO UPDATE SET
                    project_id = EXCLUDED.project_id, property_id = EXCLUDED.property_id, update_date = EXCLUDED.update_date,
                    spent_to_date = EXCLUDED.spent_to_date, updated_at = now()
                WHERE NOT s.withdrawn
                """,
                logger: logger
            )
        }
        handlers.on(RenovationSpendWithdrawn.self) { event, _, connection, logger in
            guard let update = event.progressUpdateId else {
                try await connection.query(
                    """
                    INSERT INTO investments.renovation_projects_withdrawn (project_id, property_id)
                    VALUES (\(event.projectId), \(event.propertyId)) ON CONFLICT DO NOTHING
                    """,
                    logger: logger
                )
                try await connection.query(
                    "UPDATE investments.renovation_spend SET withdrawn = true, updated_at = now() WHERE project_id = \(event.projectId)",
                    logger: logger
                )
                return
            }
            try await connection.query(
                """
                INSERT INTO investments.renovation_spend (progress_update_id, project_id, property_id, withdrawn)
                VALUES (\(update), \(event.projectId), \(event.propertyId), true)
                ON CONFLICT (progress_update_id) DO UPDATE SET withdrawn = true, updated_at = now()
                """,
                logger: logger
            )
        }
    }

    static func reports(for propertyId: UUID, postgres: PostgresClient, logger: Logger) async throws -> [Report] {
        let rows = try await postgres.query(
            """
            SELECT project_id, progress_update_id, update_date::text, spent_to_date FROM investments.renovation_spend
            WHERE property_id = \(propertyId) AND spent_to_date IS NOT NULL AND update_date IS NOT NULL AND NOT withdrawn
            """,
            logger: logger
        )
        var found: [Report] = []
        for try await (project, update, date, spent) in rows.decode((UUID, UUID, String, Money).self) {
            if let on = CalendarDate(date) { found.append(Report(projectId: project, updateId: update, on: on, spentToDate: spent)) }
        }
        return found
    }
}
