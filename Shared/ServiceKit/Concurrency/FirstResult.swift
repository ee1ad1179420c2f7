import NIOConcurrencyHelpers

/// The first of several results offered for one piece of work; the rest are dropped.
///
/// For waiting on work that may never finish: the work and a stand-in (a deadline's, an outage's)
/// both offer a result, and the one waiter resumes with whichever came first, without waiting for
/// the other. `RequestBound` and `BackgroundRound` wait this way.
final class FirstResult<Value: Sendable>: Sendable {
    private enum State {
        case waiting(CheckedContinuation<Value, any Error>?)
        case offered(Result<Value, any Error>)
        case delivered
    }

    private let state = NIOLockedValueBox(State.waiting(nil))

    /// Offers `result`; returns whether it was the first (a later one is dropped).
    @discardableResult
    func offer(_ result: Result<Value, any Error>) -> Bool {
        let (first, waiter): (Bool, CheckedContinuation<Value, any Error>?) = self.state.withLockedValue { state in
            switch state {
            case .waiting(let continuation?):
                state = .delivered
                return (true, continuation)
            case .waiting(nil):
                state = .offered(result)
                return (true, nil)
            case .offered, .delivered:
                return (false, nil)
            }
        }
        waiter?.resume(with: result)
        return first
    }

    /// Waits for the first result offered. One wait per instance.
    func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Value, any Error>? = self.state.withLockedValue { state in
                switch state {
                case .offered(let result):
                    state = .delivered
                    return result
                case .waiting:
                    state = .waiting(continuation)
                    return nil
                case .delivered:
                    preconditionFailure("one result, one wait")
                }
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
