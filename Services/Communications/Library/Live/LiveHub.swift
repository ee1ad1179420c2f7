import Foundation
import Synchronization

/// This replica's open streams by user, so the one LISTEN connection can wake the streams a
/// NOTIFY names. The feed table stays the only source of truth: a wake may hand a stream the rows
/// the listener just read for it (one query for every stream a NOTIFY names, instead of one each),
/// but a stream takes them only when they continue exactly from its cursor, and reads the table
/// itself otherwise. A replica that loses its hub (or never hears a NOTIFY) delivers late, never
/// wrongly.
final class LiveHub: Sendable {
    /// What a stream is woken with: rows to send if they follow its cursor, or none (read the
    /// table after your cursor).
    struct Wake: Sendable, Equatable {
        var rows: [LiveFeedReader.Row] = []
        /// Set on the last wake of a stream the hub ended (`replaced`: the user opened one more
        /// than `maxPerUser`).
        var end: String? = nil
        /// The periodic wake (heartbeat, deadline): the stream reads the table only when a NOTIFY
        /// may have been missed (see `listening`).
        var tick = false
    }

    /// One open stream's wake-ups. Wakes coalesce to the newest (a stream that is busy writing sees
    /// one wake for any number of NOTIFYs); a dropped wake's rows leave a gap before the next
    /// wake's, which sends the stream to the table, so nothing is lost.
    struct Subscription: Sendable {
        let id: Int
        let user: UUID
        let wakes: AsyncStream<Wake>
        fileprivate let continuation: AsyncStream<Wake>.Continuation

        func wake() { self.continuation.yield(Wake()) }
        func tick() { self.continuation.yield(Wake(tick: true)) }
        /// Ends `wakes`, so the stream's loop returns (shutdown).
        func finish() { self.continuation.finish() }
    }

    /// The replica is full. (A user at their own limit is never refused: their oldest stream ends
    /// instead, as a page that reloads opens its new stream before the server learns the old one
    /// has gone — the next heartbeat's write — and must not be locked out until then.)
    enum Refusal: Error, Equatable {
        case tooManyForReplica
    }

    private struct State {
        var streams: [UUID: [Int: AsyncStream<Wake>.Continuation]] = [:]
        var total = 0
        var nextID = 0
        var listening = false
        var epoch = 0
    }

    private let state = Mutex(State())
    let maxPerUser: Int
    let maxTotal: Int

    init(maxPerUser: Int, maxTotal: Int) {
        self.maxPerUser = maxPerUser
        self.maxTotal = maxTotal
    }

    /// Whether one more stream for `user` would be taken now (checked before answering 200, so a
    /// refusal is a problem+json; `open` checks again).
    func admits(_ user: UUID) -> Refusal? {
        self.state.withLock { state in Self.refusal(for: user, in: state, maxPerUser: self.maxPerUser, maxTotal: self.maxTotal) }
    }

    /// Registers a stream for `user`; when they already hold `maxPerUser`, their oldest ends.
    func open(_ user: UUID) -> Result<Subscription, Refusal> {
        let (wakes, continuation) = AsyncStream.makeStream(of: Wake.self, bufferingPolicy: .bufferingNewest(1))
        let opened: Result<(Subscription, AsyncStream<Wake>.Continuation?), Refusal> = self.state.withLock { state in
            if let refusal = Self.refusal(for: user, in: state, maxPerUser: self.maxPerUser, maxTotal: self.maxTotal) {
                return .failure(refusal)
            }
            var replaced: AsyncStream<Wake>.Continuation?
            if let streams = state.streams[user], streams.count >= self.maxPerUser, let oldest = streams.keys.min() {
                replaced = state.streams[user]?.removeValue(forKey: oldest)
                state.total -= 1
            }
            state.nextID += 1
            state.streams[user, default: [:]][state.nextID] = continuation
            state.total += 1
            return .success((Subscription(id: state.nextID, user: user, wakes: wakes, continuation: continuation), replaced))
        }
        switch opened {
        case .failure(let refusal):
            return .failure(refusal)
        case .success(let (subscription, replaced)):
            replaced?.yield(Wake(end: "replaced"))
            replaced?.finish()
            return .success(subscription)
        }
    }

    func close(_ subscription: Subscription) {
        self.state.withLock { state in
            guard state.streams[subscription.user]?.removeValue(forKey: subscription.id) != nil else { return }
            if state.streams[subscription.user]?.isEmpty == true { state.streams[subscription.user] = nil }
            state.total -= 1
        }
        subscription.continuation.finish()
    }

    /// Those of `users` with a stream open here: the only ones worth reading rows for.
    func watched(_ users: [UUID]) -> Set<UUID> {
        self.state.withLock { state in Set(users.filter { state.streams[$0] != nil }) }
    }

    /// Wakes the streams of each user, handing them the rows read for that user (none: read yourself).
    func wake(_ rows: [UUID: [LiveFeedReader.Row]]) {
        let woken = self.state.withLock { state in
            rows.flatMap { user, rows in (state.streams[user]?.values).map { $0.map { ($0, rows) } } ?? [] }
        }
        for (continuation, rows) in woken { continuation.yield(Wake(rows: rows)) }
    }

    /// Wakes every stream to read the table: after the listener (re)connects, anything committed
    /// while it was not listening has been announced to no one.
    func wakeAll() {
        let woken = self.state.withLock { state in state.streams.values.flatMap(\.values) }
        for continuation in woken { continuation.yield(Wake()) }
    }

    var openStreams: Int { self.state.withLock { $0.total } }

    var isListening: Bool { self.state.withLock { $0.listening } }

    /// Which stretch of continuous listening this is: it changes whenever the listener connects
    /// (or drops), so a stream that saw the same epoch, listening, at its last read knows no
    /// NOTIFY for it can have gone unheard since (Postgres delivers every NOTIFY to a connected
    /// listener).
    var listening: (isListening: Bool, epoch: Int) { self.state.withLock { ($0.listening, $0.epoch) } }

    func listenerConnected() {
        self.state.withLock {
            $0.listening = true
            $0.epoch += 1
        }
    }
    func listenerDisconnected() {
        self.state.withLock {
            $0.listening = false
            $0.epoch += 1
        }
    }

    private static func refusal(for user: UUID, in state: State, maxPerUser: Int, maxTotal: Int) -> Refusal? {
        // A user at their limit replaces a stream of theirs: the total does not grow.
        if (state.streams[user]?.count ?? 0) >= maxPerUser { return nil }
        return state.total >= maxTotal ? .tooManyForReplica : nil
    }
}

extension LiveHub.Wake {
    /// The rows this wake hands a stream at `cursor`: all of them after the cursor when they follow
    /// it without a gap; nil when the stream must read the table (no rows, or a gap).
    func rows(after cursor: Int64) -> [LiveFeedReader.Row]? {
        let fresh = self.rows.filter { $0.seq > cursor }
        if fresh.isEmpty { return self.rows.isEmpty ? nil : [] }
        for (offset, row) in fresh.enumerated() where row.seq != cursor + 1 + Int64(offset) { return nil }
        return fresh
    }
}
