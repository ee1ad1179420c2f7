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
            let applied = try await self.receive(waiting.map { envelopes[$0] }, logger: logger)
            for (index, outcome) in zip(waiting, applied) { outcomes[index] = (outcome, nil) }
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
}
