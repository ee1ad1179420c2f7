import Foundation
import Logging
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// Reminds each registrant with a seat 24 hours and 1 hour before an event, once each.
///
/// A sweep claims due registrations with `FOR UPDATE SKIP LOCKED` (replicas share the work), creates
/// the notifications through the `Notifier` (preferences and quiet hours apply; the mail goes out
/// with `NotificationDelivery`) and marks the reminder sent in the same transaction, so a crash
/// between the two cannot send twice or lose one. Time is `clock`, so tests move it.
struct EventReminders: Service {
    let postgres: PostgresClient
    let notifier: Notifier
    let notices: EventNotices
    let clock: ServiceClock
    let interval: Duration
    let batch: Int
    let logger: Logger

    func run() async throws {
        // A sweep that sent something goes again: more may have come due meanwhile.
        try await PeriodicWork("event reminders", every: self.interval, logger: self.logger) { try await self.sweep() > 0 }.run()
    }

    /// One pass over both reminders; how many it sent.
    @discardableResult
    func sweep() async throws -> Int {
        var sent = 0
        for reminder in EventNotices.Reminder.allCases { sent += try await self.sweep(reminder) }
        return sent
    }

    /// Up to `batch` registrations due `reminder`. The day-before reminder is due from 24 h before
    /// the start until the hour-before one takes over (someone registering 30 minutes before gets
    /// only the latter); neither goes once the event has started.
    func sweep(_ reminder: EventNotices.Reminder) async throws -> Int {
        let now = self.clock.now
        let windowEnd = now.addingTimeInterval(reminder.lead)
        let windowStart = reminder == .dayBefore ? now.addingTimeInterval(EventNotices.Reminder.hourBefore.lead) : now
        return try await self.postgres.transaction(logger: self.logger) { connection in
            let rows = try await connection.query(
                """
                SELECT r.id, r.user_id, e.id, e.title, e.starts_at, e.sequence
                FROM communications.event_registrations r JOIN communications.events e ON e.id = r.event_id
                WHERE e.status = 'published' AND e.starts_at > \(windowStart) AND e.starts_at <= \(windowEnd)
                  AND r.status = 'registered' AND r.\(unescaped: reminder.column) IS NULL
                ORDER BY e.starts_at, r.id LIMIT \(self.batch)
                FOR UPDATE OF r SKIP LOCKED
                """, logger: self.logger)
            var registrations: [UUID] = []
            var drafts: [NotificationDraft] = []
            for try await (registration, user, event, title, startsAt, sequence) in rows.decode((UUID, UUID, UUID, String, Date, Int).self) {
                registrations.append(registration)
                let notice = EventNotices.Event(id: event, title: title, startsAt: startsAt, sequence: sequence)
                drafts.append(self.notices.reminder(notice, user: user, registration: registration, reminder))
            }
            guard !registrations.isEmpty else { return 0 }
            try await self.notifier.notify(drafts, on: connection, logger: self.logger)
            try await connection.query(
                """
                UPDATE communications.event_registrations SET \(unescaped: reminder.column) = \(now), updated_at = \(now)
                WHERE id = ANY(\(registrations))
                """, logger: self.logger)
            self.logger.debug("event reminders sent", metadata: ["reminder": "\(reminder.rawValue)", "count": "\(registrations.count)"])
            return registrations.count
        }
    }
}
