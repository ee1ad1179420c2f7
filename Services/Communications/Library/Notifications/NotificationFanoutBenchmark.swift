import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `make bench` (Benchmarks/NotificationFanout, `BENCH_ONLY=fanout`): one
/// `renovation.progress_updated` to a property with `investors` investors, through the event
/// handler's transaction exactly as the inbox runs it — the projection read, the preferences read,
/// the notifications, their planned mails and the live-feed items, set-based — timed from BEGIN to
/// COMMIT. Beside it, in the same run: a plain `INSERT … SELECT` of as many rows into a scratch table
/// of the same shape, and the same `INSERT … SELECT` into `notifications` itself (its indexes, no
/// mail, no feed). The median of `repetitions` runs after one warm-up. `package` only so the
/// benchmark executable can call it.
package enum NotificationFanoutBenchmark {
    package static func report(databaseURL: String, investors: Int = 10_000, repetitions: Int = 5) async throws -> String {
        let url = try DatabaseURL(parsing: databaseURL, variable: "BENCH_DATABASE_URL")
        let logger = Logger(label: "communications.fanout-bench")
        let client = PostgresClient(configuration: try url.clientConfiguration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await Self.run(client, investors: investors, repetitions: repetitions, logger: logger)
        }
    }

    static func run(_ client: PostgresClient, investors: Int, repetitions: Int, logger: Logger) async throws -> String {
        let property = UUID()
        let clock = ServiceClock.system
        let events = NotificationEvents(
            notifier: Notifier(clock: clock, ids: .uuidV7(clock), live: Notifier.liveFeed(LiveFeed())), settings: NotificationSettings())
        try await client.query(
            """
            INSERT INTO communications.property_investors (property_id, investor_id, first_committed_at)
            SELECT \(property), gen_random_uuid(), now() FROM generate_series(1, \(investors))
            """,
            logger: logger
        )
        // A few investors chose something (a digest, a mute), as real users do.
        try await client.query(
            """
            INSERT INTO communications.notification_preferences
                (id, user_id, category, event_type, email_enabled, in_app_enabled, frequency, created_at, updated_at)
            SELECT gen_random_uuid(), investor_id, 'property_updates', '*', random() < 0.5, true, 'daily', now(), now()
            FROM communications.property_investors WHERE property_id = \(property) ORDER BY random() LIMIT \(investors / 10)
            """,
            logger: logger
        )
        try await client.query("CREATE TABLE IF NOT EXISTS communications.bench_scratch (LIKE communications.notifications)", logger: logger)
        try await client.query("VACUUM (ANALYZE) communications.property_investors", logger: logger)

        var fanOuts: [Duration] = []
        var plainInserts: [Duration] = []
        var tableInserts: [Duration] = []
        var created = 0
        for round in 0...repetitions {
            let event = RenovationProgressUpdated(
                progressUpdateId: UUID(), projectId: UUID(), propertyId: property, sponsorId: UUID(), updateDate: "2026-12-01",
                completionPercentage: 40 + round, unitsCompleted: round, spentToDate: nil, projectCompletionPercentage: 40 + round,
                projectStatus: "in_progress")
            let envelope = EventEnvelope(
                id: UUIDv7.make(at: clock.now), type: RenovationProgressUpdated.eventType, source: "properties", occurredAt: clock.now,
                payload: try JSONValue(encoding: event))
            let started = ContinuousClock.now
            try await client.transaction(logger: logger) { connection in
                try await events.progressUpdated(event, envelope, on: connection, logger: logger)
            }
            let fanOut = ContinuousClock.now - started
            for try await count in try await client.query(
                "SELECT count(*)::integer FROM communications.notifications WHERE dedupe_key = \(NotificationEvents.key(envelope))",
                logger: logger
            ).decode(Int.self) {
                created = count
            }

            let plain = ContinuousClock.now
            try await client.query(
                """
                INSERT INTO communications.bench_scratch (id, user_id, type, category, title, message, action_url, priority, channels, dedupe_key, created_at)
                SELECT gen_random_uuid(), investor_id, 'renovation.progress_updated', 'property_updates', 'Renovation progress', 'The renovation is 40% complete.',
                       '/properties/x/renovation', 'normal', ARRAY['in_app', 'email'], \("scratch:\(round)"), now()
                FROM communications.property_investors WHERE property_id = \(property)
                """,
                logger: logger
            )
            let plainTime = ContinuousClock.now - plain
            let table = ContinuousClock.now
            try await client.query(
                """
                INSERT INTO communications.notifications (id, user_id, type, category, title, message, action_url, priority, channels, dedupe_key, created_at)
                SELECT gen_random_uuid(), investor_id, 'renovation.progress_updated', 'property_updates', 'Renovation progress', 'The renovation is 40% complete.',
                       '/properties/x/renovation', 'normal', ARRAY['in_app', 'email'], \("bench-plain:\(UUID())"), now()
                FROM communications.property_investors WHERE property_id = \(property)
                """,
                logger: logger
            )
            let tableTime = ContinuousClock.now - table
            guard round > 0 else { continue }  // the warm-up
            fanOuts.append(fanOut)
            plainInserts.append(plainTime)
            tableInserts.append(tableTime)
        }
        var live = 0
        for try await count in try await client.query(
            """
            SELECT count(*)::integer FROM communications.live_items i JOIN communications.property_investors p ON p.investor_id = i.user_id
            WHERE p.property_id = \(property) AND i.kind = 'notification'
            """,
            logger: logger
        ).decode(Int.self) {
            live = count
        }

        // What the run made goes again, so a second run measures the same.
        try await client.transaction(logger: logger) { connection in
            try await connection.query(
                """
                DELETE FROM communications.notifications n USING communications.property_investors p
                WHERE p.property_id = \(property) AND n.user_id = p.investor_id
                """,
                logger: logger)
            try await connection.query(
                """
                DELETE FROM communications.live_items i USING communications.property_investors p
                WHERE p.property_id = \(property) AND i.user_id = p.investor_id
                """,
                logger: logger)
            try await connection.query(
                """
                DELETE FROM communications.live_heads h USING communications.property_investors p
                WHERE p.property_id = \(property) AND h.user_id = p.investor_id
                """,
                logger: logger)
            try await connection.query(
                """
                DELETE FROM communications.notification_preferences n USING communications.property_investors p
                WHERE p.property_id = \(property) AND n.user_id = p.investor_id
                """,
                logger: logger)
            try await connection.query("DELETE FROM communications.property_investors WHERE property_id = \(property)", logger: logger)
            try await connection.query("DROP TABLE communications.bench_scratch", logger: logger)
        }

        func median(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }
        func ms(_ value: Duration) -> String { String(format: "%.1f ms", value.inSeconds * 1000) }
        let fanOut = median(fanOuts)
        let perSecond = Double(created) / fanOut.inSeconds
        return """
            notification fan-out: one renovation.progress_updated to \(investors) investors (\(investors / 10) with preferences), median of \(repetitions) after a warm-up
              fan-out (handler transaction: projection, preferences, \(created) notifications + planned mails + live items): \(ms(fanOut))  → \(Int(perSecond)) notifications/s
              live feed items for the property's investors after all runs: \(live) (\(repetitions + 1) runs × \(created))
              baseline, plain INSERT … SELECT of \(investors) rows into a scratch table:            \(ms(median(plainInserts)))
              baseline, the same INSERT … SELECT into communications.notifications (its indexes): \(ms(median(tableInserts)))
              fan-out / scratch baseline: \(String(format: "%.1f", fanOut.inSeconds / median(plainInserts).inSeconds))×; aim: the whole fan-out under 2 s
            """
    }
}
