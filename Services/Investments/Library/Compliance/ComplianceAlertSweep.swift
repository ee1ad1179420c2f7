import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// Tells sponsors of their funds' deadlines: every `interval` (and once at start) it works out the
/// alerts due today for each QOF (`ComplianceAlerts`) and publishes each new one as
/// `compliance.deadline_approaching`, which communications turns into the sponsor's notification.
/// Each alert is recorded in the same transaction as its event, so it is sent once.
struct ComplianceAlertSweep: Service {
    let postgres: PostgresClient
    let outbox: OutboxPublisher
    let clock: ServiceClock
    let logger: Logger
    var interval: Duration = .seconds(3600)

    func run() async throws {
        try await PeriodicWork("compliance alert sweep", every: self.interval, firstRound: .atOnce, logger: self.logger) {
            _ = try await self.sweep(logger: self.logger)
            return false
        }.run()
    }

    /// One pass; returns how many alerts were published.
    func sweep(logger: Logger) async throws -> Int {
        let today = CalendarDate.day(of: self.clock.now)
        let funds = QOFFundStore(postgres: self.postgres)
        let improvements = ImprovementStore(postgres: self.postgres)
        let rows = try await self.postgres.query(
            """
            SELECT f.offering_id, o.sponsor_id, o.name, o.property_id FROM investments.qof_funds f
            JOIN investments.offerings o ON o.id = f.offering_id WHERE o.status <> 'cancelled'
            """,
            logger: logger
        )
        var offerings: [(UUID, UUID, String, UUID)] = []
        for try await row in rows.decode((UUID, UUID, String, UUID).self) { offerings.append(row) }
        var sent = 0
        for (offeringId, sponsorId, name, propertyId) in offerings {
            guard let fund = try await funds.find(offeringId, logger: logger) else { continue }
            var improvement: SubstantialImprovementResult?
            if let basis = try await improvements.find(offeringId, logger: logger) {
                let reports = try await RenovationSpend.reports(for: propertyId, postgres: self.postgres, logger: logger)
                improvement = try? SubstantialImprovement.evaluate(
                    ImprovementController.input(basis, spend: RenovationSpend.steps(reports), asOf: today))
            }
            for alert in ComplianceAlerts.due(calendar: fund.calendar, improvement: improvement, today: today) {
                let detail = alert.kind == .improvementWindow ? improvement?.reason : nil
                let event = ComplianceDeadlineApproaching(
                    offeringId: offeringId, sponsorId: sponsorId, offeringName: name, kind: alert.kind.rawValue,
                    deadline: alert.deadline.description, daysBefore: alert.daysBefore, daysLeft: alert.daysLeft, detail: detail
                )
                let published = try await self.postgres.transaction(logger: logger) { connection in
                    let inserted = try await connection.query(
                        """
                        INSERT INTO investments.compliance_alerts_sent (offering_id, kind, deadline, days_before)
                        VALUES (\(offeringId), \(alert.kind.rawValue), \(alert.deadline.description)::date, \(Int16(alert.daysBefore)))
                        ON CONFLICT DO NOTHING RETURNING offering_id
                        """,
                        logger: logger
                    )
                    var isNew = false
                    for try await _ in inserted { isNew = true }
                    guard isNew else { return false }
                    try await self.outbox.publish(event, on: connection, logger: logger)
                    return true
                }
                if published { sent += 1 }
            }
        }
        return sent
    }
}
