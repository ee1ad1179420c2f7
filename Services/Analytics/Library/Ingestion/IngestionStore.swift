import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The database side of ingestion: what a batch is checked against, storing it, and `identify`.
struct IngestionStore: Sendable {
    let postgres: PostgresClient
    let writer = EventWriter()
    let journeys = JourneyWriter()

    /// Which of `names` clients may send, and the months the event store holds, in one round trip.
    func lookup(names: Set<String>, logger: Logger) async throws -> (allowed: Set<String>, months: EventMonths) {
        let rows = try await self.postgres.query(
            """
            SELECT ARRAY(SELECT name FROM analytics.event_names WHERE name = ANY(\(Array(names)))),
                   ARRAY(SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                         WHERE i.inhparent = 'analytics.events'::regclass)
            """,
            logger: logger
        )
        for try await (allowed, partitions) in rows.decode(([String], [String]).self) {
            return (Set(allowed), EventMonths(partitions: partitions))
        }
        return ([], EventMonths(partitions: []))
    }

    /// Stores `events` and, in the same transaction, the journeys and interests the newly stored
    /// ones move (seed 000: `auth_initiated`, `dashboard_viewed`, `listings_viewed` …).
    func store(_ events: [RecordedEvent], today: Date, logger: Logger) async throws -> Set<UUID> {
        let lateDays = RollupDays.before(today, in: events)
        // Most batches move no journey (page views, clicks) and are today's: one statement, no transaction.
        guard lateDays.isEmpty, !events.contains(where: { JourneyRules.relevantNames.contains($0.name) }) else {
            return try await self.postgres.transaction(logger: logger) { connection in
                let stored = try await self.writer.write(events, on: connection, logger: logger)
                try await self.journeys.apply(events: events.filter { stored.contains($0.id) }, on: connection, logger: logger)
                // An event of a day the rollup has done may be an actor's first of its name that
                // day: the funnel reads those days from the events until the rollup redoes them.
                if !lateDays.isEmpty {
                    try await connection.query("DELETE FROM analytics.funnel_days WHERE day = ANY(\(lateDays)::date[])", logger: logger)
                }
                return stored
            }
        }
        return try await self.writer.write(events, on: self.postgres, logger: logger)
    }

    enum Link: Equatable {
        case linked(rewritten: Int)
        case linkedToAnotherUser
    }

    /// Links `anonymousID` to `user` and moves that visitor's earlier events to the user's journey.
    /// Idempotent: linking again rewrites what arrived in between (an event stored while the link
    /// was being made) and nothing else. The primary key serialises two users claiming one id.
    func identify(_ anonymousID: String, as user: UUID, at now: Date, logger: Logger) async throws -> Link {
        try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                WITH claimed AS (
                    INSERT INTO analytics.identities (anonymous_id, user_id, identified_at) VALUES (\(anonymousID), \(user), \(now))
                    ON CONFLICT (anonymous_id) DO NOTHING
                    RETURNING user_id
                )
                SELECT user_id FROM claimed
                UNION ALL
                SELECT user_id FROM analytics.identities WHERE anonymous_id = \(anonymousID)
                LIMIT 1
                """,
                logger: logger
            )
            var owner: UUID?
            for try await id in rows.decode(UUID.self) { owner = id }
            if owner == nil {
                // Another transaction claimed the id after this statement's snapshot: read its
                // committed owner now.
                let again = try await connection.query(
                    "SELECT user_id FROM analytics.identities WHERE anonymous_id = \(anonymousID)", logger: logger)
                for try await id in again.decode(UUID.self) { owner = id }
            }
            guard owner == user else { return .linkedToAnotherUser }
            let actor = user.uuidString.lowercased()
            let updated = try await connection.query(
                """
                WITH moved AS (
                    UPDATE analytics.events SET actor = \(actor)
                    WHERE anonymous_id = \(anonymousID) AND user_id IS NULL AND actor <> \(actor)
                    RETURNING occurred_at
                ),
                -- Those days' per-actor firsts name the visitor, not the user: the funnel reads
                -- them from the events until the rollup has done them again.
                stale AS (
                    DELETE FROM analytics.funnel_days
                    WHERE day IN (SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date FROM moved)
                )
                SELECT count(*)::integer FROM moved
                """,
                logger: logger
            )
            var count = 0
            for try await n in updated.decode(Int.self) { count = n }
            // The visitor's `auth_initiated` and views are the user's now: their journey too.
            if count > 0 { try await self.journeys.replay(user: user, on: connection, logger: logger) }
            return .linked(rewritten: count)
        }
    }
}
