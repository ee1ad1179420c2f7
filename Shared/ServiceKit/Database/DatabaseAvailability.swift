import Foundation
import HTTPTypes
import Logging
import Metrics
import NIOConcurrencyHelpers
import PostgresNIO

/// Whether this replica can reach its database, and the requests to let go when it cannot.
///
/// PostgresNIO's pool queues a request for a connection while it cannot make one, and gives up
/// only when its own circuit breaker trips after about a minute, so a request that arrives as the
/// database goes away would hang that long and then fail with a 500. This is the kit's breaker in
/// front of it: `DatabaseProbe` opens it within one probe interval plus the database timeout of
/// an outage (or at once, when a request meets a connection error), `DatabaseOutageMiddleware`
/// then answers 503 at once and lets go of the requests waiting inside, and the probe closes it
/// when the database answers again. One log line and one counter per outage, not per request.
public final class DatabaseAvailability: Sendable {
    /// How long clients are told to wait before retrying (`Retry-After`).
    public let retryAfterSeconds: Int
    private let state = NIOLockedValueBox(State())

    private struct State {
        var downSince: ContinuousClock.Instant?
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    public init(retryAfterSeconds: Int = 5) {
        self.retryAfterSeconds = retryAfterSeconds
        Gauge(label: "tract_database_available").record(1)
    }

    public var isAvailable: Bool { self.state.withLockedValue { $0.downSince == nil } }

    /// Marks the database unreachable: logged and counted once per outage; every request waiting
    /// in `untilUnavailable()` is released.
    public func markUnavailable(because error: any Error, logger: Logger) {
        let released: [CheckedContinuation<Void, Never>]? = self.state.withLockedValue { state in
            guard state.downSince == nil else { return nil }
            state.downSince = .now
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        guard let released else { return }
        logger.error("database unavailable: answering 503 until it is back", metadata: ["error": .string(String(reflecting: error))])
        Counter(label: "tract_database_outages_total").increment()
        Gauge(label: "tract_database_available").record(0)
        for waiter in released { waiter.resume() }
    }

    /// Marks the database reachable again (the probe's answer); logs how long the outage lasted.
    public func markAvailable(logger: Logger) {
        let since: ContinuousClock.Instant? = self.state.withLockedValue { state in
            defer { state.downSince = nil }
            return state.downSince
        }
        guard let since else { return }
        Gauge(label: "tract_database_available").record(1)
        logger.notice("database available again", metadata: ["outage_ms": .stringConvertible(Int((ContinuousClock.now - since).inSeconds * 1000))])
    }

    /// Returns when the database is found unreachable (at once if it already is), or when the
    /// calling task is cancelled.
    func untilUnavailable() async {
        let id = self.state.withLockedValue { state -> Int in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLockedValue { state -> Bool in
                    if state.downSince != nil || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// The 503 every route answers while the database is unreachable.
    public var problem: Problem {
        Problem(
            .serviceUnavailable,
            detail: "The service cannot reach its database just now. Nothing was changed; try again shortly.",
            headers: [.retryAfter: String(self.retryAfterSeconds)],
            type: "https://tract.dev/problems/database-unavailable"
        )
    }

    /// Whether `error` means the database cannot be reached or will not take a connection (as
    /// opposed to a query's own failure): connection refused or lost, the pool's breaker, and the
    /// server's "too many connections", "shutting down" and "starting up" answers.
    public static func isOutage(_ error: any Error) -> Bool {
        switch error {
        case let error as PostgresTransactionError:
            return [error.beginError, error.commitError, error.closureError].contains { $0.map(Self.isOutage) ?? false }
        case _ where String(describing: type(of: error)) == "ConnectionPoolError":
            // The pool's own breaker tripped; its type lives in the underscored
            // `_ConnectionPoolModule`, which the kit does not link for one type check.
            return true
        case let error as PSQLError:
            switch error.code {
            case .connectionError, .serverClosedConnection, .uncleanShutdown, .poolClosed:
                return true
            case .server:
                let state = error.serverInfo?[.sqlState] ?? ""
                // Class 08 connection exception; 53300 too_many_connections; 57P01–57P03 shutdown,
                // crash, cannot connect now.
                return state.hasPrefix("08") || ["53300", "57P01", "57P02", "57P03"].contains(state)
            default:
                return false
            }
        default:
            return false
        }
    }
}
