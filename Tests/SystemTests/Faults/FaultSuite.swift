import Foundation
import Models
import NIOConcurrencyHelpers
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// The suite's services as real processes, configured as `RunningSuite` configures them, that a
/// fault test can kill (SIGKILL), leave down and start again on the same port. Every service has
/// a port and a client secret from the start, so one that is down is simply not answering there.
final class FaultSuite: Sendable {
    let ports: [ServiceName: Int]
    let sink: MailSink
    /// The superuser on the database that holds every service's schemas (for counting).
    let adminURL: DatabaseURL
    private let environments: [ServiceName: [String: String]]
    private let processes = NIOLockedValueBox<[ServiceName: ServiceProcess]>([:])

    func url(_ service: ServiceName) -> String { "http://127.0.0.1:\(self.ports[service]!)" }

    /// Fast retries, so a delivery that failed while a peer was down is tried again within a
    /// couple of seconds of its return. As many attempts as production's 2.7 hours would give: a
    /// mail claimed by a killed `communications` is refused (409) until its claim lapses (120 s),
    /// which 50 attempts two seconds apart would not outlast.
    static let outboxSettings = [
        "OUTBOX_POLL_INTERVAL_MS": "50", "OUTBOX_RETRY_BASE_MS": "100", "OUTBOX_MAX_BACKOFF_SECONDS": "2", "EVENT_MAX_ATTEMPTS": "1000",
    ]

    /// The rate limits a load of writes from one address would hit, raised out of the way.
    static let unlimited = [
        "RATE_LIMIT_SIGNUP_PER_HOUR_PER_IP": "100000", "RATE_LIMIT_EMAIL_PER_HOUR_PER_IP": "100000",
        "RATE_LIMIT_OZ_CHECK_PER_MIN_PER_IP": "1000000", "RATE_LIMIT_TEAM_REQUESTS_PER_HOUR_PER_IP": "1000000",
        "RATE_LIMIT_TEAM_REQUESTS_PER_DAY_PER_REQUESTER": "1000000",
    ]

    private init(databaseURL: (ServiceName) -> DatabaseURL, adminURL: DatabaseURL, environment extra: [String: String]) async throws {
        var ports: [ServiceName: Int] = [:]
        for service in ServiceName.allCases { ports[service] = try await freePort() }
        self.ports = ports
        let sink = try MailSink()
        self.sink = sink
        self.adminURL = adminURL
        let secrets = Dictionary(uniqueKeysWithValues: ServiceName.allCases.map { ($0, "\($0.rawValue)-fault-secret-0123456789") })
        var environments: [ServiceName: [String: String]] = [:]
        for service in ServiceName.allCases {
            var environment = [
                "PORT": String(ports[service]!),
                "DATABASE_URL": SuiteBootTests.urlString(databaseURL(service)),
                "AUTH_JWKS_URL": "http://127.0.0.1:\(ports[.auth]!)/.well-known/jwks.json",
                "AUTH_TOKEN_URL": "http://127.0.0.1:\(ports[.auth]!)/v1/auth/token",
                "SERVICE_CLIENT_SECRET": secrets[service]!,
                "PEER_TIMEOUT_MS": "30000", "READINESS_TIMEOUT_MS": "30000",
                "LOG_LEVEL": "warning",
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                "PUBLIC_URL": "https://app.tract.test",
                "SIGNING_KEY_ENCRYPTION_KEY": Data(repeating: 7, count: 32).base64EncodedString(),
                "SERVICE_CLIENTS": ServiceName.allCases.map { "\($0.rawValue):\(secrets[$0]!)" }.joined(separator: ","),
                "SMTP_PORT": String(sink.port),
                "MAIL_FROM": "Tract <no-reply@tract.test>",
            ]
            for peer in ServiceName.allCases { environment["\(peer.rawValue.uppercased())_URL"] = "http://127.0.0.1:\(ports[peer]!)" }
            environment.merge(Self.outboxSettings) { _, setting in setting }
            environment.merge(Self.unlimited) { _, setting in setting }
            environment.merge(extra) { _, added in added }
            environments[service] = environment
        }
        self.environments = environments
    }

    /// `running` started on a test database of their own on the shared cluster.
    static func with(
        _ running: [ServiceName], environment: [String: String] = [:], _ body: @Sendable (FaultSuite) async throws -> Void
    ) async throws {
        try await TestDatabase.with(services: ServiceName.allCases) { database in
            let suite = try await FaultSuite(
                databaseURL: database.url(for:), adminURL: TestDatabase.adminURL.with(database: database.name), environment: environment)
            try await suite.run(running, body)
        }
    }

    /// `running` started on a private cluster (`PrivateCluster`).
    static func with(
        _ running: [ServiceName], on cluster: PrivateCluster, environment: [String: String] = [:],
        _ body: @Sendable (FaultSuite) async throws -> Void
    ) async throws {
        let suite = try await FaultSuite(databaseURL: cluster.url(for:), adminURL: cluster.adminURL, environment: environment)
        try await suite.run(running, body)
    }

    private func run(_ running: [ServiceName], _ body: @Sendable (FaultSuite) async throws -> Void) async throws {
        defer {
            for process in self.processes.withLockedValue({ Array($0.values) }) where process.process.isRunning {
                kill(process.process.processIdentifier, SIGKILL)
                process.process.waitUntilExit()
            }
        }
        for service in running { try self.launch(service) }
        for service in running { try await self.waitUntilReady(service) }
        try await body(self)
    }

    private func launch(_ service: ServiceName) throws {
        let process = ServiceProcess(service, port: self.ports[service]!, environment: self.environments[service]!)
        try process.start()
        self.processes.withLockedValue { $0[service] = process }
    }

    private func waitUntilReady(_ service: ServiceName) async throws {
        let ready = try await eventually(timeout: .seconds(90), interval: .milliseconds(100)) {
            (try? await SystemClient.send(.GET, self.url(service) + "/health/ready", timeout: .seconds(5)))?.status == 200
        }
        let printed = self.processes.withLockedValue { $0[service] }?.printed.suffix(3000) ?? ""
        try #require(ready, "\(service) became ready; it printed:\n\(printed)")
    }

    /// Starts `service` (again) on its port and waits until it is ready.
    func start(_ service: ServiceName) async throws {
        try self.launch(service)
        try await self.waitUntilReady(service)
    }

    /// SIGKILL: no graceful shutdown, open transactions and in-flight deliveries cut where they are.
    func kill9(_ service: ServiceName) {
        guard let process = self.processes.withLockedValue({ $0.removeValue(forKey: service) }) else { return }
        kill(process.process.processIdentifier, SIGKILL)
        process.process.waitUntilExit()
    }

    /// The end of what each running service printed (its warnings and errors), for a failure's report.
    func printedByEveryService() -> String {
        self.processes.withLockedValue { processes in
            processes.sorted { $0.key.rawValue < $1.key.rawValue }.map { "--- \($0.key.rawValue):\n\($0.value.printed.suffix(4000))" }
                .joined(separator: "\n")
        }
    }

    /// The text a one-value query returns, run as the superuser.
    func text(_ query: String) async throws -> String {
        try await self.one(query, as: String.self) ?? ""
    }

    /// The number a one-value query returns, run as the superuser.
    func count(_ query: String) async throws -> Int {
        try await self.one("SELECT (\(query))::bigint", as: Int64.self).map(Int.init) ?? -1
    }

    private func one<Value: PostgresDecodable & Sendable>(_ query: String, as type: Value.Type) async throws -> Value? {
        try await TestDatabase.withClient(self.adminURL) { admin in
            for try await value in try await admin.query(PostgresQuery(unsafeSQL: query)).decode(Value.self) { return value }
            return nil
        }
    }

    /// Runs SQL as the superuser.
    func sql(_ text: String) async throws {
        try await TestDatabase.withClient(self.adminURL) { admin in
            try await admin.query(PostgresQuery(unsafeSQL: text))
        }
    }

    /// An admin's access token: signed up, made an admin by SQL as staff would by hand, signed in.
    func adminToken(tag: String) async throws -> String {
        let email = "admin.\(tag)@example.com"
        let password = "a fault test passphrase"
        let signedUp = try await SystemClient.send(
            .POST, self.url(.auth) + "/v1/auth/signup", #"{"email":"\#(email)","password":"\#(password)"}"#, timeout: .seconds(60))
        try #require(signedUp.status == 202, "sign-up: \(signedUp.status) \(signedUp.text)")
        try await self.sql("UPDATE auth.users SET account_role = 'admin', email_verified_at = now() WHERE email = '\(email)'")
        let signedIn = try await SystemClient.send(
            .POST, self.url(.auth) + "/v1/auth/token", #"{"grant_type":"password","email":"\#(email)","password":"\#(password)"}"#,
            timeout: .seconds(60))
        return try #require(signedIn.string("access_token"), "sign-in: \(signedIn.text)")
    }
}
