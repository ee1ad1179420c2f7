import Foundation
import Models
import NIOConcurrencyHelpers
import NIOHTTP1
import PostgresNIO
import SMTP
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService
@testable import PropertiesService

/// communications on a real port for the messaging tests, with a clock the test moves and, when
/// asked, a real properties service it calls with its own service token ("ask the sponsor",
/// attachments).
struct MessagingFixture: Sendable {
    let client: JSONClient
    let properties: JSONClient?
    let database: TestDatabase
    let issuer: TestIssuer
    let clock: TestClock

    /// A clock that stays where the test puts it.
    final class TestClock: Sendable {
        let box = NIOLockedValueBox(Date())
        var now: Date { self.box.withLockedValue { $0 } }
        func advance(seconds: Double) { self.box.withLockedValue { $0 = $0.addingTimeInterval(seconds) } }
        var serviceClock: ServiceClock { ServiceClock { self.now } }
    }

    static func run(
        withProperties: Bool = false,
        messaging: MessagingSettings = MessagingSettings(),
        _ body: @escaping @Sendable (MessagingFixture) async throws -> Void
    ) async throws {
        let issuer = try TestIssuer()
        let sink = try MailSink()
        let clock = TestClock()
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
                    messaging: messaging,
                    overrides: ServiceOverrides(
                        serviceTokens: TestServiceTokens(issuer: issuer, service: .communications), runsOutboxDispatcher: false,
                        clock: clock.serviceClock, ids: .uuidV7(.system))
                )
                try await withRunningApplication(app, port: port) {
                    let fixture = MessagingFixture(
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

    /// A user: their id and an access token.
    struct User: Sendable {
        let id: UUID
        let token: String
        var path: String { self.id.uuidString.lowercased() }
    }

    func user(_ roles: [Role] = [.investor]) async throws -> User {
        let id = UUID()
        return User(id: id, token: try await self.issuer.token(subject: id.uuidString.lowercased(), roles: roles))
    }

    /// `a` asks, `b` accepts: through the routes.
    func connect(_ a: User, _ b: User) async throws {
        let asked = try await self.client.post("/v1/communications/connections", #"{"user_id":"\#(b.path)"}"#, token: a.token)
        #expect(asked.status == 201, "\(asked.text)")
        let id = try #require(asked.string("id"))
        let accepted = try await self.client.post("/v1/communications/connections/\(id)/accept", "", token: b.token)
        #expect(accepted.status == 200, "\(accepted.text)")
    }

    /// A direct conversation between two connected users; its id.
    func direct(_ a: User, _ b: User) async throws -> String {
        let opened = try await self.client.post("/v1/communications/conversations", #"{"kind":"direct","user_id":"\#(b.path)"}"#, token: a.token)
        #expect([200, 201].contains(opened.status), "\(opened.text)")
        return try #require(opened.string("id"))
    }

    func post(_ conversation: String, _ body: String, by user: User) async throws -> JSONClient.Reply {
        try await self.client.post(
            "/v1/communications/conversations/\(conversation)/messages", try Self.json(["body": .string(body)]), token: user.token)
    }

    static func json(_ object: [String: JSONValue]) throws -> String {
        String(decoding: try JSONEncoder().encode(JSONValue.object(object)), as: UTF8.self)
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

/// A problem+json answer with this status.
func expectProblem(_ reply: JSONClient.Reply, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(reply.status == status, "\(reply.status) \(reply.text)", sourceLocation: sourceLocation)
    #expect(reply.headers.first(name: "Content-Type") == "application/problem+json", sourceLocation: sourceLocation)
    #expect(reply["status"] == .number(Double(status)), sourceLocation: sourceLocation)
}

/// The items of a JSON array (none for anything else).
func items(_ value: JSONValue?) -> [JSONValue] {
    if case .array(let items)? = value { return items }
    return []
}
