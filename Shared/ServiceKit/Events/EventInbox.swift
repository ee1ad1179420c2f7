import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO

/// What a service does with an event it receives, run inside the inbox transaction.
public typealias EventHandler = @Sendable (EventEnvelope, PostgresConnection, Logger) async throws -> Void
/// What a catch-all does with the events of one delivery (one, or a batch's), inside its inbox transaction.
public typealias EventBatchHandler = @Sendable ([EventEnvelope], PostgresConnection, Logger) async throws -> Void

/// The events a service subscribes to, by type.
///
/// A handler has two phases. `prepare` runs first, outside any transaction: it is where a handler
/// calls a peer or sends mail, so no pooled connection is held across that I/O (ARCHITECTURE.md,
/// "Events"). What it returns is then applied inside the inbox transaction, together with the row
/// that records the event. `prepare` may run more than once for one event (a delivery that fails
/// after it is repeated), so its effects must be idempotent by event id; the application runs once.
public struct EventHandlers: Sendable {
    /// The transactional part of a handler, ready to run on the inbox transaction's connection.
    public typealias Application = @Sendable (PostgresConnection, Logger) async throws -> Void

    struct Handler: Sendable {
        /// Whether the handler does I/O before the transaction (a `prepare` phase). Only then is
        /// an event asked about first, so a redelivery does not repeat that I/O; for the others
        /// the inbox insert alone decides, one round trip fewer per event.
        var prepares: Bool
        var prepare: @Sendable (EventEnvelope, Logger) async throws -> Application

        /// A handler whose whole work is in the inbox transaction.
        static func transactional(_ handler: @escaping EventHandler) -> Handler {
            Handler(prepares: false) { envelope, _ in { connection, logger in try await handler(envelope, connection, logger) } }
        }
    }

    var handlers: [String: Handler] = [:]
    /// Run for the types with no handler of its own (`onEvery`).
    var everyOther: EventBatchHandler?

    public init() {}

    /// Registers a handler for every type that has no handler of its own, run inside the inbox
    /// transaction: for a subscriber that keeps everything it is sent (analytics records each
    /// domain event), so nothing it receives is only acknowledged.
    public mutating func onEvery(_ handler: @escaping EventHandler) {
        self.everyOther = { envelopes, connection, logger in
            for envelope in envelopes { try await handler(envelope, connection, logger) }
        }
    }

    /// The catch-all taking a delivery's events at once: a batch's events of types with no handler
    /// of their own, in delivery order, in the batch's one inbox transaction (one event when
    /// delivered alone). For a subscriber that records each event the same way, in one statement.
    public mutating func onEvery(batch handler: @escaping EventBatchHandler) {
        self.everyOther = handler
    }

    public mutating func on(_ eventType: String, _ handler: @escaping EventHandler) {
        self.handlers[eventType] = .transactional(handler)
    }

    /// Adds `handler` after whatever `eventType` already has (its own handler, none, not the
    /// catch-all), in the same inbox transaction: two areas of one service following one event
    /// type (communications' notifications and webhooks) without either replacing the other.
    public mutating func also(_ eventType: String, _ handler: @escaping EventHandler) {
        let earlier = self.handlers[eventType]
        self.handlers[eventType] = Handler(prepares: earlier?.prepares ?? false) { envelope, logger in
            let first = try await earlier?.prepare(envelope, logger)
            return { connection, logger in
                try await first?(connection, logger)
                try await handler(envelope, connection, logger)
            }
        }
    }

    /// Registers a handler that receives the payload already decoded and runs in the inbox transaction.
    public mutating func on<Event: DomainEvent>(
        _ type: Event.Type,
        _ handler: @escaping @Sendable (Event, EventEnvelope, PostgresConnection, Logger) async throws -> Void
    ) {
        self.handlers[Event.eventType] = Handler(prepares: false) { envelope, _ in
            let event = try envelope.decodePayload(as: Event.self)
            return { connection, logger in try await handler(event, envelope, connection, logger) }
        }
    }

    /// Registers a handler whose whole work is I/O before the inbox transaction (a mail, a call):
    /// idempotent by the envelope's id; the inbox transaction then only records the event.
    public mutating func on<Event: DomainEvent>(
        _ type: Event.Type,
        prepare: @escaping @Sendable (Event, EventEnvelope, Logger) async throws -> Void
    ) {
        self.on(type, prepare: prepare, apply: { _, _, _, _, _ in })
    }

    /// Registers a two-phase handler: `prepare` does the I/O outside any transaction (and must be
    /// idempotent by the envelope's id), `apply` records its outcome inside the inbox transaction.
    public mutating func on<Event: DomainEvent, Prepared: Sendable>(
        _ type: Event.Type,
        prepare: @escaping @Sendable (Event, EventEnvelope, Logger) async throws -> Prepared,
        apply: @escaping @Sendable (Prepared, Event, EventEnvelope, PostgresConnection, Logger) async throws -> Void
    ) {
        self.handlers[Event.eventType] = Handler(prepares: true) { envelope, logger in
            let event = try envelope.decodePayload(as: Event.self)
            let prepared = try await prepare(event, envelope, logger)
            return { connection, logger in try await apply(prepared, event, envelope, connection, logger) }
        }
    }
}

/// Receives events for a service: records the event id and applies the handler in one transaction,
/// so each event takes effect once however often it is delivered.
public struct EventInbox: Sendable {
    public enum Outcome: String, Codable, Sendable {
        case applied
        case duplicate
        /// Recorded but not handled: nothing here subscribes to that type.
        case ignored
        /// In a batch only: not this caller's to send (nothing recorded; alone it is a 403).
        case refused
        /// In a batch only: its handler failed (nothing recorded; the publisher tries it again).
        case failed
    }

    let client: PostgresClient
    let schema: String
    let handlers: EventHandlers
    /// Whether this service takes an event of a type from a source (`ServiceGrants.accepts`).
    let accepts: @Sendable (_ eventType: String, _ source: String) -> Bool

    public init(
        client: PostgresClient,
        schema: String,
        handlers: EventHandlers,
        accepts: @escaping @Sendable (_ eventType: String, _ source: String) -> Bool
    ) {
        self.client = client
        self.schema = schema
        self.handlers = handlers
        self.accepts = accepts
    }

    /// A caller speaks only for itself (`source` is its client id) and only about what the map
    /// says it publishes to this service; anything else is refused before anything is recorded.
    func authorize(_ envelope: EventEnvelope, from caller: Identity) throws {
        guard envelope.source == caller.subject else {
            throw Problem.forbidden("The event's source must be the calling service (\(caller.subject)).")
        }
        guard self.accepts(envelope.type, envelope.source) else {
            throw Problem.forbidden("This service does not take \(envelope.type) events from \(envelope.source).")
        }
    }

    public func receive(_ envelope: EventEnvelope, logger: Logger) async throws -> Outcome {
        try await self.receive([envelope], logger: logger)[0]
    }

    /// Records and applies `envelopes` in one transaction, an outcome for each (applied, duplicate
    /// or ignored); throws when any handler does, and then nothing is recorded. The I/O of handlers
    /// that prepare happens first, with no transaction open, and only for events not yet recorded
    /// (the insert still decides, should two deliveries race). The catch-all (`onEvery`) gets its
    /// events together, after the events with handlers of their own.
    func receive(_ envelopes: [EventEnvelope], logger: Logger) async throws -> [Outcome] {
        guard !envelopes.isEmpty else { return [] }
        let preparing = envelopes.filter { self.handlers.handlers[$0.type]?.prepares == true }
        let recorded = preparing.isEmpty ? [] : try await self.recorded(among: preparing.map(\.id), logger: logger)
        var applications: [UUID: EventHandlers.Application] = [:]
        for envelope in envelopes where !recorded.contains(envelope.id) {
            guard let own = self.handlers.handlers[envelope.type] else { continue }
            applications[envelope.id] = try await own.prepare(envelope, logger)
        }
        return try await self.client.transaction(logger: logger) { connection in
            let new = try await self.record(envelopes, on: connection, logger: logger)
            var outcomes: [Outcome] = []
            var forEveryOther: [EventEnvelope] = []
            for envelope in envelopes {
                guard new.contains(envelope.id) else {
                    outcomes.append(.duplicate)
                    continue
                }
                if let application = applications[envelope.id] {
                    try await application(connection, logger)
                    outcomes.append(.applied)
                } else if self.handlers.handlers[envelope.type] == nil, self.handlers.everyOther != nil {
                    forEveryOther.append(envelope)
                    outcomes.append(.applied)
                } else {
                    outcomes.append(.ignored)
                }
            }
            if let everyOther = self.handlers.everyOther, !forEveryOther.isEmpty {
                try await everyOther(forEveryOther, connection, logger)
            }
            return outcomes
        }
    }

    /// Inserts the events' inbox rows; the ids that were not there before.
    private func record(_ envelopes: [EventEnvelope], on connection: PostgresConnection, logger: Logger) async throws -> Set<UUID> {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(self.schema).inbox (event_id, event_type, source)
                    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])
                    ON CONFLICT (event_id) DO NOTHING
                    RETURNING event_id
                    """,
                binds: {
                    var binds = PostgresBindings()
                    binds.append(envelopes.map(\.id))
                    binds.append(envelopes.map(\.type))
                    binds.append(envelopes.map(\.source))
                    return binds
                }()
            ),
            logger: logger
        )
        var new = Set<UUID>()
        for try await id in rows.decode(UUID.self) { new.insert(id) }
        return new
    }

    private func recorded(among ids: [UUID], logger: Logger) async throws -> Set<UUID> {
        let rows = try await self.client.query(
            PostgresQuery(
                unsafeSQL: "SELECT event_id FROM \(self.schema).inbox WHERE event_id = ANY($1)",
                binds: {
                    var binds = PostgresBindings()
                    binds.append(ids)
                    return binds
                }()
            ),
            logger: logger
        )
        var recorded = Set<UUID>()
        for try await id in rows.decode(UUID.self) { recorded.insert(id) }
        return recorded
    }

    struct Receipt: Codable, ResponseEncodable, Sendable {
        var eventId: UUID
        var outcome: Outcome
        /// Why, for `refused` and `failed`.
        var detail: String?
    }

    /// `POST /internal/events` (one event) and `POST /internal/events/batch` (several, `EventBatch`),
    /// open only to service tokens that may publish events.
    public var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .add(middleware: RequireScopeMiddleware(Scope.publishEvents))
            .post("batch") { request, context -> EventBatch.Receipts in
                let batch = try await request.decode(as: EventBatch.self, context: context)
                try batch.validate()
                return await TraceSpans.run("handle \(batch.events.count) events", kind: .consumer, parent: context.traceParent) { span in
                    span.set("messaging.batch.message_count", batch.events.count)
                    let receipts = await self.receive(batch: batch.events, from: context.identity, logger: context.logger)
                    context.logger.info(
                        "event batch received",
                        metadata: [
                            "events": .stringConvertible(batch.events.count),
                            "applied": .stringConvertible(receipts.count { $0.outcome == .applied }),
                        ]
                    )
                    return EventBatch.Receipts(receipts: receipts)
                }
            }
            .post { request, context -> Receipt in
                let envelope = try await request.decode(as: EventEnvelope.self, context: context)
                try self.authorize(envelope, from: context.identity)
                // The handling, a child of this request's span (itself the delivery's child): what
                // the handler calls or logs joins the trace of the request that published the event.
                return try await TraceSpans.run("handle \(envelope.type)", kind: .consumer, parent: context.traceParent) { span in
                    span.set("messaging.message.id", envelope.id.uuidString.lowercased())
                    span.set("messaging.source", envelope.source)
                    let outcome = try await self.receive(envelope, logger: context.logger)
                    span.set("tract.event.outcome", outcome.rawValue)
                    context.logger.info(
                        "event received",
                        metadata: [
                            "event_id": .string(envelope.id.uuidString), "event_type": .string(envelope.type),
                            "outcome": .string(outcome.rawValue),
                        ]
                    )
                    return Receipt(eventId: envelope.id, outcome: outcome)
                }
            }
    }
}
