import Foundation
import Hummingbird
import Logging
import Metrics
import Models
import PostgresNIO

/// Outbox deliveries that failed `EVENT_MAX_ATTEMPTS` times: listed for an operator and put back
/// in line on request, once the cause (a subscriber's bug, a missing grant) is fixed.
public struct DeadLetters: Sendable {
    let client: PostgresClient
    /// The service's bookkeeping schema: a name from code, never from a request.
    let schema: String

    public init(client: PostgresClient, schema: String) {
        self.client = client
        self.schema = schema
    }

    /// One dead delivery, as an operator needs to judge it (the envelope is left out: it may carry
    /// a one-time link, and the event id finds it in the table when needed).
    public struct Letter: Codable, Sendable, Equatable, ResponseEncodable {
        public var id: Int64
        public var eventId: UUID
        public var eventType: String
        public var subscriber: String
        public var attempts: Int
        public var lastError: String?
        public var createdAt: Date
        public var deadAt: Date?
    }

    static let columns = "id, event_id, event_type, subscriber, attempts, last_error, created_at, dead_at"

    /// Dead letters in the order they were queued, a page at a time.
    public func list(_ page: PageRequest, logger: Logger) async throws -> Page<Letter> {
        var binds = SQLBinds()
        let sql = """
            SELECT \(Self.columns), \(page.selectKey) FROM \(self.schema).outbox x
            WHERE dead_at IS NOT NULL AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        let rows = try await self.client.query(binds.query(sql), logger: logger)
        var letters: [(item: Letter, key: String, id: UUID)] = []
        for try await (id, eventID, type, subscriber, attempts, lastError, createdAt, deadAt, key) in rows.decode(
            (Int64, UUID, String, String, Int32, String?, Date, Date?, String).self
        ) {
            let letter = Letter(
                id: id, eventId: eventID, eventType: type, subscriber: subscriber, attempts: Int(attempts),
                lastError: lastError, createdAt: createdAt, deadAt: deadAt
            )
            letters.append((letter, key, eventID))
        }
        return page.page(letters)
    }

    /// Queue order: the outbox's own sequence, unique, so the event id only completes the cursor.
    static let order = Keyset("outbox_id", key: "x.id", type: "bigint", descending: false, id: "x.event_id")

    /// Puts a dead letter back in line with a fresh count of attempts; nil when `id` is not one.
    public func retry(_ id: Int64, logger: Logger) async throws -> Letter? {
        let rows = try await self.client.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE \(self.schema).outbox SET dead_at = NULL, attempts = 0, next_attempt_at = now()
                    WHERE id = $1 AND dead_at IS NOT NULL
                    RETURNING \(Self.columns)
                    """,
                binds: {
                    var binds = PostgresBindings()
                    binds.append(id)
                    return binds
                }()
            ),
            logger: logger
        )
        return try await Self.decode(rows).first
    }

    /// How many deliveries are dead now (the `tract_outbox_dead_letters` gauge).
    public func count(logger: Logger) async throws -> Int {
        let rows = try await self.client.query(
            PostgresQuery(unsafeSQL: "SELECT count(*)::int8 FROM \(self.schema).outbox WHERE dead_at IS NOT NULL"),
            logger: logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    /// The events waiting for delivery (neither delivered nor dead) and how long the oldest has
    /// waited, in seconds (0 when none): the outbox's health for /metrics.
    public func pending(logger: Logger) async throws -> (count: Int, oldestAge: Double) {
        let rows = try await self.client.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT count(*)::int8, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
                    FROM \(self.schema).outbox WHERE delivered_at IS NULL AND dead_at IS NULL
                    """),
            logger: logger
        )
        for try await (count, age) in rows.decode((Int64, Double).self) { return (Int(count), age) }
        return (0, 0)
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [Letter] {
        var letters: [Letter] = []
        for try await (id, eventID, type, subscriber, attempts, lastError, createdAt, deadAt) in rows.decode(
            (Int64, UUID, String, String, Int32, String?, Date, Date?).self
        ) {
            letters.append(
                Letter(
                    id: id, eventId: eventID, eventType: type, subscriber: subscriber, attempts: Int(attempts),
                    lastError: lastError, createdAt: createdAt, deadAt: deadAt
                )
            )
        }
        return letters
    }

    /// `GET /internal/outbox/dead-letters` and `POST /internal/outbox/dead-letters/{id}/retry`, for
    /// users with the admin role. Under `/internal/` because the gateway does not route it: an
    /// operator reaches a service directly (README, "Dead letters").
    public var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get { request, context -> Page<Letter> in
                try context.identity.requireRole(.admin)
                return try await self.list(try PageRequest(request, order: Self.order), logger: context.logger)
            }
            .post(":id/retry") { _, context -> Letter in
                try context.identity.requireRole(.admin)
                guard let id = context.parameters.get("id").flatMap({ Int64($0) }), id > 0,
                    let letter = try await self.retry(id, logger: context.logger)
                else {
                    throw Problem.notFound("No dead letter has this id.")
                }
                context.logger.notice(
                    "dead letter retried",
                    metadata: ["outbox_id": .stringConvertible(id), "event_type": .string(letter.eventType), "by": .string(context.identity.subject)]
                )
                return letter
            }
    }
}

/// `tract_outbox_dead_lettered_total{subscriber}` counts deliveries given up on by this process;
/// `tract_outbox_dead_letters` is how many are dead in the service's outbox now (every replica
/// reports the same number; alert on `max(...) > 0`).
enum DeadLetterMetrics {
    static func deadLettered(subscriber: String) {
        Counter(label: "tract_outbox_dead_lettered_total", dimensions: [("subscriber", subscriber)]).increment()
    }

    static func record(count: Int) {
        Gauge(label: "tract_outbox_dead_letters").record(count)
    }

    /// `tract_outbox_pending` and `tract_outbox_oldest_pending_seconds`: a growing age with
    /// nothing dead means deliveries stall (a subscriber down, the dispatcher stuck).
    static func record(pending: Int, oldestAge: Double) {
        Gauge(label: "tract_outbox_pending").record(pending)
        Gauge(label: "tract_outbox_oldest_pending_seconds").record(oldestAge)
    }
}
