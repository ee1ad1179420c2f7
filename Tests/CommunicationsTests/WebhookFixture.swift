import Foundation
import HTTPTypes
import Hummingbird
import Models
import NIOCore
import PostgresNIO
import SMTP
import ServiceKit
import Synchronization
import TestSupport
import Testing

@testable import CommunicationsService
@testable import PropertiesService

/// communications with its webhook worker polling every 20 ms on a clock the test moves (starting
/// at the wall clock's now, so the reference library's timestamp check passes), a real SMTP sink,
/// auth's user directory as a local peer (the owner's mail), optionally a real properties service
/// (whose property an event is about), and a real HTTP receiver the test scripts.
struct WebhookFixture: Sendable {
    let client: JSONClient
    let properties: JSONClient?
    let database: TestDatabase
    let issuer: TestIssuer
    let sink: MailSink
    let clock: TestClock
    let receiver: WebhookReceiver
    /// The receiver's base URL (`http://127.0.0.1:<port>`).
    let receiverURL: URL

    static let owner = UserContact(id: UUID(), email: "sponsor@example.com", firstName: "Sam", emailVerified: true)

    static func run(
        settings: WebhookSettings = WebhookFixture.settings(),
        withProperties: Bool = false,
        secondReplica: Bool = false,
        _ body: @escaping @Sendable (WebhookFixture) async throws -> Void
    ) async throws {
        let issuer = try TestIssuer()
        let sink = try MailSink()
        let clock = TestClock(Date())
        let receiver = WebhookReceiver()
        try await issuer.serve { jwksURL in
            try await withLocalServer(NotificationFixture.peers(accounts: [Self.owner], segments: [:])) { peers in
                try await withLocalServer(receiver.router()) { receiverURL in
                    try await TestDatabase.with(services: withProperties ? [.communications, .properties] : [.communications]) { database in
                        let port = try await freePort()
                        let propertiesPort = try await freePort()
                        var peerURLs = ["auth": peers, "analytics": peers]
                        if withProperties { peerURLs["properties"] = URL(string: "http://127.0.0.1:\(propertiesPort)")! }
                        let mail = MailSettings(
                            smtp: SMTPConfiguration(
                                host: "127.0.0.1", port: sink.port, security: .none, heloName: "tract.example", exchangeTimeout: .seconds(10)),
                            from: try EmailAddress("no-reply@tract.example", name: "Tract"))
                        var notifications = NotificationSettings()
                        notifications.deliveryInterval = .milliseconds(50)
                        notifications.publicURL = URL(string: "https://app.tract.example")!
                        let delivery = notifications
                        let configuration = ServiceConfiguration.forTesting(
                            .communications, database: database, jwksURL: jwksURL, port: port, peers: peerURLs)
                        let overrides = ServiceOverrides(
                            serviceTokens: TestServiceTokens(issuer: issuer, service: .communications), runsOutboxDispatcher: false,
                            clock: clock.serviceClock, ids: .uuidV7(.system))
                        let app = try await buildApplication(
                            configuration, mail: mail, notifications: notifications, webhooks: settings, overrides: overrides)
                        try await withRunningApplication(app, port: port) {
                            let fixture = WebhookFixture(
                                client: JSONClient(port: port), properties: withProperties ? JSONClient(port: propertiesPort) : nil,
                                database: database, issuer: issuer, sink: sink, clock: clock, receiver: receiver, receiverURL: receiverURL)
                            if secondReplica {
                                // Another replica on the same database, started once the first has migrated: its
                                // worker competes for the same deliveries.
                                var second = configuration
                                second.port = try await freePort()
                                let replica = try await buildApplication(
                                    second, mail: mail, notifications: delivery, webhooks: settings, overrides: overrides)
                                return try await withRunningApplication(replica, port: second.port) { try await body(fixture) }
                            }
                            guard withProperties else { return try await body(fixture) }
                            let properties = try await PropertiesService.buildApplication(
                                .forTesting(.properties, database: database, jwksURL: jwksURL, port: propertiesPort),
                                settings: PropertiesSettings(censusGeocoderURL: URL(string: "http://127.0.0.1:1")!),
                                overrides: ServiceOverrides(
                                    serviceTokens: TestServiceTokens(issuer: issuer, service: .properties), runsOutboxDispatcher: false))
                            try await withRunningApplication(properties, port: propertiesPort) { try await body(fixture) }
                        }
                    }
                }
            }
        }
    }

    /// What the tests run with: loopback http receivers allowed, no jitter (exact retry times).
    static func settings(allowPrivateTargets: Bool = true) -> WebhookSettings {
        var settings = WebhookSettings()
        settings.allowPrivateTargets = allowPrivateTargets
        settings.allowHTTP = true
        settings.pollInterval = .milliseconds(20)
        settings.timeout = .seconds(5)
        settings.jitter = { 0 }
        return settings
    }

    struct User: Sendable {
        let id: UUID
        let token: String
    }

    func user(_ roles: [Role] = [.sponsor], id: UUID = UUID()) async throws -> User {
        User(id: id, token: try await self.issuer.token(subject: id.uuidString.lowercased(), roles: roles, expiresIn: 3600))
    }

    /// Registers an endpoint at the receiver's `path`; its id and secret.
    func register(
        _ user: User, path: String = "/hook", types: [String] = ["investment.committed"], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (id: String, secret: String) {
        let list = types.map { "\"\($0)\"" }.joined(separator: ",")
        let reply = try await self.client.post(
            "/v1/communications/webhooks", #"{"url":"\#(self.receiverURL.absoluteString)\#(path)","event_types":[\#(list)]}"#, token: user.token)
        #expect(reply.status == 201, "\(reply.text)", sourceLocation: sourceLocation)
        return (
            try #require(reply.string("id"), sourceLocation: sourceLocation), try #require(reply.string("secret"), sourceLocation: sourceLocation)
        )
    }

    /// Queues a test event to the endpoint; the delivery's id.
    func sendTest(_ endpoint: String, by user: User, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let reply = try await self.client.post("/v1/communications/webhooks/\(endpoint)/test", "", token: user.token)
        #expect(reply.status == 202, "\(reply.text)", sourceLocation: sourceLocation)
        return try #require(reply.string("id"), sourceLocation: sourceLocation)
    }

    /// Waits until the delivery has `count` attempts recorded; their rows, oldest first.
    @discardableResult
    func waitForAttempts(_ delivery: String, count: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        let query = """
            SELECT attempt || ' ' || coalesce(status_code::text, '-') || ' ' || coalesce(extract(epoch FROM next_attempt_at - attempted_at)::bigint::text, '-')
            FROM communications.webhook_attempts WHERE delivery_id = '\(delivery)' ORDER BY attempt, attempted_at
            """
        var rows: [String] = []
        let done = try await eventually(timeout: .seconds(10), interval: .milliseconds(20)) {
            rows = try await self.sql(query)
            return rows.count >= count
        }
        #expect(done, "attempts of \(delivery): \(rows)", sourceLocation: sourceLocation)
        return rows
    }

    func advance(seconds: TimeInterval) { self.clock.set(self.clock.now.addingTimeInterval(seconds)) }

    func sql(_ text: String) async throws -> [String] {
        try await TestDatabase.withAdmin(database: self.database.name) { admin in
            var values: [String] = []
            for try await row in try await admin.query(PostgresQuery(unsafeSQL: text)) {
                values.append((try? row.decode(String.self)) ?? "")
            }
            return values
        }
    }

    /// Checks `messages` with the reference implementation (PyPI `standardwebhooks`), each against
    /// each secret alone; the verdicts, one line per message, "ok" or the library's error.
    static func referenceVerdicts(_ messages: [WebhookReceiver.Received], secret: String) async throws -> [String] {
        let script = """
            import json, sys
            from standardwebhooks import Webhook
            for message in json.load(open(sys.argv[2]))["messages"]:
                try:
                    Webhook(sys.argv[1]).verify(message["body"].encode(), message["headers"])
                    print("ok")
                except Exception as error:
                    print(type(error).__name__)
            """
        let input = JSONValue.object([
            "messages": .array(messages.map { .object(["body": .string($0.body), "headers": .object($0.headers.mapValues { .string($0) })]) })
        ])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("webhooks-\(UUID().uuidString).json")
        try JSONEncoder().encode(input).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await RepositoryScripts.run(RepositoryScripts.python, ["-c", script, secret, file.path])
        #expect(result.status == 0, "\(result.output)")
        return result.output.split(separator: "\n").map(String.init)
    }
}

/// A webhook receiver on a real port: it records every request and answers what the test queued
/// (200 when nothing is), and `/redirect` sends the client on to `/hook` (which must not follow).
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        /// The path with its query (`/hook?who=a`).
        var path: String
        var headers: [String: String]
        var body: String
    }

    struct Answer: Sendable {
        var status: Int
        var headers: [String: String] = [:]
        var body: String = ""
    }

    private let log = Mutex<[Received]>([])
    private let answers = Mutex<[Answer]>([])
    /// Answered when no queued answer is left.
    private let standing = Mutex(Answer(status: 200, body: "ok"))

    var received: [Received] { self.log.withLock { $0 } }

    func queue(_ answers: Answer...) { self.answers.withLock { $0 += answers } }
    func always(_ answer: Answer) { self.standing.withLock { $0 = answer } }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("hook") { request, context -> Response in
            try await self.answer(request, context: context, path: "/hook")
        }
        router.post("redirect") { request, context -> Response in
            _ = try await self.answer(request, context: context, path: "/redirect")
            return Response(status: .temporaryRedirect, headers: [.location: "/hook"])
        }
        return router
    }

    private func answer(_ request: Request, context: BasicRequestContext, path: String) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        self.log.withLock { $0.append(Received(path: request.uri.string, headers: headers, body: String(buffer: body))) }
        let answer = self.answers.withLock { $0.isEmpty ? nil : $0.removeFirst() } ?? self.standing.withLock { $0 }
        var fields = HTTPFields()
        for (name, value) in answer.headers { fields[HTTPField.Name(name)!] = value }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }

    /// Waits for `count` requests in all; what was received.
    func wait(for count: Int, timeout: Duration = .seconds(10)) async throws -> [Received] {
        _ = try await eventually(timeout: timeout, interval: .milliseconds(20)) { self.received.count >= count }
        return self.received
    }
}
