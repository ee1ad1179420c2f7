import Crypto
import Foundation
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import AuthService
@testable import InvestmentsService
@testable import PropertiesService

/// `investments` and the `properties` service it checks listings with, each on a real port, sharing
/// one test database as they would share a cluster. Service tokens and user tokens come from the
/// test issuer; `properties` delivers its `property.*` events to `investments` for real.
struct InvestmentsFixture: Sendable {
    let investments: JSONClient
    let properties: JSONClient
    let database: TestDatabase
    let issuer: TestIssuer

    /// The day every offering, commitment and ledger entry sees.
    static let today = CalendarDate(year: 2026, month: 11, day: 24)!

    /// The service's clock: noon UTC of `today`. Ids stay on the wall clock, so they still sort
    /// by creation.
    static let clock = ServiceClock.fixed(Date(timeIntervalSince1970: Double(today.dayNumber) * 86_400 + 12 * 3_600))

    @Sendable static func totalsToProperties(_ eventType: String) -> [String] {
        eventType == OfferingTotalsChanged.eventType ? ["properties"] : []
    }

    /// `deliversTotals`: investments' dispatcher runs and delivers `offering.totals_changed` to
    /// properties (and nothing else: no other subscriber is running).
    /// `withAuth`: a real auth beside them, for what investments asks auth (the names and address
    /// a statement needs); it trusts the test issuer's tokens like the other two.
    static func run(
        deliversTotals: Bool = false, withAuth: Bool = false, clock: ServiceClock = InvestmentsFixture.clock,
        _ body: @escaping @Sendable (InvestmentsFixture) async throws -> Void
    ) async throws {
        let issuer = try TestIssuer()
        try await issuer.serve { jwksURL in
            try await TestDatabase.with(services: withAuth ? [.auth, .properties, .investments] : [.properties, .investments]) { database in
                let propertiesPort = try await freePort()
                let investmentsPort = try await freePort()
                let authPort = try await freePort()
                var peers = [
                    "properties": URL(string: "http://127.0.0.1:\(propertiesPort)")!,
                    "investments": URL(string: "http://127.0.0.1:\(investmentsPort)")!,
                ]
                if withAuth { peers["auth"] = URL(string: "http://127.0.0.1:\(authPort)")! }
                let properties = try await PropertiesService.buildApplication(
                    .forTesting(.properties, database: database, jwksURL: jwksURL, port: propertiesPort, peers: peers),
                    settings: PropertiesSettings(censusGeocoderURL: URL(string: "http://127.0.0.1:1")!),
                    overrides: ServiceOverrides(
                        serviceTokens: TestServiceTokens(issuer: issuer, service: .properties),
                        eventSubscribers: {
                            $0.hasPrefix("property.") || $0 == RenovationProgressUpdated.eventType || $0 == RenovationSpendWithdrawn.eventType
                                ? ["investments"] : []
                        }
                    )
                )
                let investments = try await InvestmentsService.buildApplication(
                    .forTesting(.investments, database: database, jwksURL: jwksURL, port: investmentsPort, peers: peers),
                    overrides: ServiceOverrides(
                        serviceTokens: TestServiceTokens(issuer: issuer, service: .investments),
                        eventSubscribers: deliversTotals ? Self.totalsToProperties : nil,
                        runsOutboxDispatcher: deliversTotals,
                        clock: clock,
                        ids: .uuidV7(.system)
                    )
                )
                @Sendable func services() async throws {
                    try await withRunningApplication(properties, port: propertiesPort) {
                        try await withRunningApplication(investments, port: investmentsPort) {
                            try await body(
                                InvestmentsFixture(
                                    investments: JSONClient(port: investmentsPort), properties: JSONClient(port: propertiesPort),
                                    database: database, issuer: issuer
                                )
                            )
                        }
                    }
                }
                guard withAuth else { return try await services() }
                let auth = try await AuthService.buildApplication(
                    .forTesting(.auth, database: database, jwksURL: jwksURL, port: authPort, peers: peers),
                    settings: AuthSettings(keyEncryptionKey: SymmetricKey(data: Data(repeating: 9, count: 32))),
                    overrides: ServiceOverrides(runsOutboxDispatcher: false)
                )
                try await withRunningApplication(auth, port: authPort) { try await services() }
            }
        }
    }

    func token(_ roles: Role..., user: UUID = UUID()) async throws -> String {
        try await self.issuer.token(subject: user.uuidString.lowercased(), roles: roles)
    }

    /// A published property of `sponsor`'s with the given terms; returns its id.
    func listProperty(
        sponsor: String, name: String = "The Elm Residences", target: String = "3000000.00", minimum: String = "25000",
        maximum: String = "250000.00"
    ) async throws -> String {
        let body = """
            {"property_name": "\(name)", "property_type": "multi_family", "address_line1": "200 Elm St",
             "city": "Prattville", "state": "AL", "zip_code": "36067", "total_units": 24, "property_class": "B",
             "status": "active", "visibility": "investors", "investment_open": true,
             "minimum_investment": "\(minimum)", "maximum_investment": "\(maximum)", "target_raise": "\(target)"}
            """
        let created = try await self.properties.post("/v1/properties", body, token: sponsor)
        try #require(created.status == 201, "listing failed: \(created.text)")
        return try #require(created.string("id"))
    }

    /// An open offering on a new property; returns the offering's id.
    func openOffering(
        sponsor: String, target: String = "3000000.00", minimum: String = "25000", maximum: String = "250000.00"
    ) async throws -> String {
        let property = try await self.listProperty(sponsor: sponsor, target: target, minimum: minimum, maximum: maximum)
        let created = try await self.investments.post(
            "/v1/offerings", #"{"property_id": "\#(property)", "requires_accreditation": false}"#, token: sponsor
        )
        try #require(created.status == 201, "offering failed: \(created.text)")
        return try #require(created.string("id"))
    }

    /// POSTs with a fresh Idempotency-Key unless one is given.
    func post(_ path: String, _ body: String = "{}", token: String, key: String = UUID().uuidString) async throws -> JSONClient.Reply {
        try await self.investments.post(path, body, token: token, headers: [("Idempotency-Key", key)])
    }

    /// An investor's committed position of `amount` in `offering`; returns its id.
    func commit(_ amount: String, in offering: String, investor: String) async throws -> String {
        let pending = try await self.post("/v1/offerings/\(offering)/investments", #"{"amount": "\#(amount)"}"#, token: investor)
        try #require(pending.status == 201, "investing failed: \(pending.text)")
        let id = try #require(pending.string("id"))
        let committed = try await self.post("/v1/investments/\(id)/commit", token: investor)
        try #require(committed.status == 200, "commit failed: \(committed.text)")
        return id
    }

    /// An account in auth for `user` with a name, as sign-up and the profile make it (fixture
    /// tokens come from the test issuer, so auth has no row for their subjects otherwise).
    func account(_ user: UUID, firstName: String, lastName: String) async throws {
        try await self.sql(
            """
            INSERT INTO auth.users (id, email, first_name, last_name, email_verified_at)
            VALUES ('\(user.uuidString.lowercased())', '\(user.uuidString.lowercased())@example.com', '\(firstName)', '\(lastName)', now())
            """)
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
