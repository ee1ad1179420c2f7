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
    public func publish<Event: DomainEvent>(
        _ event: Event,
        on connection: PostgresConnection,
        sensitive: Bool = false,
        logger: Logger
    ) async throws {
        try await self.publish(contentsOf: [event], on: connection, sensitive: sensitive, logger: logger)
    }

    /// Queues many events of one type at once, in one statement however many events and subscribers
    /// there are. Same guarantees as `publish`. Returns how many events were queued.
    @discardableResult
    public func publish<Event: DomainEvent>(
        contentsOf events: [Event],
        on connection: PostgresConnection,
        sensitive: Bool = false,
        logger: Logger
    ) async throws -> Int {
        // Nobody to tell: nothing to write (the payloads path still counts, as callers report it).
        guard !events.isEmpty, !self.subscribers(Event.eventType).isEmpty else { return events.count }
        // One encoding pass for all of them (a `JSONEncoder` per event was most of a large fan-out's cost, issue 19).
        let payloads = String(decoding: try JSONEncoder.tract.encode(events), as: UTF8.self)
        return try await self.publish(
            Event.self, payloads: "SELECT value FROM jsonb_array_elements(\(payloads)::jsonb)", on: connection, sensitive: sensitive,
            logger: logger)
    }

    /// Queues one `Event` per row of `payloads`, a query whose one column is each event's payload
    /// as `jsonb`, written exactly as `Event` encodes (snake_case keys, UUIDs in capitals, money as
    /// text with two decimals). For the large fan-outs whose facts are already rows in this
    /// transaction (a distribution's payments, one per investor): the payloads never leave Postgres,
    /// where encoding 10,000 in Swift took 240 ms of a completion (issue 19). The caller's test must
    /// decode what this queues as `Event` (DistributionTests does), so the query and the type cannot
    /// drift apart unnoticed. Returns how many events were queued.
    ///
    /// Every way of publishing ends here or in `queueSQL`, and both write with `insertSQL`. The
    /// statement wraps each payload in its `EventEnvelope` (id, type, source, occurred_at, payload,
    /// and the publishing span's `traceparent`, so delivery and handling continue the trace of the
    /// request that caused it): the fields and text the envelope's `Codable` form has. Ids are
    /// UUIDv7 at `now`, as `UUIDv7.make` makes them.
    @discardableResult
    public func publish<Event: DomainEvent>(
        _ type: Event.Type,
        payloads: PostgresQuery,
        on connection: PostgresConnection,
        sensitive: Bool = false,
        logger: Logger
    ) async throws -> Int {
        // The caller's binds keep their numbers; the envelope's facts follow them.
        var binds = payloads.binds
        let facts = EnvelopeFacts.Placeholders(from: binds.count + 1)
        self.facts(of: Event.self, sensitive: sensitive).append(to: &binds)
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    WITH payload AS (\(payloads.sql)),
                    event AS (
                        SELECT \(Self.uuidV7SQL(at: "\(facts.occurredAt)::timestamptz")) AS id, p.payload FROM payload AS p (payload)
                    ),
                    queued AS (
                        \(Self.insertSQL(schema: self.schema, events: "event e", id: "e.id", payload: "e.payload", facts: facts))
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

    /// Every outbox row is written by this `INSERT`: one row per event of `events` (a FROM item)
    /// and subscriber, the envelope built from `id` and `payload` (expressions over `events`) and
    /// the facts' placeholders.
    static func insertSQL(schema: String, events: String, id: String, payload: String, facts: EnvelopeFacts.Placeholders) -> String {
        """
        INSERT INTO \(schema).outbox (event_id, event_type, subscriber, envelope, sensitive)
        SELECT \(id), \(facts.eventType)::text, s.subscriber,
               jsonb_build_object('id', upper((\(id))::text), 'type', \(facts.eventType)::text, 'source', \(facts.source)::text,
                                  'occurred_at', \(facts.occurredAt)::text, 'payload', \(payload))
                 || CASE WHEN \(facts.traceparent)::text IS NULL THEN '{}'::jsonb
                         ELSE jsonb_build_object('traceparent', \(facts.traceparent)::text) END,
               \(facts.sensitive)::boolean
        FROM \(events) CROSS JOIN unnest(\(facts.subscribers)::text[]) AS s (subscriber)
        """
    }

    /// The `INSERT` that queues one event inside a statement of the caller's own, as a
    /// data-modifying CTE: for a path whose whole transaction is one prepared statement (a
    /// sign-in's session, issue 19), whose SQL is fixed text. The event is queued once for each
    /// row `rowsFrom` yields (a FROM clause with an optional WHERE: none, no event). Its values
    /// are `QueuedEvent.bindingCount` placeholders from `$first`, appended by `QueuedEvent.append`.
    public static func queueSQL(schema: String, rowsFrom: String, firstBinding first: Int) -> String {
        let facts = EnvelopeFacts.Placeholders(from: first + 1)
        return Self.insertSQL(
            schema: schema, events: "(SELECT \(Self.uuidV7SQL(at: "\(facts.occurredAt)::timestamptz")) AS id FROM \(rowsFrom)) AS e",
            id: "e.id", payload: "$\(first)::jsonb", facts: facts)
    }

    /// `event`'s values for `queueSQL`'s placeholders, as `publish` would write them.
    public func queued<Event: DomainEvent>(_ event: Event, sensitive: Bool = false) throws -> QueuedEvent {
        QueuedEvent(
            payload: String(decoding: try JSONEncoder.tract.encode(event), as: UTF8.self),
            facts: self.facts(of: Event.self, sensitive: sensitive))
    }

    /// What an `Event`'s envelope states besides its payload, as of now.
    func facts<Event: DomainEvent>(of type: Event.Type, sensitive: Bool) -> EnvelopeFacts {
        EnvelopeFacts(
            eventType: Event.eventType, source: self.source, occurredAt: RFC3339.string(from: self.now()),
            traceparent: TraceParent.current?.description, subscribers: self.subscribers(Event.eventType), sensitive: sensitive)
    }

    /// A version-7 UUID (RFC 9562) at `timestamp`'s millisecond with `gen_random_uuid()`'s random
    /// bits: Postgres 15 has no `uuidv7()`.
    static func uuidV7SQL(at timestamp: String) -> String {
        """
        encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
            substring(int8send(floor(extract(epoch FROM \(timestamp)) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
        """
    }
}

/// What every outbox row's envelope states besides its payload, bound in this order.
struct EnvelopeFacts: Sendable {
    var eventType: String
    var source: String
    var occurredAt: String
    var traceparent: String?
    var subscribers: [String]
    var sensitive: Bool

    static let bindingDataTypes: [PostgresDataType] = [.text, .text, .text, .text, .textArray, .bool]

    func append(to bindings: inout PostgresBindings) {
        bindings.append(self.eventType)
        bindings.append(self.source)
        bindings.append(self.occurredAt)
        bindings.append(self.traceparent)
        bindings.append(self.subscribers)
        bindings.append(self.sensitive)
    }

    /// The facts' placeholders in a statement, `$first` on, in `append`'s order.
    struct Placeholders {
        let eventType, source, occurredAt, traceparent, subscribers, sensitive: String

        init(from first: Int) {
            (self.eventType, self.source, self.occurredAt, self.traceparent, self.subscribers, self.sensitive) = (
                "$\(first)", "$\(first + 1)", "$\(first + 2)", "$\(first + 3)", "$\(first + 4)", "$\(first + 5)"
            )
        }
    }
}

/// One event's values for `OutboxPublisher.queueSQL`, in its placeholders' order: the payload,
/// then the envelope's facts.
public struct QueuedEvent: Sendable {
    var payload: String
    var facts: EnvelopeFacts

    public static let bindingCount = 1 + EnvelopeFacts.bindingDataTypes.count
    public static let bindingDataTypes: [PostgresDataType] = [.text] + EnvelopeFacts.bindingDataTypes

    public func append(to bindings: inout PostgresBindings) {
        bindings.append(self.payload)
        self.facts.append(to: &bindings)
    }
}
