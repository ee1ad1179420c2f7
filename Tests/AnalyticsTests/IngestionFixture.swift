import Foundation
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport

@testable import AnalyticsService

/// analytics on a real port with a database of its own, trusting tokens from a test issuer and
/// `X-Forwarded-For` from loopback (so a test can be a visitor from any address).
struct IngestionFixture: Sendable {
    let client: JSONClient
    let database: TestDatabase
    let issuer: TestIssuer

    static func run(
        settings: IngestionSettings = IngestionSettings(),
        _ body: @escaping @Sendable (IngestionFixture) async throws -> Void
    ) async throws {
        let issuer = try TestIssuer()
        try await issuer.serve { jwksURL in
            try await TestDatabase.with(services: [.analytics]) { database in
                let port = try await freePort()
                var configuration = ServiceConfiguration.forTesting(.analytics, database: database, jwksURL: jwksURL, port: port)
                configuration.trustedProxies = TrustedProxies(parsing: "127.0.0.1")!
                let app = try await buildApplication(configuration, ingestion: settings, overrides: ServiceOverrides(runsOutboxDispatcher: false))
                try await withRunningApplication(app, port: port) {
                    try await body(IngestionFixture(client: JSONClient(port: port), database: database, issuer: issuer))
                }
            }
        }
    }

    func token(_ roles: Role..., user: UUID) async throws -> String {
        try await self.issuer.token(subject: user.uuidString.lowercased(), roles: roles)
    }

    static let firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"

    /// A POST as a browser from `address` would send it.
    func post(_ path: String, _ body: String, token: String? = nil, from address: String = "198.51.100.23", agent: String = Self.firefox)
        async throws -> JSONClient.Reply
    {
        try await self.client.post(path, body, token: token, headers: [("User-Agent", agent), ("X-Forwarded-For", address)])
    }

    /// Runs SQL as the superuser; each row's columns as text joined by `|` (NULL as `∅`).
    @discardableResult
    func sql(_ text: String) async throws -> [String] {
        try await TestDatabase.withAdmin(database: self.database.name) { admin in
            var lines: [String] = []
            for try await row in try await admin.query(PostgresQuery(unsafeSQL: text)) {
                lines.append(row.map { cell in (try? cell.decode(String?.self)).flatMap { $0 } ?? "∅" }.joined(separator: "|"))
            }
            return lines
        }
    }
}

/// One event's JSON, with the fields a test names.
func eventJSON(_ fields: [String: JSONValue]) -> String {
    String(decoding: try! JSONEncoder().encode(JSONValue.object(fields)), as: UTF8.self)
}

func batchJSON(_ events: [JSONValue]) -> String {
    String(decoding: try! JSONEncoder().encode(JSONValue.object(["events": .array(events)])), as: UTF8.self)
}

func lower(_ id: UUID) -> String { id.uuidString.lowercased() }
