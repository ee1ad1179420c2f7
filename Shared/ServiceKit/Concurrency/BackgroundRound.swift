import Logging
import Metrics
import NIOConcurrencyHelpers
import ServiceLifecycle

/// One round of a background worker's loop (an outbox dispatch, a sweep, a rollup), waited for
/// at most `bound`.
///
/// PostgresNIO drops a query written to a connection that closed a moment before, and whoever
/// waits for its rows waits forever, deaf to cancellation (see `RequestBound`, which guards
/// requests against the same). A worker's loop that waits on such a round stops for good: after
/// a database restart an outbox dispatcher sat on one dropped `UPDATE` and delivered nothing more
/// (issue 18's fault test, found when it failed on CI). So each round runs in a task of its own;
/// when `bound` passes, the round is cancelled (what it has in flight over HTTP ends at once) and
/// the loop goes on without it, with `BackgroundRound.Abandoned` thrown to say so. The round left
/// behind keeps only its own memory; the work it had claimed is due again when its claim runs out.
///
/// A worker's bound is the longest a healthy round takes, with room: the dispatcher's is its
/// claim's lease, after which another round takes the same rows anyway. A graceful shutdown waits
/// for a round in flight at most `shutdownGrace`, so a dropped query cannot hold the process until
/// the orchestrator kills it.
public enum BackgroundRound {
    /// The round did not finish within its bound and was given up.
    public struct Abandoned: Error, CustomStringConvertible {
        public var worker: String
        public var bound: Duration
        public var description: String { "\(self.worker): round abandoned after \(self.bound)" }
    }

    @discardableResult
    public static func run<Value: Sendable>(
        _ worker: String,
        within bound: Duration,
        logger: Logger,
        _ round: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let result = FirstResult<Value>()
        let work = Task {
            do {
                result.offer(.success(try await round()))
            } catch {
                result.offer(.failure(error))
            }
        }
        @Sendable func abandon(after wait: Duration, reason: String) -> Task<Void, Never> {
            Task {
                guard (try? await Task.sleep(for: wait)) != nil,
                    result.offer(.failure(Abandoned(worker: worker, bound: bound)))
                else { return }
                work.cancel()
                Counter(label: "tract_background_rounds_abandoned_total", dimensions: [("worker", worker)]).increment()
                logger.error(
                    "background round abandoned: \(reason)",
                    metadata: ["worker": .string(worker), "bound_seconds": .stringConvertible(bound.inSeconds)])
            }
        }
        let deadline = abandon(after: bound, reason: "not finished within its bound")
        let shutdown = NIOLockedValueBox<Task<Void, Never>?>(nil)
        defer {
            deadline.cancel()
            shutdown.withLockedValue { $0?.cancel() }
        }
        return try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await result.value()
            } onCancel: {
                work.cancel()
            }
        } onGracefulShutdown: {
            shutdown.withLockedValue { $0 = abandon(after: Self.shutdownGrace, reason: "not finished while shutting down") }
        }
    }

    /// How long a graceful shutdown waits for a round in flight.
    public static let shutdownGrace: Duration = .seconds(10)
}
