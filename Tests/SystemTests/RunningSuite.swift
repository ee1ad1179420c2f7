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
    /// What tests and peers call: the one replica, or with replicas a round-robin front for them.
    let urls: [ServiceName: String]
    /// Each replica's own base URL, in start order (one entry without replicas).
    let replicaURLs: [ServiceName: [String]]
    let database: TestDatabase
    let sink: MailSink

    var auth: String { self.urls[.auth]! }
    var communications: String { self.urls[.communications]! }
    var properties: String { self.urls[.properties]! }
    var investments: String { self.urls[.investments]! }

    /// `TRACT_SYSTEM_REPLICAS` (default 1): how many processes of each service `with` starts when
    /// the test does not say (`TRACT_SYSTEM_REPLICAS=3 scripts/test.sh --filter SystemTests` runs
    /// the journeys as production runs them). CI keeps 1 for the journeys and runs
    /// ReplicaBehaviourTests at 3: every journey at 3 on two cores timed out a start-up (README "Replicas").
    static var defaultReplicas: Int {
        ProcessInfo.processInfo.environment["TRACT_SYSTEM_REPLICAS"].flatMap(Int.init).map { max(1, min($0, 5)) } ?? 1
    }

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
    /// does not judge the exit; the processes are stopped all the same). `replicas` processes of
    /// each service start at once on the empty database (each migrates on start, as pods do);
    /// with more than one, each service's URL is a `TCPRelay` spreading connections over them.
    static func with(
        _ services: [ServiceName], environment extra: [String: String] = [:], databasePort: Int? = nil,
        replicas: Int = RunningSuite.defaultReplicas, shutdownTimeout: Duration? = .seconds(15),
        _ body: @Sendable (RunningSuite) async throws -> Void
    ) async throws {
        let sink = try MailSink()
        try await TestDatabase.with(services: services) { database in
            var ports: [ServiceName: [Int]] = [:]
            var fronts: [ServiceName: TCPRelay] = [:]
            defer { for front in fronts.values { Task { await front.close() } } }
            for service in services {
                var replicaPorts: [Int] = []
                for _ in 0..<max(1, replicas) { replicaPorts.append(try await freePort()) }
                ports[service] = replicaPorts
                if replicaPorts.count > 1 { fronts[service] = try await TCPRelay(to: "127.0.0.1", ports: replicaPorts) }
            }
            let secrets = Dictionary(uniqueKeysWithValues: services.map { ($0, "\($0.rawValue)-journey-secret-0123456789") })
            // A service that is not started is unreachable (the discard port), as when it is down.
            let urls = Dictionary(
                uniqueKeysWithValues: ServiceName.allCases.map { service in
                    let port = fronts[service]?.port ?? ports[service]?.first
                    return (service, port.map { "http://127.0.0.1:\($0)" } ?? "http://127.0.0.1:9")
                })
            let replicaURLs = ports.mapValues { $0.map { "http://127.0.0.1:\($0)" } }
            let auth = urls[.auth]!
            var processes: [ServiceProcess] = []
            defer { for process in processes where process.process.isRunning { process.process.terminate() } }
            for service in services {
                var environment = [
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
                for port in ports[service]! {
                    environment["PORT"] = String(port)
                    let process = ServiceProcess(service, port: port, environment: environment)
                    try process.start()
                    processes.append(process)
                }
            }
            for process in processes {
                let ready = try await eventually(timeout: .seconds(60), interval: .milliseconds(100)) {
                    (try? await SystemClient.send(.GET, "http://127.0.0.1:\(process.port)/health/ready"))?.status == 200
                }
                try #require(
                    ready, "\(process.service) on port \(process.port) became ready; it printed:\n\(process.printed.suffix(3000))")
            }
            try await body(RunningSuite(urls: urls, replicaURLs: replicaURLs, database: database, sink: sink))
            for process in processes {
                guard let shutdownTimeout else {
                    _ = await process.terminate(timeout: .seconds(5))
                    continue
                }
                let status = await process.terminate(timeout: shutdownTimeout)
                #expect(
                    status == 0, "\(process.service) on port \(process.port) exits 0 on SIGTERM; it printed:\n\(process.printed.suffix(3000))")
            }
        }
    }
}
