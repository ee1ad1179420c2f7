import AuthService
import Crypto
import Foundation
import Hummingbird
import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import AnalyticsService
@testable import InvestmentsService
@testable import PropertiesService

/// `analytics` on a real port, with the services whose events a test follows publishing to it for
/// real: `auth` (sign-ups, sign-ins) and `investments` (qualification, the tax calculator), each
/// delivering through its own outbox and dispatcher. One database holds every schema, as one
/// cluster would; every token (user and service) comes from the test issuer, whose JWKS every
/// service trusts.
struct AnalyticsFixture: Sendable {
    let analytics: JSONClient
    let auth: JSONClient?
    let investments: JSONClient?
    let properties: JSONClient?
    let database: TestDatabase
    let issuer: TestIssuer

    /// Only analytics hears what these services publish here (emails go nowhere: no communications).
    @Sendable static func toAnalytics(_ eventType: String) -> [String] {
        EventSubscriptions.subscribers(of: eventType).filter { $0 == "analytics" }
    }

    static func run(
        withAuth: Bool = false, withInvestments: Bool = false, withProperties: Bool = false, clock: ServiceClock = .system,
        _ body: @escaping @Sendable (AnalyticsFixture) async throws -> Void
    ) async throws {
        let issuer = try TestIssuer()
        try await issuer.serve { jwksURL in
            var services: [ServiceName] = [.analytics]
            if withAuth { services.append(.auth) }
            if withInvestments { services.append(.investments) }
            if withProperties { services.append(.properties) }
            try await TestDatabase.with(services: services) { database in
                let analyticsPort = try await freePort()
                let peers = ["analytics": URL(string: "http://127.0.0.1:\(analyticsPort)")!]
                let analytics = try await AnalyticsService.buildApplication(
                    .forTesting(.analytics, database: database, jwksURL: jwksURL, port: analyticsPort),
                    overrides: ServiceOverrides(runsOutboxDispatcher: false, clock: clock, ids: .uuidV7(.system))
                )
                try await withRunningApplication(analytics, port: analyticsPort) {
                    var auth: JSONClient?
                    var investments: JSONClient?
                    var properties: JSONClient?
                    var apps: [(any ApplicationProtocol, Int)] = []
                    if withAuth {
                        let port = try await freePort()
                        let settings = AuthSettings(keyEncryptionKey: SymmetricKey(data: Data(repeating: 7, count: 32)))
                        apps.append(
                            (
                                try await AuthService.buildApplication(
                                    .forTesting(.auth, database: database, jwksURL: jwksURL, port: port, peers: peers), settings: settings,
                                    overrides: ServiceOverrides(
                                        serviceTokens: TestServiceTokens(issuer: issuer, service: .auth), eventSubscribers: Self.toAnalytics)
                                ), port
                            ))
                        auth = JSONClient(port: port)
                    }
                    if withInvestments {
                        let port = try await freePort()
                        apps.append(
                            (
                                try await InvestmentsService.buildApplication(
                                    .forTesting(.investments, database: database, jwksURL: jwksURL, port: port, peers: peers),
                                    overrides: ServiceOverrides(
                                        serviceTokens: TestServiceTokens(issuer: issuer, service: .investments), eventSubscribers: Self.toAnalytics)
                                ), port
                            ))
                        investments = JSONClient(port: port)
                    }
                    if withProperties {
                        let port = try await freePort()
                        apps.append(
                            (
                                try await PropertiesService.buildApplication(
                                    .forTesting(.properties, database: database, jwksURL: jwksURL, port: port, peers: peers),
                                    // OZ checks by tract need no geocoder.
                                    settings: PropertiesSettings(censusGeocoderURL: URL(string: "http://127.0.0.1:1")!),
                                    overrides: ServiceOverrides(
                                        serviceTokens: TestServiceTokens(issuer: issuer, service: .properties), eventSubscribers: Self.toAnalytics)
                                ), port
                            ))
                        properties = JSONClient(port: port)
                    }
                    let fixture = AnalyticsFixture(
                        analytics: JSONClient(port: analyticsPort), auth: auth, investments: investments, properties: properties, database: database,
                        issuer: issuer)
                    try await Self.running(apps[...]) { try await body(fixture) }
                }
            }
        }
    }

    private static func running(_ apps: ArraySlice<(any ApplicationProtocol, Int)>, _ body: @escaping @Sendable () async throws -> Void) async throws
    {
        guard let (app, port) = apps.first else { return try await body() }
        try await Self.runOne(app, port: port) { try await Self.running(apps.dropFirst(), body) }
    }

    private static func runOne<App: ApplicationProtocol>(_ app: App, port: Int, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withRunningApplication(app, port: port, body)
    }

    func token(_ roles: Role..., user: UUID = UUID()) async throws -> String {
        try await self.issuer.token(subject: user.uuidString.lowercased(), roles: roles)
    }

    /// Rows of a query run as the superuser, each row's columns joined by `|` (NULL as "∅").
    func rows(_ sql: String) async throws -> [String] {
        try await TestDatabase.withAdmin(database: self.database.name) { admin in
            var rows: [String] = []
            for try await row in try await admin.query(PostgresQuery(unsafeSQL: sql)) {
                var columns: [String] = []
                for cell in row { columns.append((try? cell.decode(String?.self)).flatMap { $0 } ?? "∅") }
                rows.append(columns.joined(separator: "|"))
            }
            return rows
        }
    }

    func count(_ sql: String) async throws -> Int {
        Int(try await self.rows("SELECT (\(sql))::text").first ?? "") ?? -1
    }
}
