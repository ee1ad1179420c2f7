import Foundation
import Logging
import Models
import PostgresNIO

/// Writes events into the service's outbox inside the caller's transaction, so an event exists if
/// and only if the state change that caused it was committed.
public struct OutboxPublisher: Sendable {
    public let source: String
    let schema: String
    let subscribers: @Sendable (String) -> [String]
    let now: @Sendable () -> Date

    public init(
        source: String,
        schema: String,
        subscribers: @escaping @Sendable (String) -> [String] = EventSubscriptions.subscribers(of:),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.source = source
        self.schema = schema
        self.subscribers = subscribers
        self.now = now
    }

    /// Queues `event` for every subscriber of its type; call it on the transaction's connection.
    /// A `sensitive` event's envelope is redacted from the outbox once delivered.
    @discardableResult
    public func publish<Event: DomainEvent>(
        _ event: Event,
        on connection: PostgresConnection,
        sensitive: Bool = false,
        logger: Logger
    ) async throws -> EventEnvelope {
        let envelope = EventEnvelope(
            id: UUIDv7.make(at: self.now()),
            type: Event.eventType,
            source: self.source,
            occurredAt: self.now(),
            payload: try JSONValue(encoding: event)
        )
        let body = String(decoding: try JSONEncoder.tract.encode(envelope), as: UTF8.self)
        for subscriber in self.subscribers(Event.eventType) {
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO \(self.schema).outbox (event_id, event_type, subscriber, envelope, sensitive)
                        VALUES ($1, $2, $3, $4::jsonb, $5)
                        """,
                    binds: {
                        var binds = PostgresBindings()
                        binds.append(envelope.id)
                        binds.append(envelope.type)
                        binds.append(subscriber)
                        binds.append(body)
                        binds.append(sensitive)
                        return binds
                    }()
                ),
                logger: logger
            )
        }
        return envelope
    }

    /// Queues many events of one type at once, in one statement however many there are (a
    /// distribution's payments, one per investor). Same guarantees as `publish`.
    @discardableResult
    public func publish<Event: DomainEvent>(
        contentsOf events: [Event],
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [EventEnvelope] {
        let subscribers = self.subscribers(Event.eventType)
        guard !events.isEmpty, !subscribers.isEmpty else { return [] }
        let envelopes = try events.map { event in
            EventEnvelope(
                id: UUIDv7.make(at: self.now()), type: Event.eventType, source: self.source, occurredAt: self.now(),
                payload: try JSONValue(encoding: event)
            )
        }
        let bodies = try envelopes.map { String(decoding: try JSONEncoder.tract.encode($0), as: UTF8.self) }
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(self.schema).outbox (event_id, event_type, subscriber, envelope, sensitive)
                    SELECT e.id, $2, s.subscriber, e.envelope::jsonb, false
                    FROM unnest($1::uuid[], $3::text[]) AS e (id, envelope) CROSS JOIN unnest($4::text[]) AS s (subscriber)
                    """,
                binds: {
                    var binds = PostgresBindings()
                    binds.append(envelopes.map(\.id))
                    binds.append(Event.eventType)
                    binds.append(bodies)
                    binds.append(subscribers)
                    return binds
                }()
            ),
            logger: logger
        )
        return envelopes
    }
}
