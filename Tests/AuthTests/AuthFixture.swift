import AuthService
import Crypto
import Foundation
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport

/// The auth service running on a real port against a database of its own, verifying tokens with
/// its own JWKS, as in production.
struct AuthFixture: Sendable {
    let client: JSONClient
    let database: TestDatabase
    let settings: AuthSettings

    static let keyEncryptionKey = SymmetricKey(data: Data(repeating: 7, count: 32))

    static func settings(
        grace: Duration = .seconds(10),
        lockoutThreshold: Int = 30,
        limits: RateLimits = RateLimits(),
        clients: [(id: String, secret: String)] = [
            ("properties", "properties-test-secret-0123456789"), ("investments", "investments-test-secret-0123456789"),
            ("analytics", "analytics-test-secret-0123456789"),
        ]
    ) -> AuthSettings {
        AuthSettings(
            refreshReuseGrace: grace,
            keyEncryptionKey: Self.keyEncryptionKey,
            serviceClients: clients,
            limits: limits,
            lockout: LockoutPolicy(threshold: lockoutThreshold)
        )
    }

    /// `trustsForwardedFor`: the test's loopback is a trusted proxy, as the gateway is, so
    /// `X-Forwarded-For` names the client address,
    /// so a test can speak from several addresses.
    static func run(
        settings: AuthSettings = AuthFixture.settings(),
        trustsForwardedFor: Bool = false,
        clock: ServiceClock = .system,
        _ body: @escaping @Sendable (AuthFixture) async throws -> Void
    ) async throws {
        try await TestDatabase.with(services: [.auth]) { database in
            try await Self.run(settings: settings, in: database, trustsForwardedFor: trustsForwardedFor, clock: clock, body)
        }
    }

    /// Auth on a database that already exists, as a restarted process finds it.
    static func run(
        settings: AuthSettings,
        in database: TestDatabase,
        trustsForwardedFor: Bool = false,
        clock: ServiceClock = .system,
        _ body: @escaping @Sendable (AuthFixture) async throws -> Void
    ) async throws {
        let port = try await freePort()
        let jwks = URL(string: "http://127.0.0.1:\(port)/.well-known/jwks.json")!
        var configuration = ServiceConfiguration.forTesting(.auth, database: database, jwksURL: jwks, port: port)
        // Loopback stands in for the gateway: its X-Forwarded-For names the client.
        if trustsForwardedFor { configuration.trustedProxies = TrustedProxies(parsing: "127.0.0.1,::1") ?? .none }
        let app = try await buildApplication(
            configuration, settings: settings, overrides: ServiceOverrides(runsOutboxDispatcher: false, clock: clock))
        try await withRunningApplication(app, port: port) {
            try await body(AuthFixture(client: JSONClient(port: port), database: database, settings: settings))
        }
    }

    /// A service token from the client-credentials grant for one of the default clients.
    func serviceToken(_ client: ServiceName) async throws -> String {
        let reply = try await self.client.postForm(
            "/v1/auth/token", "grant_type=client_credentials&client_id=\(client.rawValue)&client_secret=\(client.rawValue)-test-secret-0123456789"
        )
        guard let token = reply.string("access_token") else { throw ServiceTokenRefused(reply: reply.text) }
        return token
    }

    /// Signs up and marks the email verified (the mail path is tested end to end elsewhere).
    func verifiedUser(_ email: String = "ann.\(UUID().uuidString.prefix(8))@example.com", password: String = "correct horse battery") async throws
        -> String
    {
        let reply = try await self.client.post(
            "/v1/auth/signup", #"{"email":"\#(email)","password":"\#(password)","source":"qualify_as_an_investor"}"#)
        precondition(reply.status == 202, reply.text)
        try await self.sql("UPDATE auth.users SET email_verified_at = now() WHERE email = '\(email.lowercased())'")
        return email.lowercased()
    }

    func signIn(
        _ email: String, password: String = "correct horse battery",
        userAgent: String = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Chrome/120.0 Safari/537.36"
    ) async throws -> JSONClient.Reply {
        try await self.client.post(
            "/v1/auth/token",
            #"{"grant_type":"password","email":"\#(email)","password":"\#(password)"}"#,
            headers: [("User-Agent", userAgent)]
        )
    }

    func refresh(_ token: String) async throws -> JSONClient.Reply {
        try await self.client.post("/v1/auth/token", #"{"grant_type":"refresh_token","refresh_token":"\#(token)"}"#)
    }

    @discardableResult
    func sql(_ text: String) async throws -> [String] {
        try await TestDatabase.withAdmin(database: self.database.name) { admin in
            var values: [String] = []
            for try await row in try await admin.query(PostgresQuery(unsafeSQL: text)) {
                values.append((try? row.decode(String.self)) ?? "")
            }
            return values
        }
    }

    /// The number a one-value query returns.
    func count(_ query: String) async throws -> Int {
        Int(try await self.sql("SELECT (\(query))::text").first ?? "") ?? -1
    }
}

struct ServiceTokenRefused: Error {
    var reply: String
}

extension AuthFixture {
    /// The newest email auth has asked communications to send to `email`, from the outbox.
    func lastMail(to email: String) async throws -> (template: String, variables: [String: String])? {
        let rows = try await self.sql(
            """
            SELECT envelope::text FROM auth.outbox
            WHERE event_type = 'email.requested' AND envelope->'payload'->'email'->>'to' = '\(email)'
            ORDER BY id DESC LIMIT 1
            """
        )
        guard let text = rows.first, let envelope = try? JSONDecoder.tract.decode(EventEnvelope.self, from: Data(text.utf8)) else {
            return nil
        }
        let request = try envelope.decodePayload(as: EmailRequested.self).email
        return (request.templateKey, request.variables)
    }

    /// The `token` query item of a link.
    static func token(in link: String?) -> String? {
        link.flatMap { URLComponents(string: $0)?.queryItems?.first { $0.name == "token" }?.value }
    }
}
