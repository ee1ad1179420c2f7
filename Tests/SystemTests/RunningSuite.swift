import Foundation
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Some of the suite's services as real processes, configured as `make run` configures them, on a
/// test database of their own, with communications delivering over SMTP to a real server (the sink).
struct RunningSuite: Sendable {
    let urls: [ServiceName: String]
    let database: TestDatabase
    let sink: MailSink

    var auth: String { self.urls[.auth]! }
    var communications: String { self.urls[.communications]! }
    var properties: String { self.urls[.properties]! }
    var investments: String { self.urls[.investments]! }

    /// Runs SQL as the superuser on the suite's database (for what only staff do by hand, such as
    /// making a user an admin).
    func sql(_ text: String) async throws {
        try await TestDatabase.withAdmin(database: self.database.name) { admin in
            try await admin.query(PostgresQuery(unsafeSQL: text))
        }
    }

    /// `environment` is added to every service's; `databasePort`, when set, is where the services
    /// find Postgres instead of the cluster's own port (a `TCPRelay` the test can cut);
    /// `shutdownTimeout` is how long each process is given to exit 0 after SIGTERM (nil: the test
    /// does not judge the exit; the processes are stopped all the same).
    static func with(
        _ services: [ServiceName], environment extra: [String: String] = [:], databasePort: Int? = nil,
        shutdownTimeout: Duration? = .seconds(15), _ body: @Sendable (RunningSuite) async throws -> Void
    ) async throws {
        let sink = try MailSink()
        try await TestDatabase.with(services: services) { database in
            var ports: [ServiceName: Int] = [:]
            for service in services { ports[service] = try await freePort() }
            let secrets = Dictionary(uniqueKeysWithValues: services.map { ($0, "\($0.rawValue)-journey-secret-0123456789") })
            // A service that is not started is unreachable (the discard port), as when it is down.
            let urls = Dictionary(
                uniqueKeysWithValues: ServiceName.allCases.map { service in
                    (service, ports[service].map { "http://127.0.0.1:\($0)" } ?? "http://127.0.0.1:9")
                })
            let auth = urls[.auth]!
            var processes: [ServiceProcess] = []
            defer { for process in processes where process.process.isRunning { process.process.terminate() } }
            for service in services {
                var environment = [
                    "PORT": String(ports[service]!),
                    "DATABASE_URL": SuiteBootTests.urlString(
                        {
                            var url = database.url(for: service)
                            url.port = databasePort ?? url.port
                            return url
                        }()),
                    "AUTH_JWKS_URL": "\(auth)/.well-known/jwks.json",
                    "AUTH_TOKEN_URL": "\(auth)/v1/auth/token",
                    "SERVICE_CLIENT_SECRET": secrets[service]!,
                    "OUTBOX_POLL_INTERVAL_MS": "50",
                    "OUTBOX_RETRY_BASE_MS": "100",
                    // Under the whole suite's load a call to a peer can take more than the 5 s default.
                    "PEER_TIMEOUT_MS": "30000", "READINESS_TIMEOUT_MS": "30000",
                    "LOG_LEVEL": "warning",
                    "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                    "PUBLIC_URL": "https://app.tract.test",
                    // auth
                    "SIGNING_KEY_ENCRYPTION_KEY": Data(repeating: 5, count: 32).base64EncodedString(),
                    "SERVICE_CLIENTS": services.map { "\($0.rawValue):\(secrets[$0]!)" }.joined(separator: ","),
                    // communications
                    "SMTP_PORT": String(sink.port),
                    "MAIL_FROM": "Tract <no-reply@tract.test>",
                ]
                for (peer, url) in urls { environment["\(peer.rawValue.uppercased())_URL"] = url }
                environment.merge(extra) { _, added in added }
                let process = ServiceProcess(service, port: ports[service]!, environment: environment)
                try process.start()
                processes.append(process)
            }
            for process in processes {
                let ready = try await eventually(timeout: .seconds(60), interval: .milliseconds(100)) {
                    (try? await SystemClient.send(.GET, "http://127.0.0.1:\(process.port)/health/ready"))?.status == 200
                }
                try #require(ready, "\(process.service) became ready")
            }
            try await body(RunningSuite(urls: urls, database: database, sink: sink))
            for process in processes {
                guard let shutdownTimeout else {
                    _ = await process.terminate(timeout: .seconds(5))
                    continue
                }
                let status = await process.terminate(timeout: shutdownTimeout)
                #expect(status == 0, "\(process.service) exits 0 on SIGTERM; it printed:\n\(process.printed.suffix(3000))")
            }
        }
    }
}
