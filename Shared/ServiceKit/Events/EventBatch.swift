import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO

/// Several events delivered in one request (`POST /internal/events/batch`): what an outbox
/// dispatcher sends when a round finds more than one event for a subscriber.
///
/// One request and one inbox transaction carry them all, where each event alone was a request, a
/// transaction and its commit: under a stream of sign-ins the relay to analytics was most of what
/// a sign-in cost beside its hash (issue 19). Each event still gets its own receipt, so the
/// publisher retries only what failed.
public struct EventBatch: Codable, Sendable {
    /// At most this many events per request; a dispatcher sends fewer (`OutboxDispatcher.batchLimit`).
    public static let maximumCount = 100

    public var events: [EventEnvelope]

    public init(events: [EventEnvelope]) {
        self.events = events
    }

    func validate() throws {
        guard !self.events.isEmpty else { throw Problem.validation(field: "events", "must hold at least one event") }
        guard self.events.count <= Self.maximumCount else {
            throw Problem.validation(field: "events", "must hold at most \(Self.maximumCount) events")
        }
    }

    /// One receipt per event, in the order sent.
    struct Receipts: Codable, ResponseEncodable, Sendable {
        var receipts: [EventInbox.Receipt]
    }
}

extension EventInbox {
    /// Records and applies a batch's events, each once, in one transaction; a receipt for each, in
    /// order. An event its caller may not send is `refused`; one whose handler fails is `failed`:
    /// when a batch's transaction fails, its events are taken again one by one, so one bad event
    /// costs only itself. Handlers that do I/O first (`prepare`) do it before the transaction, for
    /// the events not yet recorded, as alone. The catch-all (`onEvery`) gets its events together,
    /// after the events with handlers of their own.
    func receive(batch envelopes: [EventEnvelope], from caller: Identity, logger: Logger) async -> [Receipt] {
        var outcomes = [(Outcome, String?)?](repeating: nil, count: envelopes.count)
        var seen = Set<UUID>()
        for (index, envelope) in envelopes.enumerated() {
            do {
                try self.authorize(envelope, from: caller)
            } catch let problem as Problem {
                outcomes[index] = (.refused, problem.detail)
                continue
            } catch {
                outcomes[index] = (.refused, "\(error)")
                continue
            }
            // The same event twice in one batch is recorded once.
            if !seen.insert(envelope.id).inserted { outcomes[index] = (.duplicate, nil) }
        }
        let waiting = envelopes.indices.filter { outcomes[$0] == nil }
        do {
            let applied = try await self.receiveTogether(waiting.map { envelopes[$0] }, logger: logger)
            for (index, outcome) in zip(waiting, applied) { outcomes[index] = outcome }
        } catch {
            logger.warning(
                "event batch failed as a whole; receiving its events one by one",
                metadata: ["events": .stringConvertible(waiting.count), "error": .string(String(reflecting: error))])
            for index in waiting {
                do {
                    outcomes[index] = (try await self.receive(envelopes[index], logger: logger), nil)
                } catch {
                    outcomes[index] = (.failed, String(String(reflecting: error).prefix(1000)))
                }
            }
        }
        return zip(envelopes, outcomes).map { envelope, outcome in
            Receipt(eventId: envelope.id, outcome: outcome?.0 ?? .failed, detail: outcome?.1)
        }
    }

    /// The events in one transaction; throws when any handler does (then nothing is recorded).
    private func receiveTogether(_ envelopes: [EventEnvelope], logger: Logger) async throws -> [(Outcome, String?)] {
        guard !envelopes.isEmpty else { return [] }
        // The I/O of handlers that prepare, outside the transaction, for events not yet recorded.
        let preparing = envelopes.filter { self.handlers.handlers[$0.type]?.prepares == true }
        let recorded = preparing.isEmpty ? [] : try await self.recorded(among: preparing.map(\.id), logger: logger)
        var applications: [UUID: EventHandlers.Application] = [:]
        for envelope in envelopes where !recorded.contains(envelope.id) {
            guard let own = self.handlers.handlers[envelope.type] else { continue }
            applications[envelope.id] = try await own.prepare(envelope, logger)
        }
        return try await self.client.transaction(logger: logger) { connection in
            let new = try await self.record(envelopes, on: connection, logger: logger)
            var outcomes: [(Outcome, String?)] = []
            var forEveryOther: [EventEnvelope] = []
            for envelope in envelopes {
                guard new.contains(envelope.id) else {
                    outcomes.append((.duplicate, nil))
                    continue
                }
                if let application = applications[envelope.id] {
                    try await application(connection, logger)
                    outcomes.append((.applied, nil))
                } else if self.handlers.handlers[envelope.type] == nil, self.handlers.everyOther != nil {
                    forEveryOther.append(envelope)
                    outcomes.append((.applied, nil))
                } else {
                    outcomes.append((.ignored, nil))
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
}
