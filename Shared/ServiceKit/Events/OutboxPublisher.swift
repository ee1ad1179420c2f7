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
    /// A `sensitive` event's envelope is redacted from the outbox once delivered. Returns the event's id.
    @discardableResult
    public func publish<Event: DomainEvent>(
        _ event: Event,
        on connection: PostgresConnection,
        sensitive: Bool = false,
        logger: Logger
    ) async throws -> UUID {
        try await self.publish(contentsOf: [event], on: connection, sensitive: sensitive, logger: logger)[0]
    }

    /// Queues many events of one type at once, in one statement however many events and subscribers
    /// there are (a distribution's payments, one per investor). Same guarantees as `publish`.
    /// Each envelope carries the publishing span's `traceparent`, so its delivery and handling
    /// continue the trace of the request that caused it. Returns the events' ids, in order.
    ///
    /// The payloads are encoded in one pass and each `EventEnvelope` (id, type, source,
    /// occurred_at, payload, traceparent: the same fields and text its `Codable` form has) is
    /// assembled by the statement: encoding each envelope on its own, through a `JSONValue` copy of
    /// its payload, took 600 ms of a 10,000-investor distribution's completion (issue 19).
    @discardableResult
    public func publish<Event: DomainEvent>(
        contentsOf events: [Event],
        on connection: PostgresConnection,
        sensitive: Bool = false,
        logger: Logger
    ) async throws -> [UUID] {
        let occurredAt = self.now()
        let ids = events.map { _ in UUIDv7.make(at: occurredAt) }
        let subscribers = self.subscribers(Event.eventType)
        guard !ids.isEmpty, !subscribers.isEmpty else { return ids }
        let payloads = String(decoding: try JSONEncoder.tract.encode(events), as: UTF8.self)
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(self.schema).outbox (event_id, event_type, subscriber, envelope, sensitive)
                    SELECT e.id, $2, s.subscriber,
                           jsonb_build_object('id', upper(e.id::text), 'type', $2::text, 'source', $6::text, 'occurred_at', $7::text,
                                              'payload', e.payload)
                             || CASE WHEN $8::text IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('traceparent', $8::text) END,
                           $5
                    FROM ROWS FROM (unnest($1::uuid[]), jsonb_array_elements($3::jsonb)) AS e (id, payload)
                    CROSS JOIN unnest($4::text[]) AS s (subscriber)
                    """,
                binds: {
                    var binds = PostgresBindings(capacity: 8)
                    binds.append(ids)
                    binds.append(Event.eventType)
                    binds.append(payloads)
                    binds.append(subscribers)
                    binds.append(sensitive)
                    binds.append(self.source)
                    binds.append(RFC3339.string(from: occurredAt))
                    binds.append(TraceParent.current?.description)
                    return binds
                }()
            ),
            logger: logger
        )
        return ids
    }

    /// Queues one `Event` per row of `payloads`, a query whose one column is each event's payload
    /// as `jsonb`, written exactly as `Event` encodes (snake_case keys, UUIDs in capitals, money as
    /// text with two decimals). For the large fan-outs whose facts are already rows in this
    /// transaction (a distribution's payments, one per investor): the payloads never leave Postgres,
    /// where encoding 10,000 in Swift took 240 ms of a completion (issue 19). The event ids are
    /// UUIDv7, as `publish` makes them. Returns how many events were queued.
    ///
    /// The caller's test must decode what this queues as `Event` (DistributionTests does), so the
    /// query and the type cannot drift apart unnoticed.
    @discardableResult
    public func publish<Event: DomainEvent>(
        _ type: Event.Type,
        payloads: PostgresQuery,
        on connection: PostgresConnection,
        sensitive: Bool = false,
        logger: Logger
    ) async throws -> Int {
        let subscribers = self.subscribers(Event.eventType)
        // The caller's binds keep their numbers; the kit's five follow them.
        var binds = payloads.binds
        let first = binds.count + 1
        let (eventType, source, traceparent, subscriberList, isSensitive) = (
            "$\(first)", "$\(first + 1)", "$\(first + 2)", "$\(first + 3)", "$\(first + 4)"
        )
        binds.append(Event.eventType)
        binds.append(self.source)
        binds.append(TraceParent.current?.description)
        binds.append(subscribers)
        binds.append(sensitive)
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    WITH payload AS (\(payloads.sql)),
                    event AS (
                        SELECT \(Self.uuidV7SQL) AS id, clock_timestamp() AS occurred_at, p.payload
                        FROM payload AS p (payload)
                    ),
                    queued AS (
                        INSERT INTO \(self.schema).outbox (event_id, event_type, subscriber, envelope, sensitive)
                        SELECT e.id, \(eventType)::text, s.subscriber,
                               jsonb_build_object('id', upper(e.id::text), 'type', \(eventType)::text, 'source', \(source)::text,
                                                  'occurred_at', to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                                  'payload', e.payload)
                                 || CASE WHEN \(traceparent)::text IS NULL THEN '{}'::jsonb
                                         ELSE jsonb_build_object('traceparent', \(traceparent)::text) END,
                               \(isSensitive)::boolean
                        FROM event e CROSS JOIN unnest(\(subscriberList)::text[]) AS s (subscriber)
                    )
                    SELECT count(*)::bigint FROM event
                    """,
                binds: binds
            ),
            logger: logger
        )
        var count = 0
        for try await queued in rows.decode(Int64.self) { count = Int(queued) }
        return count
    }

    /// A version-7 UUID (RFC 9562) from the clock's milliseconds and `gen_random_uuid()`'s random
    /// bits: Postgres 15 has no `uuidv7()`.
    static let uuidV7SQL = """
        encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
            substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
        """
}
