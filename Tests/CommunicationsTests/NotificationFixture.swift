import Foundation
import Hummingbird
import Models
import PostgresNIO
import SMTP
import ServiceKit
import Synchronization
import TestSupport

@testable import CommunicationsService

/// A clock a test moves by hand (quiet hours, digests).
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date) { self.current = Mutex(start) }

    var now: Date { self.current.withLock { $0 } }
    var serviceClock: ServiceClock { ServiceClock { self.now } }

    func set(_ date: Date) { self.current.withLock { $0 = date } }
}

/// communications with notifications delivered every 50 ms to a real SMTP sink, on a clock the
/// test moves, beside two peers on real ports: auth's user directory (`GET /internal/v1/users/{id}`,
/// answering the accounts the test names) and analytics' segment members.
struct NotificationFixture: Sendable {
    let client: JSONClient
    let database: TestDatabase
    let issuer: TestIssuer
    let sink: MailSink
    let clock: TestClock

    /// 2026-12-07 15:00 UTC, a Monday.
    static let start = Date(timeIntervalSince1970: 1_796_655_600)

    static func run(
        accounts: [UserContact] = [],
        segments: [UUID: [UUID]] = [:],
        start: Date = NotificationFixture.start,
        settings: NotificationSettings = NotificationSettings(),
        sinkOptions: [String] = [],
        secondReplica: Bool = false,
        _ body: @escaping @Sendable (NotificationFixture) async throws -> Void
    ) async throws {
        let issuer = try TestIssuer()
        let sink = try MailSink(options: sinkOptions)
        let clock = TestClock(start)
        try await issuer.serve { jwksURL in
            try await withLocalServer(Self.peers(accounts: accounts, segments: segments)) { peers in
                try await TestDatabase.with(services: [.communications]) { database in
                    let port = try await freePort()
                    let configuration = ServiceConfiguration.forTesting(
                        .communications, database: database, jwksURL: jwksURL, port: port, peers: ["auth": peers, "analytics": peers]
                    )
                    let mail = MailSettings(
                        smtp: SMTPConfiguration(
                            host: "127.0.0.1", port: sink.port, security: .none, heloName: "tract.example", exchangeTimeout: .seconds(10)),
                        from: try EmailAddress("no-reply@tract.example", name: "Tract")
                    )
                    var notifications = settings
                    notifications.deliveryInterval = .milliseconds(50)
                    notifications.publicURL = URL(string: "https://app.tract.example")!
                    let overrides = ServiceOverrides(
                        serviceTokens: TestServiceTokens(issuer: issuer, service: .communications), runsOutboxDispatcher: false,
                        clock: clock.serviceClock, ids: .uuidV7(.system)
                    )
                    let delivery = notifications
                    let app = try await buildApplication(configuration, mail: mail, notifications: delivery, overrides: overrides)
                    let fixture = NotificationFixture(client: JSONClient(port: port), database: database, issuer: issuer, sink: sink, clock: clock)
                    try await withRunningApplication(app, port: port) {
                        guard secondReplica else { return try await body(fixture) }
                        // Another replica on the same database, started once the first has migrated: its
                        // delivery worker competes for the same rows.
                        let secondPort = try await freePort()
                        var second = configuration
                        second.port = secondPort
                        let replica = try await buildApplication(second, mail: mail, notifications: delivery, overrides: overrides)
                        try await withRunningApplication(replica, port: secondPort) { try await body(fixture) }
                    }
                }
            }
        }
    }

    /// The two peers: accounts the test named (else 404, as auth answers for a deleted account),
    /// and segments' members in one page each.
    static func peers(accounts: [UserContact], segments: [UUID: [UUID]]) -> Router<BasicRequestContext> {
        let router = Router()
        let byID = Dictionary(uniqueKeysWithValues: accounts.map { ($0.id, $0) })
        router.get("internal/v1/users/:id") { request, context -> Response in
            guard request.headers[.authorization]?.hasPrefix("Bearer ") == true else { return Response(status: .unauthorized) }
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)), let contact = byID[id] else {
                return Response(status: .notFound)
            }
            let body = try JSONEncoder.tract.encode(contact)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("internal/v1/segments/:id/members") { request, context -> Response in
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)), let members = segments[id] else {
                return Response(status: .notFound)
            }
            let rows = members.map {
                #"{"id":"\#($0.uuidString.lowercased())","user_id":"\#($0.uuidString.lowercased())","added_at":"2026-12-01T00:00:00.000000Z"}"#
            }
            let page = #"{"data":[\#(rows.joined(separator: ","))],"next_cursor":null}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        return router
    }

    /// A signed-in user's token (long-lived: the test clock may run ahead of the wall clock).
    func token(_ user: UUID, roles: [Role] = [.investor]) async throws -> String {
        try await self.issuer.token(subject: user.uuidString.lowercased(), roles: roles, expiresIn: 3600)
    }

    /// Delivers an event to `/internal/events` as `source` would.
    @discardableResult
    func deliver(_ type: String, from source: ServiceName, id: UUID = UUID(), payload: String) async throws -> JSONClient.Reply {
        let envelope = """
            {"id":"\(id.uuidString.lowercased())","type":"\(type)","source":"\(source.rawValue)","occurred_at":"2026-12-07T15:00:00Z","payload":\(payload)}
            """
        return try await self.client.post("/internal/events", envelope, token: try await self.issuer.serviceToken(for: source))
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

    /// The titles of a user's notifications, newest first.
    func titles(_ user: UUID, query: String = "") async throws -> [String] {
        let reply = try await self.client.get("/v1/communications/notifications\(query)", token: try await self.token(user))
        guard case .object(let body) = reply.json, case .array(let rows)? = body["data"] else { return ["status \(reply.status): \(reply.text)"] }
        return rows.compactMap { row in
            guard case .object(let fields) = row, case .string(let title)? = fields["title"] else { return nil }
            return title
        }
    }

    /// Waits a few delivery passes, so a test can say a mail did NOT go.
    func letTheWorkerRun() async throws {
        try await Task.sleep(for: .milliseconds(400))
    }
}
