import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// Up to `maximumConnections` sessions to one server, each delivering message after message on
/// its connection until it has been idle for `idleTimeout`.
///
/// Messages queue in order; a session takes the next as soon as its last one is answered, and a
/// new session opens only while every open one is busy. Opening a session (TCP, EHLO, STARTTLS,
/// AUTH) costs several round trips and, with TLS, a handshake: bulk mail pays it once per
/// connection instead of once per message.
final class SMTPConnectionPool: Sendable {
    struct Job: Sendable {
        var from: String
        var recipients: [String]
        var payload: [UInt8]
        var logger: Logger
        var continuation: CheckedContinuation<SMTPReply, any Error>
    }

    private struct State {
        var queue: [Job] = []
        var head = 0
        var idle: [(id: Int, continuation: CheckedContinuation<Job?, Never>)] = []
        var sessions = 0
        /// Sessions carrying a message right now; the others are idle or about to take the next.
        var busy = 0
        var nextWaiter = 0
    }

    private let state = NIOLockedValueBox(State())
    private let maximumConnections: Int
    private let idleTimeout: Duration
    typealias Connection = (channel: NIOAsyncChannel<SMTPReply, ByteBuffer>, errors: PipelineErrors)
    private let open: @Sendable (Logger) async throws -> Connection
    private let configuration: SMTPConfiguration
    private let sslContext: NIOSSLContext?

    init(
        configuration: SMTPConfiguration,
        sslContext: NIOSSLContext?,
        open: @escaping @Sendable (Logger) async throws -> Connection
    ) {
        self.configuration = configuration
        self.sslContext = sslContext
        self.maximumConnections = max(1, configuration.maximumConnections)
        self.idleTimeout = configuration.idleTimeout
        self.open = open
    }

    /// Delivers one message on some session; throws `SMTPError`.
    func deliver(from: String, to recipients: [String], payload: [UInt8], logger: Logger) async throws -> SMTPReply {
        try await withCheckedThrowingContinuation { continuation in
            let job = Job(from: from, recipients: recipients, payload: payload, logger: logger, continuation: continuation)
            let (waiter, startSession) = self.state.withLockedValue { state -> (CheckedContinuation<Job?, Never>?, Bool) in
                if !state.idle.isEmpty {
                    state.busy += 1
                    return (state.idle.removeLast().continuation, false)
                }
                state.queue.append(job)
                // A session that just finished a message takes the next itself: a new connection
                // only when more messages wait than sessions are free to take them.
                let waiting = state.queue.count - state.head
                guard state.sessions < self.maximumConnections, waiting > state.sessions - state.busy else { return (nil, false) }
                state.sessions += 1
                return (nil, true)
            }
            if let waiter {
                waiter.resume(returning: job)
            } else if startSession {
                Task { await self.runSession() }
            }
        }
    }

    /// The next queued job, or one handed over while idle; nil after `idleTimeout` with none.
    private func nextJob() async -> Job? {
        let queued = self.state.withLockedValue { state -> Job? in
            guard state.head < state.queue.count else { return nil }
            let job = state.queue[state.head]
            state.head += 1
            state.busy += 1
            if state.head > 256 && state.head * 2 > state.queue.count {
                state.queue.removeFirst(state.head)
                state.head = 0
            }
            return job
        }
        if let queued { return queued }
        let timeout = self.idleTimeout
        return await withCheckedContinuation { (continuation: CheckedContinuation<Job?, Never>) in
            let id = self.state.withLockedValue { state -> Int? in
                // A job may have arrived between the two locks.
                if state.head < state.queue.count {
                    let job = state.queue[state.head]
                    state.head += 1
                    state.busy += 1
                    continuation.resume(returning: job)
                    return nil
                }
                state.nextWaiter += 1
                state.idle.append((state.nextWaiter, continuation))
                return state.nextWaiter
            }
            guard let id else { return }
            Task {
                try? await Task.sleep(for: timeout)
                let expired = self.state.withLockedValue { state -> CheckedContinuation<Job?, Never>? in
                    guard let index = state.idle.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.idle.remove(at: index).continuation
                }
                expired?.resume(returning: nil)
            }
        }
    }

    /// A session's message is answered (or failed): it is free for the next.
    private func finished() {
        self.state.withLockedValue { $0.busy -= 1 }
    }

    /// Leaves the pool: unless a job was queued meanwhile, which then gets this session's slot.
    private func retire() -> Bool {
        self.state.withLockedValue { state in
            if state.head < state.queue.count { return false }
            state.sessions -= 1
            return true
        }
    }

    /// One session's life: connect for a job, deliver it and every later one, reconnect after a
    /// failure, end when idle.
    private func runSession() async {
        var pending: Job?
        var retried = false
        while true {
            if pending == nil { pending = await self.nextJob() }
            guard let first = pending else {
                if self.retire() { return }
                continue
            }
            let logger = first.logger
            let channel: NIOAsyncChannel<SMTPReply, ByteBuffer>
            let errors: PipelineErrors
            do {
                (channel, errors) = try await self.open(logger)
            } catch {
                first.continuation.resume(throwing: Self.smtpError(error))
                pending = nil
                self.finished()
                continue
            }
            let watchdog = Watchdog(channel: channel.channel)
            var payloadStarted = false
            do {
                try await channel.executeThenClose { inbound, outbound in
                    var conversation = SMTPConversation(
                        replies: inbound.makeAsyncIterator(), outbound: outbound, channel: channel.channel, logger: logger)
                    watchdog.arm(self.configuration.exchangeTimeout)
                    try await conversation.open(configuration: self.configuration, sslContext: self.sslContext)
                    while let job = pending {
                        watchdog.arm(self.configuration.exchangeTimeout)
                        do {
                            let reply = try await conversation.transaction(from: job.from, to: job.recipients, payload: job.payload)
                            job.continuation.resume(returning: reply)
                            pending = nil
                            self.finished()
                            retried = false
                        } catch let refusal as SMTPError {
                            payloadStarted = conversation.payloadStarted
                            guard case .rejected = refusal else { throw refusal }
                            // Refused by the server: this message fails, the session goes on.
                            job.continuation.resume(throwing: refusal)
                            pending = nil
                            self.finished()
                            retried = false
                            try await conversation.reset()
                        } catch {
                            payloadStarted = conversation.payloadStarted
                            throw error
                        }
                        watchdog.disarm()
                        pending = await self.nextJob()
                    }
                    watchdog.arm(.seconds(5))
                    await conversation.quit()
                }
            } catch {
                let failure = watchdog.fired ? SMTPError.timedOut : Self.classify(error, pipelineError: errors.first)
                if let job = pending {
                    // A reused connection the server closed while idle fails before the body goes
                    // out: that message was not delivered and may go once more on a new connection.
                    // After the body started, a retry could deliver it twice, so the caller decides.
                    if !payloadStarted && !retried && failure.isTransient {
                        retried = true
                        continue
                    }
                    job.continuation.resume(throwing: failure)
                    pending = nil
                    self.finished()
                    retried = false
                }
            }
            watchdog.disarm()
        }
    }

    /// What to tell the caller. A failed TLS handshake reaches the conversation only as a closed
    /// stream, so the error the pipeline saw first decides.
    static func classify(_ error: any Error, pipelineError: (any Error)?) -> SMTPError {
        if let error = error as? SMTPError, error != .connectionClosed { return error }
        if let abandoned = error as? SMTPAbandonedSession { return abandoned.error }
        return smtpError(pipelineError ?? error)
    }

    static func smtpError(_ error: any Error) -> SMTPError {
        switch error {
        case let error as SMTPError: error
        case let abandoned as SMTPAbandonedSession: abandoned.error
        case is CancellationError: .timedOut
        case let tls as NIOSSLError: .connectionFailed("TLS: \(tls)")
        case let tls as BoringSSLError: .connectionFailed("TLS: \(tls)")
        default: .connectionClosed
        }
    }
}

/// Closes a channel whose exchange takes longer than allowed, so a stalled server cannot hold a
/// session (and the messages queued behind it) forever.
final class Watchdog: Sendable {
    private let channel: any Channel
    private let task = NIOLockedValueBox<Scheduled<Void>?>(nil)
    private let didFire = NIOLockedValueBox(false)

    init(channel: any Channel) { self.channel = channel }

    var fired: Bool { didFire.withLockedValue { $0 } }

    func arm(_ timeout: Duration) {
        let channel = self.channel
        let didFire = self.didFire
        let scheduled = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            didFire.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        task.withLockedValue {
            $0?.cancel()
            $0 = scheduled
        }
    }

    func disarm() {
        task.withLockedValue {
            $0?.cancel()
            $0 = nil
        }
    }
}
