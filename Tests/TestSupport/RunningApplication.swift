import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import Models
import NIOConcurrencyHelpers
import NIOHTTP1
import ServiceKit
import ServiceLifecycle

extension ServiceConfiguration {
    /// A configuration for a service under test: its own database, the test issuer's JWKS, fast
    /// outbox timings, and whatever peers the test runs.
    public static func forTesting(
        _ service: ServiceName,
        database: TestDatabase,
        jwksURL: URL,
        port: Int? = nil,
        peers: [String: URL] = [:],
        maxBodyBytes: Int = 1 << 20
    ) -> ServiceConfiguration {
        ServiceConfiguration(
            service: service,
            port: port,
            database: database.url(for: service),
            databasePoolSize: 4,
            logLevel: ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical,
            maxBodyBytes: maxBodyBytes,
            // Every suite starts services at once on two cores: a probe's query can wait its turn
            // for seconds, which is load, not an unready service.
            readinessTimeout: .seconds(30),
            // Likewise for calls between the services under test: a slow answer under that load
            // is not a failed delivery.
            peerTimeout: .seconds(30),
            identity: IdentityConfiguration(jwksURL: jwksURL, issuer: "tract-auth", audience: "tract"),
            events: EventConfiguration(
                peers: peers,
                pollInterval: .milliseconds(20),
                batchSize: 50,
                retryBase: .milliseconds(50),
                maximumBackoff: .milliseconds(200)
            )
        )
    }
}

/// Runs `app` on its configured loopback port until `body` returns, waiting first until it answers
/// `/health/live`: a real server for tests where a real socket matters. An app that stops before
/// it answers (its port taken, its start-up failed) is reported at once, with its error.
public func withRunningApplication<App: ApplicationProtocol, T: Sendable>(
    _ app: App,
    port: Int,
    shutdownLimit: Duration = gracefulShutdownLimit,
    _ body: @Sendable () async throws -> T
) async throws -> T {
    let group = ServiceGroup(
        configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "test.app"))
    )
    let stopped = NIOLockedValueBox<StoppedApplication?>(nil)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            do {
                try await group.run()
                stopped.withLockedValue { $0 = StoppedApplication(error: nil) }
            } catch {
                stopped.withLockedValue { $0 = StoppedApplication(error: error) }
                throw error
            }
        }
        do {
            // Generous: with every suite starting services at once on two cores (migrations,
            // PostGIS, Argon2), a start can take far longer than it does alone.
            let up = try await eventually(timeout: .seconds(90)) {
                if let ended = stopped.withLockedValue({ $0 }) { throw ApplicationDidNotStart(port: port, underlying: ended.error) }
                let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/health/live")
                guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(1)) else {
                    return false
                }
                return response.status.code == 200
            }
            guard up else { throw ApplicationDidNotStart(port: port) }
            let result = try await body()
            await ServiceGroup.stop(group, in: &tasks, port: port, limit: shutdownLimit)
            return result
        } catch {
            await ServiceGroup.stop(group, in: &tasks, port: port, limit: shutdownLimit)
            throw error
        }
    }
}

/// How long a graceful shutdown may take before the test harness stops the application outright.
/// Graceful shutdown itself is judged where it matters, on the real executables (SystemTests
/// require exit 0 within 15 s); here a shutdown that never ends would hang the whole run (seen
/// once in 700 tests: an HTTP connection the client had closed, left in CLOSE-WAIT, held the
/// server's drain), so after this long the run goes on and says so loudly.
public let gracefulShutdownLimit: Duration = .seconds(60)

extension ServiceGroup {
    fileprivate static func stop(_ group: ServiceGroup, in tasks: inout ThrowingTaskGroup<Void, any Error>, port: Int, limit: Duration) async {
        await group.triggerGracefulShutdown()
        tasks.addTask {
            try await Task.sleep(for: limit)
            throw GracefulShutdownTimedOut(port: port, limit: limit)
        }
        // The first to finish: the application (stopped in time) or the limit.
        do {
            try await tasks.next()
        } catch let error as GracefulShutdownTimedOut {
            print("warning: \(error)")
        } catch {
            // The application's own error; the caller's result or error stands.
        }
        tasks.cancelAll()
    }
}

/// The application under test did not finish its graceful shutdown within the limit.
struct GracefulShutdownTimedOut: Error, CustomStringConvertible {
    var port: Int
    var limit: Duration
    var description: String {
        "the application on port \(self.port) did not finish its graceful shutdown within \(self.limit); it was cancelled"
    }
}

private struct StoppedApplication: Sendable {
    var error: (any Error)?
}

/// The application under test never answered `/health/live`.
public struct ApplicationDidNotStart: Error, CustomStringConvertible {
    public var port: Int
    /// Why it stopped, when it stopped before answering.
    public var underlying: (any Error)?

    public init(port: Int, underlying: (any Error)? = nil) {
        self.port = port
        self.underlying = underlying
    }

    public var description: String {
        guard let underlying else { return "the application on port \(self.port) did not answer /health/live within 90 s" }
        return "the application on port \(self.port) stopped before it answered /health/live: \(String(reflecting: underlying))"
    }
}
