import AsyncHTTPClient
import Foundation
import Logging
import Models
import NIOCore
import NIOHTTP1
import PostgresNIO
import ServiceLifecycle

/// Delivers outbox rows to their subscribers' `POST /internal/events`, until each is acknowledged.
///
/// A dispatcher claims due rows in a short transaction (`FOR UPDATE SKIP LOCKED`, so replicas share
/// the work without waiting on each other) by pushing their `next_attempt_at` one lease ahead, then
/// delivers outside any transaction. The round's successes are marked delivered together when it
/// ends; a failure schedules its row's retry with backoff, and after `EVENT_MAX_ATTEMPTS` failures
/// moves the row to the dead letters. A dispatcher that dies mid-round leaves its rows to be claimed
/// again when the lease ends: delivery is at least once, and the subscriber's inbox makes the
/// effect exactly once.
public struct OutboxDispatcher: Service {
    let client: PostgresClient
    let schema: String
    let configuration: EventConfiguration
    let internalClient: InternalHTTPClient
    let schedule: RetrySchedule
    let lease: Duration
    let startup: StartupGate
    let logger: Logger

    public init(
        client: PostgresClient,
        schema: String,
        configuration: EventConfiguration,
        internalClient: InternalHTTPClient,
        lease: Duration = .seconds(30),
        startup: StartupGate = .opened,
        logger: Logger
    ) {
        self.client = client
        self.schema = schema
        self.configuration = configuration
        self.internalClient = internalClient
        self.schedule = RetrySchedule(base: configuration.retryBase, maximum: configuration.maximumBackoff)
        self.lease = lease
        self.startup = startup
        self.logger = logger
    }

    public func run() async throws {
        // The outbox table exists only once migrations have run.
        await cancelWhenGracefulShutdown { await self.startup.wait() }
        let deadLetters = DeadLetters(client: self.client, schema: self.schema)
        var gaugeReadAt: ContinuousClock.Instant?
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            // The dead-letter and pending gauges are read from the table (so every replica reports the whole
            // outbox, retries by an operator included), at most every `gaugeInterval`.
            if gaugeReadAt.map({ ContinuousClock.now - $0 >= Self.gaugeInterval }) ?? true {
                gaugeReadAt = .now
                try? await BackgroundRound.run("outbox gauges", within: Self.gaugeInterval, logger: self.logger) {
                    if let count = try? await deadLetters.count(logger: self.logger) { DeadLetterMetrics.record(count: count) }
                    if let (pending, age) = try? await deadLetters.pending(logger: self.logger) {
                        DeadLetterMetrics.record(pending: pending, oldestAge: age)
                    }
                }
            }
            var delivered = 0
            do {
                // A round's rows are due again when their lease ends, so a round is waited for no longer.
                delivered = try await BackgroundRound.run("outbox dispatcher", within: self.lease, logger: self.logger) {
                    try await self.dispatchDue()
                }
            } catch {
                self.logger.warning("outbox dispatch failed", metadata: ["error": .string(String(reflecting: error))])
            }
            // A full batch means more may be waiting: go again at once.
            if delivered < self.configuration.batchSize {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.configuration.pollInterval) }
            }
        }
    }

    static let gaugeInterval: Duration = .seconds(15)

    struct Claimed {
        var id: Int64
        var subscriber: String
        var envelope: String
        var attempts: Int32
        /// The envelope's id, type and `traceparent`, read from the row's columns: decoding each
        /// envelope's JSON for them was most of a delivery's own CPU (issue 19).
        var eventID: UUID
        var eventType: String
        var traceparent: String?
    }

    /// Deliveries one dispatcher has in flight. A whole batch sent at once would queue in the HTTP
    /// pool past the connect timeout and fail its tail with no fault at the subscriber; half the
    /// pool leaves room for a second dispatcher in the same process (tests run replicas that way).
    static let deliveriesInFlight = InternalHTTPClient.connectionsPerPeer / 2

    /// Claims and delivers one batch; returns how many rows it claimed.
    @discardableResult
    public func dispatchDue() async throws -> Int {
        let claimed = try await self.claim()
        guard !claimed.isEmpty else { return 0 }
        let delivered = await withTaskGroup(of: [Int64].self) { group in
            var waiting = Self.deliveries(of: claimed).makeIterator()
            for _ in 0..<Self.deliveriesInFlight {
                guard let rows = waiting.next() else { break }
                group.addTask { await self.deliver(rows) }
            }
            var delivered: [Int64] = []
            while let acknowledged = await group.next() {
                delivered += acknowledged
                if let rows = waiting.next() { group.addTask { await self.deliver(rows) } }
            }
            return delivered
        }
        do {
            try await self.markDelivered(delivered)
        } catch {
            // The lease runs out and the rows are tried again; the inboxes absorb the repeats.
            self.logger.warning("could not record deliveries", metadata: ["error": .string("\(error)")])
        }
        return claimed.count
    }

    /// The round's acknowledged rows, in one statement: one commit for the round, where a commit
    /// per delivered event was most of the relay's database work under a stream of sign-ins (issue 19).
    private func markDelivered(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await self.client.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE \(self.schema).outbox
                    SET attempts = attempts + 1, delivered_at = now(), last_error = NULL,
                        envelope = CASE WHEN sensitive THEN '{"redacted": true}'::jsonb ELSE envelope END
                    WHERE id = ANY($1)
                    """,
                binds: {
                    var binds = PostgresBindings()
                    binds.append(ids)
                    return binds
                }()
            ),
            logger: self.logger
        )
    }

    private func claim() async throws -> [Claimed] {
        let leaseSeconds = Double(self.lease.components.seconds)
        let rows = try await self.client.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE \(self.schema).outbox AS o
                    SET next_attempt_at = now() + make_interval(secs => $1)
                    WHERE o.id IN (
                        SELECT id FROM \(self.schema).outbox
                        WHERE delivered_at IS NULL AND dead_at IS NULL AND next_attempt_at <= now()
                        ORDER BY next_attempt_at, id
                        LIMIT $2
                        FOR UPDATE SKIP LOCKED
                    )
                    RETURNING o.id, o.subscriber, o.envelope::text, o.attempts, o.event_id, o.event_type, o.envelope->>'traceparent'
                    """,
                binds: {
                    var binds = PostgresBindings()
                    binds.append(leaseSeconds)
                    binds.append(self.configuration.batchSize)
                    return binds
                }()
            ),
            logger: self.logger
        )
        var claimed: [Claimed] = []
        for try await (id, subscriber, envelope, attempts, eventID, eventType, traceparent) in rows.decode(
            (Int64, String, String, Int32, UUID, String, String?).self)
        {
            claimed.append(
                Claimed(
                    id: id, subscriber: subscriber, envelope: envelope, attempts: attempts, eventID: eventID, eventType: eventType,
                    traceparent: traceparent))
        }
        return claimed
    }

    /// Largest batch a dispatcher sends: well inside `EventBatch.maximumCount` and, at
    /// `batchBytes` of envelopes, inside a subscriber's request body limit.
    static let batchLimit = 50
    static let batchBytes = 256 << 10

    /// A round's rows as requests: a subscriber's one row alone (its delivery keeps the trace of
    /// the request that published it), two or more as batches of at most `batchLimit` events and
    /// `batchBytes` of envelopes.
    static func deliveries(of rows: [Claimed]) -> [[Claimed]] {
        var bySubscriber: [String: [Claimed]] = [:]
        var subscribers: [String] = []
        for row in rows {
            if bySubscriber[row.subscriber] == nil { subscribers.append(row.subscriber) }
            bySubscriber[row.subscriber, default: []].append(row)
        }
        var deliveries: [[Claimed]] = []
        for subscriber in subscribers {
            var batch: [Claimed] = []
            var bytes = 0
            for row in bySubscriber[subscriber] ?? [] {
                if !batch.isEmpty, batch.count == Self.batchLimit || bytes + row.envelope.utf8.count > Self.batchBytes {
                    deliveries.append(batch)
                    batch = []
                    bytes = 0
                }
                batch.append(row)
                bytes += row.envelope.utf8.count
            }
            if !batch.isEmpty { deliveries.append(batch) }
        }
        return deliveries
    }

    /// One request: one row alone, or a batch. Returns the ids the subscriber acknowledged
    /// (recorded with the round's others); each failed row has its retry scheduled.
    private func deliver(_ rows: [Claimed]) async -> [Int64] {
        if rows.count == 1 { return await self.deliver(rows[0]).map { [$0] } ?? [] }
        return await TraceSpans.run("deliver \(rows.count) events", kind: .producer, parent: nil) { span in
            let subscriber = rows[0].subscriber
            span.set("messaging.destination.name", subscriber)
            span.set("messaging.batch.message_count", rows.count)
            guard let base = self.configuration.peers[subscriber] else {
                let failure = "no URL is configured for subscriber \(subscriber)"
                span.fail(failure)
                for row in rows { await self.recordFailure(row, failure) }
                return []
            }
            let receipts: [UUID: EventInbox.Receipt]
            do {
                receipts = try await self.internalClient.postEvents(
                    envelopesJSON: rows.map(\.envelope),
                    to: base.appendingPathComponent("internal/events/batch"),
                    context: .background(requestID: UUID().uuidString.lowercased())
                )
            } catch {
                span.fail("\(error)")
                for row in rows { await self.recordFailure(row, "\(error)") }
                return []
            }
            var acknowledged: [Int64] = []
            for row in rows {
                switch receipts[row.eventID] {
                case let receipt? where [.applied, .duplicate, .ignored].contains(receipt.outcome):
                    acknowledged.append(row.id)
                case let receipt?:
                    await self.recordFailure(row, "\(receipt.outcome.rawValue): \(receipt.detail ?? "no detail")")
                case nil:
                    await self.recordFailure(row, "the subscriber's reply had no receipt for this event")
                }
            }
            return acknowledged
        }
    }

    /// One attempt at one row, in a span that continues the trace of the request that published
    /// the event (the envelope's `traceparent`); the subscriber's handling is its child. Returns the
    /// row's id when the subscriber acknowledged it (recorded with the round's others), nil when
    /// it failed (its retry already scheduled).
    private func deliver(_ row: Claimed) async -> Int64? {
        await TraceSpans.run(
            "deliver \(row.eventType)", kind: .producer, parent: row.traceparent.flatMap(TraceParent.init(header:))
        ) { span in
            span.set("messaging.destination.name", row.subscriber)
            span.set("messaging.message.id", row.eventID.uuidString.lowercased())
            span.set("tract.outbox.attempt", Int(row.attempts) + 1)
            return await self.deliver(row, eventID: row.eventID, span: span)
        }
    }

    private func deliver(_ row: Claimed, eventID: UUID?, span: SpanHandle) async -> Int64? {
        let outcome: String?
        if let base = self.configuration.peers[row.subscriber] {
            do {
                try await self.internalClient.postEvent(
                    envelopeJSON: row.envelope,
                    eventID: eventID,
                    to: base.appendingPathComponent("internal/events"),
                    context: .background(requestID: eventID?.uuidString.lowercased() ?? UUID().uuidString.lowercased())
                )
                outcome = nil
            } catch {
                outcome = "\(error)"
            }
        } else {
            outcome = "no URL is configured for subscriber \(row.subscriber)"
        }
        guard let failure = outcome else { return row.id }
        span.fail(failure)
        await self.recordFailure(row, failure)
        return nil
    }

    /// Schedules a failed row's next attempt, or moves it to the dead letters after its last.
    private func recordFailure(_ row: Claimed, _ failure: String) async {
        do {
            var generator = SystemRandomNumberGenerator()
            let delay = self.schedule.delay(afterAttempts: Int(row.attempts) + 1, using: &generator)
            let seconds = delay.inSeconds
            // The last allowed attempt moves the row to the dead letters instead of rescheduling it.
            let rows = try await self.client.query(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE \(self.schema).outbox
                        SET attempts = attempts + 1, last_error = left($2, 1000),
                            next_attempt_at = now() + make_interval(secs => $3),
                            dead_at = CASE WHEN attempts + 1 >= $4 THEN now() END
                        WHERE id = $1
                        RETURNING dead_at IS NOT NULL
                        """,
                    binds: {
                        var binds = PostgresBindings()
                        binds.append(row.id)
                        binds.append(failure)
                        binds.append(seconds)
                        binds.append(self.configuration.maximumAttempts)
                        return binds
                    }()
                ),
                logger: self.logger
            )
            var dead = false
            for try await isDead in rows.decode(Bool.self) { dead = isDead }
            let metadata: Logger.Metadata = [
                "subscriber": .string(row.subscriber), "outbox_id": .stringConvertible(row.id),
                "attempts": .stringConvertible(row.attempts + 1), "error": .string(failure),
            ]
            if dead {
                DeadLetterMetrics.deadLettered(subscriber: row.subscriber)
                self.logger.error("event delivery given up: moved to the dead letters", metadata: metadata)
            } else {
                self.logger.notice("event delivery failed; will retry", metadata: metadata)
            }
        } catch {
            // The lease runs out and the row is tried again; the inbox absorbs the repeat.
            self.logger.warning("could not record delivery outcome", metadata: ["error": .string("\(error)")])
        }
    }
}
