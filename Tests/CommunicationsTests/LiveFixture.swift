import AsyncHTTPClient
import Foundation
import Logging
import Models
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import PostgresNIO
import SMTP
import ServiceKit
import TestSupport

@testable import CommunicationsService

/// One or more communications replicas on one database (real ports, real LISTEN/NOTIFY), a
/// test issuer for tokens, and a client to append to feeds as any replica's transaction would.
struct LiveFixture: Sendable {
    let ports: [Int]
    let database: TestDatabase
    let issuer: TestIssuer
    let feedClient: PostgresClient

    /// `accounts` are what auth's user directory answers (the notification handlers ask it).
    static func run(
        replicas: Int = 1,
        live: LiveSettings = LiveSettings(heartbeat: .seconds(5)),
        accounts: [UserContact] = [],
        _ body: @escaping @Sendable (LiveFixture) async throws -> Void
    ) async throws {
        let issuer = try TestIssuer()
        try await issuer.serve { jwksURL in
            try await withLocalServer(NotificationFixture.peers(accounts: accounts, segments: [:])) { peers in
                try await TestDatabase.with(services: [.communications]) { database in
                    var free: [Int] = []
                    for _ in 0..<replicas { free.append(try await freePort()) }
                    let ports = free
                    let setup = Setup(database: database, jwksURL: jwksURL, peers: peers, issuer: issuer, live: live)
                    try await Self.serve(ports: ports[...], setup) {
                        try await TestDatabase.withClient(database.url(for: .communications)) { feedClient in
                            try await body(LiveFixture(ports: ports, database: database, issuer: issuer, feedClient: feedClient))
                        }
                    }
                }
            }
        }
    }

    private struct Setup: Sendable {
        var database: TestDatabase
        var jwksURL: URL
        var peers: URL
        var issuer: TestIssuer
        var live: LiveSettings
    }

    /// Starts the replicas one after the other (the first migrates), then runs `body`.
    private static func serve(
        ports: ArraySlice<Int>,
        _ setup: Setup,
        _ body: @escaping @Sendable () async throws -> Void
    ) async throws {
        guard let port = ports.first else { return try await body() }
        let configuration = ServiceConfiguration.forTesting(
            .communications, database: setup.database, jwksURL: setup.jwksURL, port: port,
            peers: ["auth": setup.peers, "analytics": setup.peers]
        )
        // No live test sends mail; nothing listens on this port.
        let mail = MailSettings(
            smtp: SMTPConfiguration(host: "127.0.0.1", port: 9, security: .none, heloName: "tract.example", exchangeTimeout: .seconds(1)),
            from: try EmailAddress("no-reply@tract.example", name: "Tract")
        )
        let app = try await buildApplication(
            configuration, mail: mail, live: setup.live,
            overrides: ServiceOverrides(
                serviceTokens: TestServiceTokens(issuer: setup.issuer, service: .communications), runsOutboxDispatcher: false)
        )
        try await withRunningApplication(app, port: port) {
            try await Self.serve(ports: ports.dropFirst(), setup, body)
        }
    }

    func token(for user: UUID, expiresIn: TimeInterval = 600) async throws -> String {
        try await self.issuer.token(subject: user.uuidString.lowercased(), expiresIn: expiresIn)
    }

    /// Appends in a transaction of its own, as a notification or a message would.
    func append(_ item: LiveItem, to users: [UUID]) async throws {
        let logger = Logger(label: "test.live")
        try await self.feedClient.transaction(logger: logger) { connection in
            try await LiveFeed().append(item, to: users, on: connection, logger: logger)
        }
    }

    /// Delivers an event to replica `replica`'s `/internal/events` as `source` would.
    @discardableResult
    func deliver(_ type: String, from source: ServiceName, id: UUID = UUID(), to replica: Int, payload: String) async throws -> JSONClient.Reply {
        let envelope = """
            {"id":"\(id.uuidString.lowercased())","type":"\(type)","source":"\(source.rawValue)","occurred_at":"2026-12-07T15:00:00Z","payload":\(payload)}
            """
        return try await JSONClient(port: self.ports[replica]).post(
            "/internal/events", envelope, token: try await self.issuer.serviceToken(for: source))
    }

    static func item(_ text: String, kind: String = "notification") -> LiveItem {
        LiveItem(kind: kind, id: UUID(), payload: .object(["title": .string(text)]))
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

/// An SSE client as a browser's EventSource is: it reads the stream as it arrives and keeps what
/// it parsed, so a test can wait for an event.
final class LiveClient: Sendable {
    struct Event: Sendable, Equatable {
        var id: String?
        var event: String
        var data: String
    }

    private struct State {
        var events: [Event] = []
        var comments = 0
        var ended = false
        var failure: String?
    }

    let status: Int
    let headers: [(String, String)]
    private let state: NIOLockedValueBox<State>
    private let reading: Task<Void, Never>

    /// Opens `GET /v1/communications/stream` on `port`; the body is read in the background.
    static func open(port: Int, token: String?, lastEventID: String? = nil, query: String = "") async throws -> (LiveClient, String?) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/communications/stream\(query)")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
        let headers = response.headers.map { ($0.name, $0.value) }
        guard response.status == .ok else {
            let body = try await response.body.collect(upTo: 1 << 20)
            return (LiveClient(status: Int(response.status.code), headers: headers, body: nil), String(buffer: body))
        }
        return (LiveClient(status: 200, headers: headers, body: response.body), nil)
    }

    private init(status: Int, headers: [(String, String)], body: HTTPClientResponse.Body?) {
        self.status = status
        self.headers = headers
        let state = NIOLockedValueBox(State())
        self.state = state
        self.reading = Task {
            guard let body else { return }
            var pending = ""
            do {
                for try await buffer in body {
                    pending += String(buffer: buffer)
                    while let end = pending.range(of: "\n\n") {
                        let block = String(pending[..<end.lowerBound])
                        pending.removeSubrange(..<end.upperBound)
                        Self.parse(block, into: state)
                    }
                }
                state.withLockedValue { $0.ended = true }
            } catch {
                state.withLockedValue {
                    $0.ended = true
                    $0.failure = String(describing: error)
                }
            }
        }
    }

    private static func parse(_ block: String, into state: NIOLockedValueBox<State>) {
        var event = Event(id: nil, event: "message", data: "")
        var isEvent = false
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") {
                state.withLockedValue { $0.comments += 1 }
            } else if line.hasPrefix("id: ") {
                event.id = String(line.dropFirst(4))
            } else if line.hasPrefix("event: ") {
                event.event = String(line.dropFirst(7))
                isEvent = true
            } else if line.hasPrefix("data: ") {
                event.data = String(line.dropFirst(6))
                isEvent = true
            }
        }
        if isEvent { state.withLockedValue { $0.events.append(event) } }
    }

    var events: [Event] { self.state.withLockedValue { $0.events } }
    var comments: Int { self.state.withLockedValue { $0.comments } }
    var ended: Bool { self.state.withLockedValue { $0.ended } }
    /// The item events: neither `ready`, `reset` nor `end`.
    var items: [Event] { self.events.filter { !["ready", "reset", "end"].contains($0.event) } }

    func header(_ name: String) -> String? { self.headers.first { $0.0.lowercased() == name.lowercased() }?.1 }

    /// Waits until `condition` holds of the events, or `timeout`; returns whether it held.
    func waitFor(timeout: Duration = .seconds(5), _ condition: @escaping @Sendable ([Event]) -> Bool) async throws -> Bool {
        try await eventually(timeout: timeout, interval: .milliseconds(5)) { condition(self.events) }
    }

    func close() {
        self.reading.cancel()
    }
}
