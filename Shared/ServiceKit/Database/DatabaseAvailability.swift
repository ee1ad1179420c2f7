import Foundation
import HTTPTypes
import Logging
import Metrics
import NIOConcurrencyHelpers
import PostgresNIO
import _ConnectionPoolModule

/// Whether this replica can reach its database, and the requests to let go when it cannot.
///
/// PostgresNIO's pool queues a request for a connection while it cannot make one, and gives up
/// only when its own circuit breaker trips after about a minute, so a request that arrives as the
/// database goes away would hang that long and then fail with a 500. This is the kit's breaker in
/// front of it: `DatabaseProbe` opens it within one probe interval plus the database timeout of
/// an outage (or at once, when a request meets a connection error), `DatabaseOutageMiddleware`
/// then answers 503 at once, `RequestBound` lets go of the requests waiting inside, and the probe closes it
/// when the database answers again. One log line and one counter per outage, not per request.
public final class DatabaseAvailability: Sendable {
    /// How long clients are told to wait before retrying (`Retry-After`).
    public let retryAfterSeconds: Int
    private let state = NIOLockedValueBox(State())

    private struct State {
        var downSince: ContinuousClock.Instant?
        var watchers: [Int: @Sendable () -> Void] = [:]
        var nextWatcher = 0
    }

    public init(retryAfterSeconds: Int = 5) {
        self.retryAfterSeconds = retryAfterSeconds
        Gauge(label: "tract_database_available").record(1)
    }

    public var isAvailable: Bool { self.state.withLockedValue { $0.downSince == nil } }

    /// Marks the database unreachable: logged and counted once per outage; every request watching
    /// (`watchForOutage`) is told.
    public func markUnavailable(because error: any Error, logger: Logger) {
        let told: [@Sendable () -> Void]? = self.state.withLockedValue { state in
            guard state.downSince == nil else { return nil }
            state.downSince = .now
            defer { state.watchers = [:] }
            return Array(state.watchers.values)
        }
        guard let told else { return }
        logger.error("database unavailable: answering 503 until it is back", metadata: ["error": .string(String(reflecting: error))])
        Counter(label: "tract_database_outages_total").increment()
        Gauge(label: "tract_database_available").record(0)
        for watcher in told { watcher() }
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

    /// Calls `outage` once, when the database is next found unreachable (at once, on this thread,
    /// if it already is), unless `forget` is called with the returned id first. A request in
    /// flight watches this way, with a closure rather than a task, so watching costs a request no
    /// task of its own.
    func watchForOutage(_ outage: @escaping @Sendable () -> Void) -> Int? {
        let id: Int? = self.state.withLockedValue { state in
            guard state.downSince == nil else { return nil }
            state.nextWatcher &+= 1
            state.watchers[state.nextWatcher] = outage
            return state.nextWatcher
        }
        if id == nil { outage() }
        return id
    }

    /// Stops a watch `watchForOutage` started (the request was answered).
    func forget(_ watch: Int?) {
        guard let watch else { return }
        self.state.withLockedValue { _ = $0.watchers.removeValue(forKey: watch) }
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
        case let error as ConnectionPoolError:
            // The pool's breaker tripped, or it is shut down. A wait for a connection that was
            // cancelled says nothing about the database: its request's bound passed (a pool busy
            // under load), or an outage already declared let it go. Counting it made one slow
            // request under load answer 503 for every request on the replica until the next probe.
            return error != .requestCancelled
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
