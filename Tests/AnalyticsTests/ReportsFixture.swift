import Foundation
import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import AnalyticsService

/// analytics on a real port with its own database, "today" fixed at 2026-11-24 12:00 UTC (a
/// Tuesday), and events written straight into `analytics.events` so each report test states its
/// data set exactly.
struct ReportsFixture: Sendable {
    let client: JSONClient
    let database: TestDatabase
    let issuer: TestIssuer

    static let now = Date(timeIntervalSince1970: 1_795_521_600)  // 2026-11-24T12:00:00Z

    static func run(_ body: @escaping @Sendable (ReportsFixture) async throws -> Void) async throws {
        let issuer = try TestIssuer()
        try await issuer.serve { jwksURL in
            try await TestDatabase.with(services: [.analytics]) { database in
                let port = try await freePort()
                let app = try await AnalyticsService.buildApplication(
                    .forTesting(.analytics, database: database, jwksURL: jwksURL, port: port),
                    overrides: ServiceOverrides(clock: .fixed(Self.now))
                )
                try await withRunningApplication(app, port: port) {
                    let fixture = ReportsFixture(client: JSONClient(port: port), database: database, issuer: issuer)
                    try await fixture.sql("SELECT analytics.ensure_event_partitions('2026-09-01', 4)::text")
                    try await body(fixture)
                }
            }
        }
    }

    func staff() async throws -> String {
        try await self.issuer.token(subject: UUID().uuidString.lowercased(), roles: [.admin])
    }

    func investor() async throws -> String {
        try await self.issuer.token(subject: UUID().uuidString.lowercased(), roles: [.investor])
    }

    /// One event: `actor` is a user id (a UUID) or `anon:<id>`; `at` is RFC 3339.
    struct Event {
        var actor: String
        var name: String
        var at: String
        var properties: String = "{}"
        var utmSource: String? = nil
        var referrer: String? = nil
    }

    /// Inserts the events in the order given (not the order they happened).
    func insert(_ events: [Event]) async throws {
        func literal(_ text: String?) -> String {
            text.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? "NULL"
        }
        let rows = events.map { event in
            let user = event.actor.hasPrefix("anon:") ? "NULL" : literal(event.actor) + "::uuid"
            let anonymous = event.actor.hasPrefix("anon:") ? literal(String(event.actor.dropFirst(5))) : "NULL"
            return """
                (gen_random_uuid(), \(literal(event.name)), \(event.name.contains(".") ? "'auth'" : "'client'"), \(literal(event.at))::timestamptz,
                 \(literal(event.at))::timestamptz, \(user), \(anonymous), \(literal(event.actor)), \(literal(event.properties))::jsonb,
                 \(literal(event.utmSource)), \(literal(event.referrer)))
                """
        }
        try await self.sql(
            """
            INSERT INTO analytics.events (id, name, origin, occurred_at, received_at, user_id, anonymous_id, actor, properties, utm_source, referrer)
            VALUES \(rows.joined(separator: ",\n"))
            """
        )
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
}
