import Foundation
import Logging
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// Keeps `events`' monthly partitions moving (seed 002 §6, seed 001 §8): creates those from the
/// retention's first month to `monthsAhead` after now, and detaches (then drops, or keeps) those
/// wholly past retention. Runs once at start-up and then every interval.
///
/// Safe with replicas: each pass holds a transaction-level advisory lock, taken with `try`, so a
/// replica that finds another one at work skips its pass instead of racing it between
/// `ensure_event_partitions`' check and its CREATE, or detaching the same table twice.
struct PartitionMaintenance: Service {
    struct Outcome: Equatable, Sendable {
        var ranAlone: Bool
        var created = 0
        var detached: [String] = []
        var dropped: [String] = []
    }

    let postgres: PostgresClient
    let settings: PartitionSettings
    let clock: ServiceClock
    let logger: Logger

    /// The lock every replica's pass takes (`hashtext` of a name that says what it guards).
    static let lockName = "analytics.events partitions"

    func run() async throws {
        // The first pass runs in `onStart`, once migrations are in; this keeps the window moving.
        try await PeriodicWork("partition maintenance", every: self.settings.interval, logger: self.logger) {
            await self.passLoggingFailure()
            return false
        }.run()
    }

    /// One pass whose failure is logged, not thrown: the next interval tries again, and events
    /// keep landing in the partitions made ahead.
    func passLoggingFailure() async {
        do {
            let outcome = try await self.maintainOnce()
            if outcome.created > 0 || !outcome.detached.isEmpty {
                self.logger.info(
                    "event partitions maintained",
                    metadata: [
                        "created": .stringConvertible(outcome.created), "detached": .string(outcome.detached.joined(separator: ",")),
                        "dropped": .string(outcome.dropped.joined(separator: ",")),
                    ]
                )
            }
        } catch {
            self.logger.warning("event partition maintenance failed", metadata: ["error": .string(String(reflecting: error))])
        }
    }

    func maintainOnce() async throws -> Outcome {
        let plan = PartitionPlan(now: self.clock.now, retentionMonths: self.settings.retentionMonths, monthsAhead: self.settings.monthsAhead)
        return try await self.postgres.transaction(logger: self.logger) { connection in
            var locked = false
            for try await got in try await connection.query("SELECT pg_try_advisory_xact_lock(hashtext(\(Self.lockName)))", logger: self.logger)
                .decode(Bool.self)
            {
                locked = got
            }
            guard locked else { return Outcome(ranAlone: false) }
            var outcome = Outcome(ranAlone: true)
            let firstMonth = Self.day(plan.firstMonth)
            for try await created in try await connection.query(
                "SELECT analytics.ensure_event_partitions(\(firstMonth)::date, \(plan.months)::integer)", logger: self.logger
            ).decode(Int.self) {
                outcome.created = created
            }
            let attached = try await connection.query(
                """
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'analytics.events'::regclass ORDER BY c.relname
                """,
                logger: self.logger
            )
            var names: [String] = []
            for try await name in attached.decode(String.self) { names.append(name) }
            for name in names where plan.isPastRetention(name) {
                // Names come from the catalogue and match `events_yYYYYmMM` (`isPastRetention`), so
                // they are safe to splice as identifiers.
                try await connection.query(
                    PostgresQuery(unsafeSQL: "ALTER TABLE analytics.events DETACH PARTITION analytics.\(name)"), logger: self.logger)
                outcome.detached.append(name)
                if self.settings.dropsDetached {
                    try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE analytics.\(name)"), logger: self.logger)
                    outcome.dropped.append(name)
                }
            }
            return outcome
        }
    }

    /// `YYYY-MM-DD` of a UTC day.
    static func day(_ date: Date) -> String {
        let parts = PartitionPlan.utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
    }
}
