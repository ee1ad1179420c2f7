import Foundation
import Models
import NIOHTTP1
import Testing

/// What the authorization matrix's owners own, made through the public API as users make it, so
/// that an owner's row tests real ownership and another user's row a real refusal. A path parameter
/// is filled by the collection it names: `/v1/properties/{id}` and `{property_id}` take the listing,
/// `/v1/offerings/{id}` the offering, and so on (`values`); anything else gets a random id.
struct AuthorizationFixtures: Sendable {
    /// Who owns a fixture: the investor or the sponsor of one set of owners.
    enum Holder: Sendable {
        case investor
        case sponsor
    }

    /// Collection name (the path segment before the parameter, or the parameter's own name) →
    /// the fixture's id and who owns it.
    var values: [String: (id: String, holder: Holder)] = [:]

    /// The fixture for `{parameter}` after `segment` in a path; nil for a random id. Internal routes
    /// about a user get a random id: a peer's erasure must not take the owner's rows away mid-run.
    func value(path: String, segment: String, parameter: String) -> (id: String, holder: Holder)? {
        if path.hasPrefix("/internal/"), segment == "users" { return nil }
        return self.values[segment] ?? Self.collections[parameter].flatMap { self.values[$0] }
    }

    /// Parameters that name their collection themselves.
    static let collections = [
        "property_id": "properties", "offering_id": "offerings", "investment_id": "investments", "user_id": "users",
        "user_id_or_slug": "users",
    ]

    /// One set of owners and what they own: an investor (an API token, a team request, an
    /// investment, a connection request to the sponsor, a conversation with them) and a sponsor (a
    /// listing, its offering, an organisation, a draft webinar).
    static func make(_ suite: RunningSuite, investor: InvestorMailJourneyTests.Account, sponsor: InvestorMailJourneyTests.Account)
        async throws -> AuthorizationFixtures
    {
        var fixtures = AuthorizationFixtures()
        let tag = UUID().uuidString.prefix(8).lowercased()
        func created(_ service: ServiceName, _ path: String, _ body: String, token: String) async throws -> String {
            let reply = try await SystemClient.send(
                .POST, "\(suite.urls[service]!)\(path)", body, token: token, idempotencyKey: UUID().uuidString, timeout: .seconds(30))
            try #require((200..<300).contains(reply.status), "POST \(path): \(reply.status) \(reply.text)")
            return try #require(reply.string("id"), "POST \(path) answered no id: \(reply.text)")
        }
        fixtures.values["users"] = (investor.id, .investor)
        fixtures.values["profiles"] = (investor.id, .investor)
        fixtures.values["members"] = (sponsor.id, .sponsor)

        let property = try await created(
            .properties, "/v1/properties",
            """
            {"property_name": "Matrix Flats \(tag)", "property_type": "multi_family", "address_line1": "1 Matrix Rd",
             "city": "Prattville", "state": "AL", "zip_code": "36067", "total_units": 12, "property_class": "B",
             "status": "active", "visibility": "public", "investment_open": true,
             "minimum_investment": "25000", "maximum_investment": "250000.00", "target_raise": "1000000"}
            """, token: sponsor.token)
        fixtures.values["properties"] = (property, .sponsor)
        let offering = try await created(
            .investments, "/v1/offerings", #"{"property_id": "\#(property)", "requires_accreditation": false}"#, token: sponsor.token)
        fixtures.values["offerings"] = (offering, .sponsor)
        let investment = try await created(.investments, "/v1/offerings/\(offering)/investments", #"{"amount": "25000"}"#, token: investor.token)
        fixtures.values["investments"] = (investment, .investor)

        let organization = try await created(
            .auth, "/v1/auth/organizations", #"{"slug": "matrix-\#(tag)", "name": "Matrix \#(tag)", "kind": "sponsor_firm"}"#,
            token: sponsor.token)
        fixtures.values["organizations"] = (organization, .sponsor)
        let apiToken = try await created(.auth, "/v1/auth/api-tokens", #"{"name": "matrix", "scopes": ["auth:read"]}"#, token: investor.token)
        fixtures.values["api-tokens"] = (apiToken, .investor)
        let teamRequest = try await created(
            .communications, "/v1/communications/team-requests", #"{"topic": "investing", "message": "Who may see this?"}"#,
            token: investor.token)
        fixtures.values["team-requests"] = (teamRequest, .investor)
        let connection = try await created(
            .communications, "/v1/communications/connections", #"{"user_id": "\#(sponsor.id)"}"#, token: investor.token)
        fixtures.values["connections"] = (connection, .investor)
        // The investor asks the listing's sponsor: communications learns of the listing from its
        // event, a moment after it was made.
        var conversation: String?
        for _ in 0..<100 where conversation == nil {
            let reply = try await SystemClient.send(
                .POST, "\(suite.urls[.communications]!)/v1/communications/conversations",
                #"{"kind": "sponsor", "property_id": "\#(property)"}"#, token: investor.token, timeout: .seconds(30))
            if (200..<300).contains(reply.status) { conversation = reply.string("id") } else { try await Task.sleep(for: .milliseconds(100)) }
        }
        fixtures.values["conversations"] = (try #require(conversation, "the investor asks the sponsor within 10 s"), .investor)

        let start = Date().addingTimeInterval(2 * 86400)
        let event = try await created(
            .communications, "/v1/communications/events",
            """
            {"title": "Matrix webinar \(tag)", "kind": "webinar", "starts_at": "\(RFC3339.string(from: start))",
             "ends_at": "\(RFC3339.string(from: start.addingTimeInterval(3600)))", "time_zone": "UTC",
             "virtual_url": "https://meet.example/matrix", "property_id": "\(property)"}
            """, token: sponsor.token)
        fixtures.values["events"] = (event, .sponsor)

        return fixtures
    }
}
