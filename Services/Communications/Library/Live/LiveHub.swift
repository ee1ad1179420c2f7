import Foundation
import Synchronization

/// This replica's open streams by user, so the one LISTEN connection can wake the streams a
/// NOTIFY names. It holds no items: a woken stream reads its rows from the feed table, which is the
/// only source of truth, so a replica that loses its hub (or never hears a NOTIFY) delivers late,
/// never wrongly.
final class LiveHub: Sendable {
    /// One open stream's wake-ups. Wakes coalesce (a stream that is busy writing sees one wake for
    /// any number of NOTIFYs), as every wake means the same thing: read the feed after your cursor.
    struct Subscription: Sendable {
        let id: Int
        let user: UUID
        let wakes: AsyncStream<Void>
        fileprivate let continuation: AsyncStream<Void>.Continuation

        func wake() { self.continuation.yield() }
        /// Ends `wakes`, so the stream's loop returns (shutdown).
        func finish() { self.continuation.finish() }
    }

    enum Refusal: Error, Equatable {
        case tooManyForUser
        case tooManyForReplica
    }

    private struct State {
        var streams: [UUID: [Int: AsyncStream<Void>.Continuation]] = [:]
        var total = 0
        var nextID = 0
        var listening = false
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

    func open(_ user: UUID) -> Result<Subscription, Refusal> {
        let (wakes, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        return self.state.withLock { state in
            if let refusal = Self.refusal(for: user, in: state, maxPerUser: self.maxPerUser, maxTotal: self.maxTotal) {
                return .failure(refusal)
            }
            state.nextID += 1
            state.streams[user, default: [:]][state.nextID] = continuation
            state.total += 1
            return .success(Subscription(id: state.nextID, user: user, wakes: wakes, continuation: continuation))
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

    /// Wakes the streams of `users` (a NOTIFY's list).
    func wake(_ users: some Sequence<UUID>) {
        let woken = self.state.withLock { state in users.flatMap { state.streams[$0].map { Array($0.values) } ?? [] } }
        for continuation in woken { continuation.yield() }
    }

    /// Wakes every stream: after the listener (re)connects, anything committed while it was not
    /// listening has been announced to no one.
    func wakeAll() {
        let woken = self.state.withLock { state in state.streams.values.flatMap(\.values) }
        for continuation in woken { continuation.yield() }
    }

    var openStreams: Int { self.state.withLock { $0.total } }

    var isListening: Bool {
        get { self.state.withLock { $0.listening } }
        set { self.state.withLock { $0.listening = newValue } }
    }

    private static func refusal(for user: UUID, in state: State, maxPerUser: Int, maxTotal: Int) -> Refusal? {
        if (state.streams[user]?.count ?? 0) >= maxPerUser { return .tooManyForUser }
        if state.total >= maxTotal { return .tooManyForReplica }
        return nil
    }
}
