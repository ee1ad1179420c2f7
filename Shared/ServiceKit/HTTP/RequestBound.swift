import Foundation
import Hummingbird
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Every request answered within its bound, even when the work inside it can never finish.
///
/// PostgresNIO writes a query to its connection without a promise for the write, so a query
/// written to a connection that closed a moment before (a lease handed out as the database went
/// away, a `ROLLBACK` after the connection failed) is dropped, and whoever waits for its rows waits
/// forever, deaf to cancellation. A middleware cannot answer for such a request: it runs the rest
/// of the chain in its own task, or in a child task its task group must wait for. So the whole
/// chain runs in a task of its own, and this responder answers in its place when
///   - the database is found unreachable while the request is in flight: the work is cancelled
///     (a wait for a connection ends at once, and `DatabaseOutageMiddleware` answers the 503 from
///     inside, logged and counted as usual); when the work has not answered within `grace`, the
///     same 503 is sent without it;
///   - `timeout` passes (`REQUEST_TIMEOUT_MS`, the gateway's own read timeout by default): 503.
/// Each answer sent in the work's place is logged and counted (`tract_requests_abandoned_total`).
/// The work left behind keeps only its own memory: the pool replaces the connection it held.
/// Streamed response bodies are not bounded: the bound ends when the response starts.
public struct RequestBound<Inner: HTTPResponder>: HTTPResponder where Inner.Context == TractRequestContext {
    public typealias Context = TractRequestContext

    let inner: Inner
    let availability: DatabaseAvailability
    let timeout: Duration
    let grace: Duration
    let deadlines: RequestDeadlines

    public init(_ inner: Inner, availability: DatabaseAvailability, timeout: Duration, grace: Duration = .seconds(1)) {
        self.inner = inner
        self.availability = availability
        self.timeout = timeout
        self.grace = grace
        // A tenth of the bound, at most a quarter second: a 60 s bound is kept within 250 ms.
        self.deadlines = RequestDeadlines(every: min(.nanoseconds(TimeAmount(timeout).nanoseconds / 10), .milliseconds(250)))
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        if OperationsController.needsNoDatabase(request.uri.path) { return try await self.inner.respond(to: request, context: context) }
        let answer = FirstResult<Response>()
        let inner = self.inner
        let work = Task {
            do {
                answer.offer(.success(try await inner.respond(to: request, context: context)))
            } catch {
                answer.offer(.failure(error))
            }
        }
        let deadline = self.deadlines.add(.now() + TimeAmount(self.timeout)) {
            // The stand-in first: cancelled, the work fails at once (a wait for a connection
            // throws), and that failure must not become the answer.
            answer.offer(.success(self.standIn(.timeout, for: request, logger: context.logger)))
            work.cancel()
        }
        let grace = TimeAmount(self.grace)
        let watch = self.availability.watchForOutage {
            work.cancel()
            MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: grace) {
                answer.offer(.success(self.standIn(.outage, for: request, logger: context.logger)))
            }
        }
        defer {
            self.deadlines.remove(deadline)
            self.availability.forget(watch)
        }
        return try await withTaskCancellationHandler {
            try await answer.value()
        } onCancel: {
            work.cancel()
        }
    }

    enum Reason: String {
        case outage
        case timeout
    }

    /// The 503 sent in the work's place, with the caller's request id when it sent a sane one.
    func standIn(_ reason: Reason, for request: Request, logger: Logger) -> Response {
        let requestID = RequestIDMiddleware.acceptableID(request.headers[.requestID]) ?? RequestIdentifiers.uuidText()
        let problem =
            switch reason {
            case .outage: self.availability.problem
            case .timeout:
                Problem(
                    .serviceUnavailable,
                    detail: """
                        The request took longer than \(Int(self.timeout.inSeconds)) s and was given up. It may or may not \
                        have taken effect: look before retrying, or retry with the same Idempotency-Key.
                        """,
                    headers: [.retryAfter: "5"],
                    type: "https://tract.dev/problems/request-timeout"
                )
            }
        Counter(label: "tract_requests_abandoned_total", dimensions: [("reason", reason.rawValue)]).increment()
        logger.error(
            "request answered without its work",
            metadata: [
                "request_id": .string(requestID), "reason": .string(reason.rawValue), "method": .string(request.method.rawValue),
                "path": .string(request.uri.path),
            ])
        var response = Problem.render(
            problem.details(requestID: requestID, instance: request.uri.path), status: problem.status, headers: problem.headers)
        response.headers[.requestID] = requestID
        return response
    }
}

/// The deadlines of the requests in flight, swept by one repeating timer.
///
/// A timer per request (`scheduleTask` on an event loop from the request's thread, then its
/// cancellation) woke an event loop twice per request through its eventfd: 8 % of an
/// authenticated read in the issue-19 profile. Here a request adds and removes an entry under a
/// lock, and the sweep answers the overdue ones, at most `every` late.
final class RequestDeadlines: Sendable {
    private struct State {
        var entries: [Int: (deadline: NIODeadline, expire: @Sendable () -> Void)] = [:]
        var next = 0
    }

    private let state = NIOLockedValueBox(State())

    init(every interval: TimeAmount) {
        // Weakly held: the last request bound gone (a test's application), the timer stops itself.
        MultiThreadedEventLoopGroup.singleton.any().scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] task in
            guard let self else { return task.cancel() }
            self.sweep()
        }
    }

    func add(_ deadline: NIODeadline, expire: @escaping @Sendable () -> Void) -> Int {
        self.state.withLockedValue { state in
            state.next &+= 1
            state.entries[state.next] = (deadline, expire)
            return state.next
        }
    }

    func remove(_ entry: Int) {
        self.state.withLockedValue { _ = $0.entries.removeValue(forKey: entry) }
    }

    private func sweep() {
        let now = NIODeadline.now()
        let overdue: [@Sendable () -> Void] = self.state.withLockedValue { state in
            let due = state.entries.filter { $0.value.deadline <= now }
            for key in due.keys { state.entries.removeValue(forKey: key) }
            return due.values.map(\.expire)
        }
        for expire in overdue { expire() }
    }
}
