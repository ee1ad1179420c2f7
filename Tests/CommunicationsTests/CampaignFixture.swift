import AnalyticsService
import AsyncHTTPClient
import AuthService
import Crypto
import Foundation
import Models
import PostgresNIO
import SMTP
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// communications on a real port with a database of its own, its campaign sender polling often,
/// mailing the Python sink (an independent parser reads every message back), links under
/// https://app.tract.example.
struct CampaignFixture: Sendable {
    let client: JSONClient
    let database: TestDatabase
    let issuer: TestIssuer
    let sink: MailSink
    let staff: String
    let staffID: UUID
    /// Running only with `withAudienceServices`.
    let auth: JSONClient
    let analytics: JSONClient

    static let publicURL = "https://app.tract.example"

    /// A client that shows a redirect instead of following it (the click target is no server of ours).
    static let noRedirects = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    /// `withAudienceServices`: a real analytics (segments) and auth (addresses) beside it, for
    /// segment audiences; `analytics` and `auth` are their clients.
    static func run(
        campaigns: CampaignSettings = Self.fast, withAudienceServices: Bool = false,
        _ body: @escaping @Sendable (CampaignFixture) async throws -> Void
    ) async throws {
        let issuer = try TestIssuer()
        let sink = try MailSink()
        try await issuer.serve { jwksURL in
            try await TestDatabase.with(services: withAudienceServices ? [.communications, .auth, .analytics] : [.communications]) { database in
                let port = try await freePort()
                let (authPort, analyticsPort) = (try await freePort(), try await freePort())
                let peers =
                    withAudienceServices
                    ? ["auth": URL(string: "http://127.0.0.1:\(authPort)")!, "analytics": URL(string: "http://127.0.0.1:\(analyticsPort)")!] : [:]
                let configuration = ServiceConfiguration.forTesting(.communications, database: database, jwksURL: jwksURL, port: port, peers: peers)
                let mail = MailSettings(
                    smtp: SMTPConfiguration(
                        host: "127.0.0.1", port: sink.port, security: .none, heloName: "tract.example", exchangeTimeout: .seconds(10)),
                    from: try EmailAddress("news@tract.example", name: "Tract"))
                var notifications = NotificationSettings()
                notifications.publicURL = URL(string: Self.publicURL)!
                let app = try await buildApplication(
                    configuration, mail: mail, notifications: notifications, campaigns: campaigns,
                    overrides: ServiceOverrides(
                        serviceTokens: TestServiceTokens(issuer: issuer, service: .communications), runsOutboxDispatcher: false))
                let staffID = UUID()
                let staff = try await issuer.token(subject: staffID.uuidString.lowercased(), roles: [.admin])
                let fixture = CampaignFixture(
                    client: JSONClient(port: port), database: database, issuer: issuer, sink: sink, staff: staff, staffID: staffID,
                    auth: JSONClient(port: authPort), analytics: JSONClient(port: analyticsPort))
                guard withAudienceServices else {
                    return try await withRunningApplication(app, port: port) { try await body(fixture) }
                }
                let auth = try await AuthService.buildApplication(
                    .forTesting(.auth, database: database, jwksURL: jwksURL, port: authPort),
                    settings: AuthSettings(keyEncryptionKey: SymmetricKey(data: Data(repeating: 5, count: 32))),
                    overrides: ServiceOverrides(runsOutboxDispatcher: false))
                let analytics = try await AnalyticsService.buildApplication(
                    .forTesting(.analytics, database: database, jwksURL: jwksURL, port: analyticsPort),
                    overrides: ServiceOverrides(runsOutboxDispatcher: false))
                try await withRunningApplication(auth, port: authPort) {
                    try await withRunningApplication(analytics, port: analyticsPort) {
                        try await withRunningApplication(app, port: port) { try await body(fixture) }
                    }
                }
            }
        }
    }

    /// Polls every 50 ms, no throttle worth the name.
    static var fast: CampaignSettings {
        var settings = CampaignSettings()
        settings.pollInterval = .milliseconds(50)
        settings.messagesPerSecond = 10_000
        return settings
    }

    func investorToken(_ user: UUID = UUID()) async throws -> String {
        try await self.issuer.token(subject: user.uuidString.lowercased(), roles: [.investor])
    }

    func sql(_ text: String) async throws -> [String] {
        try await TestDatabase.withAdmin(database: database.name) { admin in
            var values: [String] = []
            for try await row in try await admin.query(PostgresQuery(unsafeSQL: text)) {
                values.append((try? row.decode(String.self)) ?? "")
            }
            return values
        }
    }

    static let html = """
        <html><body><p>Hello {{name}},</p>
        <p>Our <a href="https://tract.example/offerings/riverside?utm_source=mail&amp;x=1">Riverside offering</a> is open.</p>
        <p><a href='https://tract.example/blog'>Blog</a> · <a href="{{unsubscribe_url}}">Unsubscribe</a></p></body></html>
        """
    static let text = "Hello {{name}},\nRiverside is open: https://tract.example/offerings/riverside\nUnsubscribe: {{unsubscribe_url}}\n"

    /// A list campaign's id, as staff write it.
    func createCampaign(name: String = "December news", subject: String = "News for {{name}} & friends") async throws -> String {
        let body = try Self.json([
            "name": name, "subject": subject, "html_template": Self.html, "text_template": Self.text, "audience": "list",
        ])
        let reply = try await self.client.post("/v1/communications/campaigns", body, token: self.staff)
        #expect(reply.status == 201, "\(reply.text)")
        return try #require(reply.string("id"))
    }

    struct Recipient: Sendable {
        var email: String
        var user: UUID
        var name: String
    }

    static func recipients(_ count: Int, prefix: String = "r") -> [Recipient] {
        (0..<count).map { Recipient(email: "\(prefix)\($0)@example.com", user: UUID(), name: "Reader \($0)") }
    }

    func upload(_ campaign: String, _ recipients: [Recipient]) async throws {
        for start in stride(from: 0, to: recipients.count, by: 1000) {
            let items = recipients[start..<min(start + 1000, recipients.count)].map {
                ["email": $0.email, "user_id": $0.user.uuidString.lowercased(), "name": $0.name]
            }
            let reply = try await self.client.post(
                "/v1/communications/campaigns/\(campaign)/recipients", try Self.json(["recipients": items]), token: self.staff)
            #expect(reply.status == 200, "\(reply.text)")
        }
    }

    func report(_ campaign: String) async throws -> JSONClient.Reply {
        try await self.client.get("/v1/communications/campaigns/\(campaign)/report", token: self.staff)
    }

    /// Waits for the campaign to reach `status`.
    func waitFor(_ campaign: String, status: String, timeout: Duration = .seconds(30)) async throws {
        let reached = try await eventually(timeout: timeout, interval: .milliseconds(50)) {
            try await self.client.get("/v1/communications/campaigns/\(campaign)", token: self.staff).string("status") == status
        }
        #expect(reached, "campaign \(campaign) did not become \(status)")
    }

    static func json(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }
}

extension JSONClient.Reply {
    func int(_ key: String) -> Int? {
        if case .number(let value)? = self[key] { return Int(value) }
        return nil
    }
}
