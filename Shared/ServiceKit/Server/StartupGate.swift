import Foundation
import NIOConcurrencyHelpers

/// Opens once start-up (migrations, the service's own `onStart`) has finished, so background work
/// that needs the schema waits for it instead of failing until it exists. Waiting is cancellable:
/// when start-up fails, shutdown cancels the waiters and they return.
public final class StartupGate: Sendable {
    private struct State {
        var open = false
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// A gate that is already open (for callers that start after start-up).
    public static var opened: StartupGate {
        let gate = StartupGate()
        gate.open()
        return gate
    }

    public func open() {
        let waiters = self.state.withLockedValue { state in
            state.open = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when the gate opens or the task is cancelled.
    public func wait() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = self.state.withLockedValue { state in
                    if state.open || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
