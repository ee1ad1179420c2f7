import Foundation
import Models
import PostgresNIO
import SMTP
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService
@testable import PropertiesService

/// communications on a real port for webinars, bounces and suppressions: a clock the test moves,
/// a bounce provider secret, and when asked a real properties service it asks who sponsors a
/// property.
struct WebinarFixture: Sendable {
    let client: JSONClient
    let properties: JSONClient?
    let database: TestDatabase
    let issuer: TestIssuer
    let clock: MessagingFixture.TestClock

    /// The `postmark` provider's secret (32 bytes, base64), as an operator would configure it.
    static let bounceSecret = "whsec_" + Data((0..<32).map { UInt8($0 * 7 % 256) }).base64EncodedString()

    static func run(
        withProperties: Bool = false,
        webinars: WebinarSettings = WebinarSettings(reminderInterval: .seconds(3600)),
        bounceMaildir: URL? = nil,
        _ body: @escaping @Sendable (WebinarFixture) async throws -> Void
    ) async throws {
        let issuer = try TestIssuer()
        let sink = try MailSink()
        let clock = MessagingFixture.TestClock()
        let bounces = BounceSettings(
            providerSecrets: try BounceSettings.parseSecrets("postmark=\(Self.bounceSecret)"), maildir: bounceMaildir,
            maildirInterval: .milliseconds(50))
        try await issuer.serve { jwksURL in
            try await TestDatabase.with(services: withProperties ? [.communications, .properties] : [.communications]) { database in
                let port = try await freePort()
                let propertiesPort = try await freePort()
                let peers = withProperties ? ["properties": URL(string: "http://127.0.0.1:\(propertiesPort)")!] : [:]
                let mail = MailSettings(
                    smtp: SMTPConfiguration(
                        host: "127.0.0.1", port: sink.port, security: .none, heloName: "tract.example", exchangeTimeout: .seconds(10)),
                    from: try EmailAddress("no-reply@tract.example", name: "Tract")
                )
                let app = try await buildApplication(
                    .forTesting(.communications, database: database, jwksURL: jwksURL, port: port, peers: peers), mail: mail,
                    webinars: webinars, bounces: bounces,
                    overrides: ServiceOverrides(
                        serviceTokens: TestServiceTokens(issuer: issuer, service: .communications), runsOutboxDispatcher: false,
                        clock: clock.serviceClock, ids: .uuidV7(.system))
                )
                try await withRunningApplication(app, port: port) {
                    let fixture = WebinarFixture(
                        client: JSONClient(port: port), properties: withProperties ? JSONClient(port: propertiesPort) : nil, database: database,
                        issuer: issuer, clock: clock)
                    guard withProperties else { return try await body(fixture) }
                    let properties = try await PropertiesService.buildApplication(
                        .forTesting(.properties, database: database, jwksURL: jwksURL, port: propertiesPort),
                        settings: PropertiesSettings(censusGeocoderURL: URL(string: "http://127.0.0.1:1")!),
                        overrides: ServiceOverrides(
                            serviceTokens: TestServiceTokens(issuer: issuer, service: .properties), runsOutboxDispatcher: false)
                    )
                    try await withRunningApplication(properties, port: propertiesPort) { try await body(fixture) }
                }
            }
        }
    }

    func user(_ roles: [Role] = [.investor]) async throws -> MessagingFixture.User {
        let id = UUID()
        return MessagingFixture.User(id: id, token: try await self.issuer.token(subject: id.uuidString.lowercased(), roles: roles))
    }

    /// `2026-…Z`, `hours` from the fixture's clock.
    func at(hours: Double) -> String {
        RFC3339.string(from: self.clock.now.addingTimeInterval(hours * 3600))
    }

    /// A webinar body starting `startsIn` hours from now, lasting an hour.
    func webinar(_ title: String = "Opportunity zones 101", startsIn: Double = 48, capacity: Int? = nil, property: String? = nil) throws -> String {
        var object: [String: JSONValue] = [
            "title": .string(title), "kind": .string("webinar"), "starts_at": .string(self.at(hours: startsIn)),
            "ends_at": .string(self.at(hours: startsIn + 1)), "time_zone": .string("America/New_York"),
            "virtual_url": .string("https://meet.example.com/oz-101"),
        ]
        if let capacity { object["capacity"] = .number(Double(capacity)) }
        if let property { object["property_id"] = .string(property) }
        return try MessagingFixture.json(object)
    }

    /// A published platform event hosted by `staff`; its id.
    func publishedEvent(by staff: MessagingFixture.User, startsIn: Double = 48, capacity: Int? = nil) async throws -> String {
        let created = try await self.client.post(
            "/v1/communications/events", try self.webinar(startsIn: startsIn, capacity: capacity), token: staff.token)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.string("id"))
        let published = try await self.client.post("/v1/communications/events/\(id)/publish", "", token: staff.token)
        #expect(published.status == 200, "\(published.text)")
        return id
    }

    /// The caller's notifications of `type`.
    func notifications(of user: MessagingFixture.User, type: String) async throws -> [JSONValue] {
        let reply = try await self.client.get("/v1/communications/notifications?limit=200", token: user.token)
        #expect(reply.status == 200, "\(reply.text)")
        return items(reply["data"]).filter { $0["type"] == .string(type) }
    }

    func sql(_ text: String) async throws -> [String] {
        try await TestDatabase.withAdmin(database: self.database.name) { admin in
            var values: [String] = []
            for try await row in try await admin.query(PostgresQuery(unsafeSQL: text)) {
                values.append((try? row.decode(String.self)) ?? "")
            }
            return values
        }
    }
}
