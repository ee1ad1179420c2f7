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
            await group.triggerGracefulShutdown()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
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
