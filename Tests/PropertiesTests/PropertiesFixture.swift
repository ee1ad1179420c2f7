import Foundation
import Models
import PostgresNIO
import ServiceKit
import TestSupport

@testable import PropertiesService

/// properties on a real port with a database of its own (PostGIS and pg_trgm installed as the
/// bootstrap does), trusting tokens from a test issuer.
struct PropertiesFixture: Sendable {
    let client: JSONClient
    let database: TestDatabase
    let issuer: TestIssuer

    /// A geocoder address nothing listens on: tests that need one pass their own.
    static let noGeocoder = URL(string: "http://127.0.0.1:1")!

    static func run(
        settings: PropertiesSettings = PropertiesSettings(censusGeocoderURL: PropertiesFixture.noGeocoder),
        clock: ServiceClock = .system,
        _ body: @escaping @Sendable (PropertiesFixture) async throws -> Void
    ) async throws {
        let issuer = try TestIssuer()
        try await issuer.serve { jwksURL in
            try await TestDatabase.with(services: [.properties]) { database in
                let port = try await freePort()
                let configuration = ServiceConfiguration.forTesting(.properties, database: database, jwksURL: jwksURL, port: port)
                let app = try await buildApplication(
                    configuration, settings: settings, overrides: ServiceOverrides(runsOutboxDispatcher: false, clock: clock))
                try await withRunningApplication(app, port: port) {
                    try await body(PropertiesFixture(client: JSONClient(port: port), database: database, issuer: issuer))
                }
            }
        }
    }

    /// A user's access token with `roles`.
    func token(_ roles: Role..., user: UUID = UUID()) async throws -> String {
        try await self.issuer.token(subject: user.uuidString.lowercased(), roles: roles)
    }

    /// Runs SQL as the superuser and returns the first column of each row as text.
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

    /// Event types waiting in the outbox for `subscriber`, oldest first.
    func events(for subscriber: String = "analytics") async throws -> [String] {
        try await self.sql("SELECT event_type FROM properties.outbox WHERE subscriber = '\(subscriber)' ORDER BY id")
    }
}
