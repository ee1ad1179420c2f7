import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Issue 11, item 26: the kit's bookkeeping no longer grows forever. Rows past their retention go,
/// recent rows and work still to do stay, and replicas purging at the same time do not get in each
/// other's way.
@Suite struct RetentionPurgeTests {
    @Test func oldRowsGoRecentRowsStayAndTwoReplicasPurgeTogether() async throws {
        try await TestDatabase.with(services: [.analytics]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                // The kit's tables, migrated as the service does it.
                let app = try await buildServiceApplication(
                    .forTesting(.analytics, database: database, jwksURL: jwksURL),
                    definition: FixtureService.definition,
                    overrides: ServiceOverrides(runsOutboxDispatcher: false)
                )
                try await app.test(.router) { _ in }
            }
            try await TestDatabase.withAdmin(database: database.name) { admin in
                try await admin.query(
                    """
                    INSERT INTO analytics.outbox (event_id, event_type, subscriber, envelope, created_at, delivered_at)
                    SELECT gen_random_uuid(), 'test.old', 'widget-watcher', '{}', now() - interval '9 days', now() - interval '8 days'
                    FROM generate_series(1, 50)
                    """
                )
                try await admin.query(
                    """
                    INSERT INTO analytics.outbox (event_id, event_type, subscriber, envelope, created_at, delivered_at, dead_at)
                    VALUES (gen_random_uuid(), 'test.recent', 'widget-watcher', '{}', now() - interval '6 days', now() - interval '6 days', NULL),
                           (gen_random_uuid(), 'test.undelivered', 'widget-watcher', '{}', now() - interval '60 days', NULL, NULL),
                           (gen_random_uuid(), 'test.dead', 'widget-watcher', '{}', now() - interval '60 days', NULL, now() - interval '59 days')
                    """
                )
                try await admin.query(
                    """
                    INSERT INTO analytics.inbox (event_id, event_type, source, received_at)
                    SELECT gen_random_uuid(), 'test.old', 'properties', now() - interval '31 days' FROM generate_series(1, 50)
                    UNION ALL SELECT gen_random_uuid(), 'test.recent', 'properties', now() - interval '29 days'
                    """
                )
                try await admin.query(
                    """
                    INSERT INTO analytics.idempotency_keys (owner, key, request_hash, status, response, created_at)
                    SELECT 'someone', 'old-' || n, 'h', 201, '{}', now() - interval '25 hours' FROM generate_series(1, 50) AS n
                    UNION ALL SELECT 'someone', 'recent', 'h', 201, '{}', now() - interval '23 hours'
                    """
                )
            }

            try await TestDatabase.withClient(database.url(for: .analytics)) { client in
                func purge() -> RetentionPurge {
                    RetentionPurge(
                        client: client, targets: PurgeTarget.kit(schema: "analytics", retention: RetentionConfiguration()),
                        interval: .seconds(3600), batchSize: 7, logger: Logger(label: "test.purge")
                    )
                }
                // Two replicas at once: neither fails, and between them every old row goes once.
                async let first = purge().purgeOnce()
                async let second = purge().purgeOnce()
                let (one, two) = try await (first, second)
                for table in ["analytics.outbox", "analytics.inbox", "analytics.idempotency_keys"] {
                    #expect((one[table] ?? 0) + (two[table] ?? 0) == 50, "\(table): \(one) \(two)")
                }
                // A second pass finds nothing more.
                #expect(try await purge().purgeOnce().values.reduce(0, +) == 0)
            }

            let remaining = try await TestDatabase.withAdmin(database: database.name) { admin in
                var rows: [String] = []
                for query in [
                    "SELECT string_agg(event_type, ',' ORDER BY event_type) FROM analytics.outbox",
                    "SELECT string_agg(event_type, ',' ORDER BY event_type) FROM analytics.inbox",
                    "SELECT string_agg(key, ',' ORDER BY key) FROM analytics.idempotency_keys",
                ] {
                    for try await value in try await admin.query(PostgresQuery(unsafeSQL: query)).decode(String.self) { rows.append(value) }
                }
                return rows
            }
            // Undelivered and dead deliveries are work left to do, however old.
            #expect(remaining == ["test.dead,test.recent,test.undelivered", "test.recent", "recent"])
        }
    }

    @Test func aBucketIdleForItsRefillTimeIsFullAgain() {
        #expect(TokenBucket(30, per: .seconds(3600)).refillTime == .seconds(3600))
        #expect(TokenBucket(1, per: .seconds(60)).refillTime == .seconds(60))
        let bucket = TokenBucket(5, per: .seconds(300))
        #expect(bucket.take(from: 0, elapsed: 300).tokens == 4)
    }
}
