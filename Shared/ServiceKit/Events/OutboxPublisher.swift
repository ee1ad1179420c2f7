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
        try await self.publish(contentsOf: [event], on: connection, sensitive: sensitive, logger: logger)[0]
    }

    /// Queues many events of one type at once, in one statement however many events and subscribers
    /// there are (a distribution's payments, one per investor). Same guarantees as `publish`.
    /// Each envelope carries the publishing span's `traceparent`, so its delivery and handling
    /// continue the trace of the request that caused it.
    @discardableResult
    public func publish<Event: DomainEvent>(
        contentsOf events: [Event],
        on connection: PostgresConnection,
        sensitive: Bool = false,
        logger: Logger
    ) async throws -> [EventEnvelope] {
        let envelopes = try events.map { event in
            EventEnvelope(
                id: UUIDv7.make(at: self.now()), type: Event.eventType, source: self.source, occurredAt: self.now(),
                payload: try JSONValue(encoding: event), traceparent: TraceParent.current?.description
            )
        }
        let subscribers = self.subscribers(Event.eventType)
        guard !envelopes.isEmpty, !subscribers.isEmpty else { return envelopes }
        let bodies = try envelopes.map { String(decoding: try JSONEncoder.tract.encode($0), as: UTF8.self) }
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(self.schema).outbox (event_id, event_type, subscriber, envelope, sensitive)
                    SELECT e.id, $2, s.subscriber, e.envelope::jsonb, $5
                    FROM unnest($1::uuid[], $3::text[]) AS e (id, envelope) CROSS JOIN unnest($4::text[]) AS s (subscriber)
                    """,
                binds: {
                    var binds = PostgresBindings()
                    binds.append(envelopes.map(\.id))
                    binds.append(Event.eventType)
                    binds.append(bodies)
                    binds.append(subscribers)
                    binds.append(sensitive)
                    return binds
                }()
            ),
            logger: logger
        )
        return envelopes
    }
}
