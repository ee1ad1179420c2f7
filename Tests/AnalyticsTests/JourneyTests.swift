import Foundation
import Logging
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import AnalyticsService

/// Seed 000's entry points end to end: the services publish, analytics keeps each user's journeys
/// and interests current, and only staff or the user read them.
@Suite struct JourneyTests {
    /// "Qualify as an investor": the sign-up names the entry point (auth's `user.created`), the
    /// profile form completes it (investments' `investor_qualification.submitted`), each through
    /// its service's real outbox.
    @Test func qualifyingAsAnInvestorStartsAndCompletesTheJourney() async throws {
        try await AnalyticsFixture.run(withAuth: true, withInvestments: true) { fixture in
            let auth = try #require(fixture.auth)
            let investments = try #require(fixture.investments)
            let email = "bo.\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let signedUp = try await auth.post(
                "/v1/auth/signup", #"{"email":"\#(email)","password":"correct horse battery","source":"qualify_as_an_investor"}"#)
            #expect(signedUp.status == 202)
            let userText = try await fixture.rows("SELECT id::text FROM auth.users WHERE email = '\(email)'").first
            let user = try #require(userText.flatMap(UUID.init(uuidString:)))
            let investor = try await fixture.token(.investor, user: user)
            let profile = try await investments.send(
                .PUT, "/v1/investor-profile",
                json: #"{"cap_gain_or_not": true, "size_of_cap_gain": "1000000.00", "time_of_cap_gain": "2026-08-01", "tax_bracket": 0.238}"#,
                token: investor)
            #expect(profile.status == 201, "\(profile.text)")
            let completed = try await eventually(timeout: .seconds(30)) {
                try await fixture.count("SELECT count(*) FROM analytics.journeys WHERE completed_at IS NOT NULL") == 1
            }
            #expect(completed)
            #expect(
                try await fixture.rows(
                    """
                    SELECT j.entry_point, j.first_auth::text, j.auth_method, j.completing_event, (j.started_by = s.id)::text, (j.completed_by = c.id)::text
                    FROM analytics.journeys j
                    JOIN analytics.events s ON s.name = 'user.created' JOIN analytics.events c ON c.name = 'investor_qualification.submitted'
                    """) == ["qualify_as_an_investor|true|password|investor_qualification.submitted|true|true"])

            let journey = try await fixture.analytics.get("/v1/analytics/users/\(user.uuidString.lowercased())/journey", token: investor)
            #expect(journey.status == 200, "\(journey.text)")
            #expect(journey["journeys"]?[0]?["entry_point"] == .string("qualify_as_an_investor"))
            #expect(journey["journeys"]?[0]?["completing_event"] == .string("investor_qualification.submitted"))
            #expect(journey["interests"] == JSONValue.null)
            // Newest first: the profile's events after the sign-up.
            let names = (journey["recent_events"]?["data"]).flatMap { value -> [String]? in
                guard case .array(let rows) = value else { return nil }
                return rows.compactMap { if case .string(let name)? = $0["name"] { name } else { nil } }
            }
            #expect(names?.last == "user.created")
            // Both routes answer as the OpenAPI document says, refusals included.
            let document = try await fixture.analytics.get("/openapi.json").json
            let events = try await fixture.analytics.get("/v1/analytics/users/\(user.uuidString.lowercased())/events?limit=2", token: investor)
            let refused = try await fixture.analytics.get(
                "/v1/analytics/users/\(user.uuidString.lowercased())/events", token: try await fixture.token(.investor))
            for (path, reply) in [
                ("/v1/analytics/users/{id}/journey", journey), ("/v1/analytics/users/{id}/events", events),
                ("/v1/analytics/users/{id}/events", refused),
            ] {
                let found = OpenAPIConformance.problems(
                    in: document, method: "GET", path: path, status: reply.status, contentType: reply.headers.first(name: "Content-Type") ?? "",
                    body: reply.text)
                #expect(found.isEmpty, "\(path) \(reply.status): \(found)")
                if let schema = OpenAPIConformance.responseSchema(in: document, method: "GET", path: path, status: reply.status) {
                    let mismatches = OpenAPIConformance.schemaProblems(reply.json, against: schema, in: document)
                    #expect(mismatches.isEmpty, "\(path) \(reply.status): \(mismatches)")
                }
            }
            #expect(events["next_cursor"] != JSONValue.null)
            #expect(Set(names ?? []) == ["user.created", "investor_profile.created", "investor_qualification.submitted"])
        }
    }

    /// "Check how much tax you can save": a returning user signs in from the calculator (auth's
    /// `user.signed_in` with its source) and uses it (investments' `tax_calculator.used`).
    @Test func theTaxCalculatorJourneyStartsAtSignInAndEndsWithTheEstimate() async throws {
        try await AnalyticsFixture.run(withAuth: true, withInvestments: true) { fixture in
            let auth = try #require(fixture.auth)
            let investments = try #require(fixture.investments)
            let email = "cy.\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let signedUp = try await auth.post("/v1/auth/signup", #"{"email":"\#(email)","password":"correct horse battery"}"#)
            #expect(signedUp.status == 202)
            try await fixture.rows("UPDATE auth.users SET email_verified_at = now() WHERE email = '\(email)' RETURNING 'ok'")
            let signedIn = try await auth.post(
                "/v1/auth/token",
                #"{"grant_type":"password","email":"\#(email)","password":"correct horse battery","source":"check_how_much_tax_you_can_save"}"#)
            #expect(signedIn.status == 200, "\(signedIn.text)")
            let userText = try await fixture.rows("SELECT id::text FROM auth.users WHERE email = '\(email)'").first
            let user = try #require(userText.flatMap(UUID.init(uuidString:)))
            let estimate = try await investments.post(
                "/v1/tax/oz-estimate",
                #"{"gain_amount": "1000000.00", "gain_date": "2019-06-01", "investment_date": "2019-06-30", "investment_amount": "1000000.00", "tax_rate": 0.238, "fund_type": "standard"}"#,
                token: try await fixture.token(.investor, user: user))
            #expect(estimate.status == 200, "\(estimate.text)")
            let completed = try await eventually(timeout: .seconds(30)) {
                try await fixture.count("SELECT count(*) FROM analytics.journeys WHERE completing_event = 'tax_calculator.used'") == 1
            }
            #expect(completed)
            // Signed up with no source: only the sign-in names an entry point, and it was not the first.
            #expect(
                try await fixture.rows(
                    """
                    SELECT j.entry_point, j.first_auth::text, j.auth_method, (j.started_by = s.id)::text
                    FROM analytics.journeys j JOIN analytics.events s ON s.name = 'user.signed_in'
                    """) == ["check_how_much_tax_you_can_save|false|password|true"])
            #expect(try await fixture.count("SELECT count(*) FROM analytics.events WHERE user_id = '\(user)' AND name = 'user.created'") == 1)
        }
    }

    /// "Check if your development is in an OZ": the sign-up names it, the saved check (properties'
    /// `oz_check.completed`) completes it; the new developer profile is recorded beside it.
    @Test func theOZCheckJourneyEndsWithASavedCheck() async throws {
        try await AnalyticsFixture.run(withAuth: true, withProperties: true) { fixture in
            let auth = try #require(fixture.auth)
            let properties = try #require(fixture.properties)
            let email = "di.\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let signedUp = try await auth.post(
                "/v1/auth/signup",
                #"{"email":"\#(email)","password":"correct horse battery","source":"check_if_your_development_is_in_an_oz"}"#)
            #expect(signedUp.status == 202)
            let userText = try await fixture.rows("SELECT id::text FROM auth.users WHERE email = '\(email)'").first
            let user = try #require(userText.flatMap(UUID.init(uuidString:)))
            let check = try await properties.post(
                "/v1/oz/check", #"{"tract_geoid":"01001020700","save":true}"#, token: try await fixture.token(.investor, user: user))
            #expect(check.status == 200, "\(check.text)")
            let completed = try await eventually(timeout: .seconds(30)) {
                try await fixture.count("SELECT count(*) FROM analytics.journeys WHERE completing_event = 'oz_check.completed'") == 1
            }
            #expect(completed)
            #expect(
                try await fixture.rows("SELECT entry_point, first_auth::text, auth_method FROM analytics.journeys WHERE user_id = '\(user)'")
                    == ["check_if_your_development_is_in_an_oz|true|password"])
            #expect(
                try await fixture.rows(
                    "SELECT name, origin, properties->>'tract_geoid', properties->>'designated' FROM analytics.events WHERE name = 'oz_check.completed'"
                ) == ["oz_check.completed|properties|01001020700|true"])
            #expect(
                try await eventually(timeout: .seconds(30)) {
                    try await fixture.count("SELECT count(*) FROM analytics.events WHERE name = 'developer_profile.created' AND user_id = '\(user)'")
                        == 1
                })
        }
    }

    /// Client events (from ingestion) move journeys and interests in the transaction that stores
    /// them; a visitor's `auth_initiated` before sign-in joins their journey once `identify` links
    /// them (`replay`).
    @Test func clientEventsKeepInterestsAndAnIdentifiedVisitorsSignInJoinsTheirJourney() async throws {
        try await AnalyticsFixture.run { fixture in
            let user = UUID()
            let now = Date()
            func event(_ name: String, _ seconds: Double, _ properties: [String: JSONValue] = [:], user: UUID? = nil, anonymous: String? = nil)
                -> RecordedEvent
            {
                RecordedEvent(
                    id: UUID(), name: name, origin: "client", occurredAt: now.addingTimeInterval(seconds), receivedAt: now, userID: user,
                    anonymousID: anonymous, referrer: "https://news.example/oz", properties: .object(properties))
            }
            let logger = Logger(label: "test.journeys")
            try await TestDatabase.withClient(fixture.database.url(for: .analytics)) { postgres in
                func store(_ events: [RecordedEvent]) async throws {
                    try await postgres.transaction(logger: logger) { connection in
                        let stored = try await EventWriter().write(events, on: connection, logger: logger)
                        try await JourneyWriter().apply(events: events.filter { stored.contains($0.id) }, on: connection, logger: logger)
                    }
                }
                let signIn = event(
                    "auth_initiated", -60, ["source_endpoint": "see_oz_listings", "first_auth": true, "auth_method": "google"], anonymous: "visitor-1"
                )
                try await store([signIn, event("page_viewed", -50, anonymous: "visitor-1")])
                #expect(try await fixture.count("SELECT count(*) FROM analytics.journeys") == 0)

                let dashboard = event("dashboard_viewed", 0, user: user)
                try await store([dashboard, event("listings_viewed", 10, user: user), event("listing_viewed", 20, user: user)])
                // A redelivered batch changes nothing.
                try await store([dashboard])
                #expect(
                    try await fixture.rows(
                        "SELECT dashboard_accessed::text, viewed_listings::text, needs_team_contact::text, community_member::text FROM analytics.user_interests"
                    ) == ["true|true|false|false"])
                #expect(
                    try await fixture.rows("SELECT entry_point, first_auth::text, completing_event FROM analytics.journeys ORDER BY entry_point")
                        == ["see_dashboard|∅|dashboard_viewed", "see_oz_listings|∅|listings_viewed"])

                // identify, as ingestion does it: the visitor's rows become the user's, then the
                // journey is replayed from them.
                try await postgres.transaction(logger: logger) { connection in
                    try await connection.query(
                        "INSERT INTO analytics.identities (anonymous_id, user_id) VALUES ('visitor-1', \(user))", logger: logger)
                    try await connection.query(
                        "UPDATE analytics.events SET user_id = \(user), actor = \(user.uuidString.lowercased()) WHERE anonymous_id = 'visitor-1'",
                        logger: logger)
                    try await JourneyWriter().replay(user: user, on: connection, logger: logger)
                }
                #expect(
                    try await fixture.rows(
                        "SELECT entry_point, first_auth::text, auth_method, referrer, (started_by = '\(signIn.id)')::text, completing_event FROM analytics.journeys WHERE entry_point = 'see_oz_listings'"
                    ) == ["see_oz_listings|true|google|https://news.example/oz|true|listings_viewed"])

                // Later events of the identified visitor, still sent anonymously, count for the user.
                try await store([event("team_contact.requested", 30, anonymous: "visitor-1")])
                #expect(try await fixture.rows("SELECT needs_team_contact::text FROM analytics.user_interests") == ["true"])
            }
        }
    }

    @Test func onlyStaffAndTheUserThemselfReadAUsersEvents() async throws {
        try await AnalyticsFixture.run { fixture in
            let user = UUID()
            let path = "/v1/analytics/users/\(user.uuidString.lowercased())"
            let own = try await fixture.token(.investor, user: user)
            let other = try await fixture.token(.investor)
            let staff = try await fixture.token(.admin)
            for suffix in ["/journey", "/events"] {
                #expect(try await fixture.analytics.get(path + suffix).status == 401)
                let refused = try await fixture.analytics.get(path + suffix, token: other)
                #expect(refused.status == 403)
                #expect(refused.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true)
                #expect(try await fixture.analytics.get(path + suffix, token: own).status == 200)
                #expect(try await fixture.analytics.get(path + suffix, token: staff).status == 200)
            }
            let service = try await fixture.issuer.serviceToken(for: .communications)
            #expect(try await fixture.analytics.get(path + "/events", token: service).status == 403)
            #expect(try await fixture.analytics.get("/v1/analytics/users/not-a-user/events", token: staff).status == 404)
            let empty = try await fixture.analytics.get(path + "/journey", token: own)
            #expect(
                empty.json
                    == .object([
                        "user_id": .string(user.uuidString.lowercased()), "interests": .null, "journeys": .array([]),
                        "recent_events": .object(["data": .array([]), "next_cursor": .null]),
                    ]))
        }
    }
}
