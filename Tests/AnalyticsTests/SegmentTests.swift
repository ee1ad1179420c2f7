import Foundation
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import AnalyticsService

/// Segments: the issue's example rule over a hand-made history, refresh keeping members,
/// validation naming paths, staff-only CRUD and the internal members route.
@Suite struct SegmentTests {
    static let g1 = "d4d4d4d4-0000-4000-8000-000000000001"
    static let g2 = "d4d4d4d4-0000-4000-8000-000000000002"
    static let g3 = "d4d4d4d4-0000-4000-8000-000000000003"
    static let g4 = "d4d4d4d4-0000-4000-8000-000000000004"
    static let g5 = "d4d4d4d4-0000-4000-8000-000000000005"

    /// "Tax calculator used with a gain over $500k, viewed ≥ 3 listings in 30 days, not invested."
    static let example = """
        {"name": "Big gains, browsing, not in yet", "description": "campaign A",
         "rules": {"all": [
            {"event": "tax_calculator.used", "where": {"capital_gain": {"gt": 500000}}},
            {"event": "listing_viewed", "count": {"gte": 3}, "within_days": 30},
            {"not": {"event": "investment.committed"}}
         ]}}
        """

    static func views(_ actor: String, _ days: [String]) -> [ReportsFixture.Event] {
        days.map { .init(actor: actor, name: "listing_viewed", at: "2026-\($0)T10:00:00Z") }
    }

    /// Today is 2026-11-24 12:00Z, so "30 days" starts 2026-10-25 12:00Z.
    /// - g1: gain "750000.00" (money as a string), 3 views in the window → in
    /// - g2: gain 400000 → out (until it calculates again with 800000)
    /// - g3: gain 900000, 3 views but one 2026-10-20 (outside the window) → out
    /// - g4: gain 600000, 3 views, committed → out
    /// - g5: gain 1000000, 4 views → in
    static let history: [ReportsFixture.Event] =
        [
            .init(actor: g1, name: "tax_calculator.used", at: "2026-11-01T10:00:00Z", properties: #"{"capital_gain":"750000.00"}"#),
            .init(actor: g2, name: "tax_calculator.used", at: "2026-11-01T10:00:00Z", properties: #"{"capital_gain":400000}"#),
            .init(actor: g3, name: "tax_calculator.used", at: "2026-11-01T10:00:00Z", properties: #"{"capital_gain":900000}"#),
            .init(actor: g4, name: "tax_calculator.used", at: "2026-11-01T10:00:00Z", properties: #"{"capital_gain":600000}"#),
            .init(actor: g4, name: "investment.committed", at: "2026-11-20T10:00:00Z"),
            .init(actor: g5, name: "tax_calculator.used", at: "2026-11-01T10:00:00Z", properties: #"{"capital_gain":1000000}"#),
            .init(actor: "anon:z", name: "tax_calculator.used", at: "2026-11-01T10:00:00Z", properties: #"{"capital_gain":1000000}"#),
        ] + views(g1, ["10-26", "11-10", "11-20"]) + views(g2, ["11-10", "11-11", "11-12"]) + views(g3, ["10-20", "11-10", "11-11"])
        + views(g4, ["11-10", "11-11", "11-12"]) + views(g5, ["11-01", "11-10", "11-11", "11-12"]) + views("anon:z", ["11-10", "11-11", "11-12"])

    static func ids(_ page: JSONValue) -> [String] {
        (0..<50).compactMap { page["data"]?[$0]?["user_id"] }.compactMap { if case .string(let s) = $0 { s } else { nil } }
    }

    @Test func theIssuesExampleMatchesExactlyItsUsersAndRefreshKeepsThem() async throws {
        try await ReportsFixture.run { fixture in
            try await fixture.insert(Self.history)
            let staff = try await fixture.staff()
            let created = try await fixture.client.post("/v1/analytics/segments", Self.example, token: staff)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json["member_count"] == .number(2))
            let id = try #require(created.string("id"))
            #expect(created.headers["Location"].first == "/v1/analytics/segments/\(id)")

            let members = try await fixture.client.get("/v1/analytics/segments/\(id)/members", token: staff)
            #expect(Self.ids(members.json) == [Self.g1, Self.g5])
            let firstAdded = members.json["data"]?[0]?["added_at"]

            // g2 calculates again with a bigger gain; g5 invests.
            try await fixture.insert([
                .init(actor: Self.g2, name: "tax_calculator.used", at: "2026-11-21T10:00:00Z", properties: #"{"capital_gain":800000}"#),
                .init(actor: Self.g5, name: "investment.committed", at: "2026-11-22T10:00:00Z"),
            ])
            let refreshed = try await fixture.client.post("/v1/analytics/segments/\(id)/refresh", "", token: staff)
            #expect(refreshed.json["member_count"] == .number(2))
            let after = try await fixture.client.get("/v1/analytics/segments/\(id)/members", token: staff)
            #expect(Self.ids(after.json) == [Self.g1, Self.g2])
            #expect(after.json["data"]?[0]?["added_at"] == firstAdded)

            // communications reads the same members with its service token; other services cannot.
            let communications = try await fixture.issuer.serviceToken(for: .communications)
            let viaInternal = try await fixture.client.get("/internal/v1/segments/\(id)/members?limit=1", token: communications)
            #expect(Self.ids(viaInternal.json) == [Self.g1], "\(viaInternal.text)")
            let next = try #require(viaInternal.string("next_cursor"))
            let second = try await fixture.client.get("/internal/v1/segments/\(id)/members?limit=1&cursor=\(next)", token: communications)
            #expect(Self.ids(second.json) == [Self.g2])
            #expect(second.json["next_cursor"] == .null)
            let investments = try await fixture.issuer.serviceToken(for: .investments)
            #expect(try await fixture.client.get("/internal/v1/segments/\(id)/members", token: investments).status == 403)

            // A narrower rule by PATCH: only those who also viewed at least 4 listings ever.
            let patched = try await fixture.client.send(
                .PATCH, "/v1/analytics/segments/\(id)",
                json:
                    #"{"rules": {"all": [{"event": "listing_viewed", "count": {"gte": 4}}, {"not": {"event": "investment.committed", "count": {"gte": 1}}}]}}"#,
                token: staff
            )
            #expect(patched.status == 200, "\(patched.text)")
            #expect(patched.json["name"] == .string("Big gains, browsing, not in yet"))
            #expect(patched.json["member_count"] == .number(0))
            #expect(try await fixture.client.send(.DELETE, "/v1/analytics/segments/\(id)", token: staff).status == 204)
            #expect(try await fixture.client.get("/v1/analytics/segments/\(id)", token: staff).status == 404)
        }
    }

    @Test func badRulesAreNamedByPathAndOnlyStaffDefineSegments() async throws {
        try await ReportsFixture.run { fixture in
            let staff = try await fixture.staff()
            let bad = try await fixture.client.post(
                "/v1/analytics/segments",
                #"""
                {"name": "x", "colour": "red", "rules": {"all": [
                    {"event": "Not A Name"},
                    {"event": "listing_viewed", "count": {"gte": -1}, "within_days": 0},
                    {"event": "tax_calculator.used", "where": {"capital_gain": {"gt": "lots"}}},
                    {"interest": "rich"},
                    {"any": []}
                ]}}
                """#,
                token: staff
            )
            #expect(bad.status == 422)
            let fields = Set((0..<20).compactMap { bad.json["errors"]?[$0]?["field"] })
            #expect(
                fields
                    == Set(
                        [
                            "colour", "rules.all[0].event", "rules.all[1].count.gte", "rules.all[1].within_days",
                            "rules.all[2].where.capital_gain.gt", "rules.all[3].interest", "rules.all[4].any",
                        ].map(JSONValue.string)
                    ),
                "\(bad.text)"
            )
            #expect(try await fixture.client.post("/v1/analytics/segments", Self.example).status == 401)
            #expect(try await fixture.client.post("/v1/analytics/segments", Self.example, token: try await fixture.investor()).status == 403)
            #expect(try await fixture.client.post("/v1/analytics/segments", Self.example, token: staff).status == 201)
            #expect(try await fixture.client.post("/v1/analytics/segments", Self.example, token: staff).status == 409)
        }
    }

    /// Interest flags (`user_interests`, kept by the journeys) combine with event history: here
    /// "wants the team to call, has not invested, or has any listing view in 30 days but not the
    /// community".
    @Test func interestFlagsCombineWithEventHistory() async throws {
        try await ReportsFixture.run { fixture in
            try await fixture.insert(Self.history)
            try await fixture.sql(
                """
                INSERT INTO analytics.user_interests (user_id, needs_team_contact, community_member, created_at, updated_at)
                VALUES ('\(Self.g1)', true, false, now(), now()), ('\(Self.g4)', true, false, now(), now()),
                       ('\(Self.g2)', false, true, now(), now())
                ON CONFLICT (user_id) DO UPDATE SET needs_team_contact = excluded.needs_team_contact, community_member = excluded.community_member
                """
            )
            let staff = try await fixture.staff()
            let created = try await fixture.client.post(
                "/v1/analytics/segments",
                #"""
                {"name": "call or browse", "rules": {"any": [
                    {"all": [{"interest": "needs_team_contact"}, {"not": {"event": "investment.committed"}}]},
                    {"all": [{"event": "listing_viewed", "within_days": 30}, {"interest": "community_member", "is": false}, {"not": {"interest": "needs_team_contact"}}]}
                ]}}
                """#,
                token: staff
            )
            #expect(created.status == 201, "\(created.text)")
            // g1: calls, not invested. g4: calls but invested; no view rule (flagged). g2: community.
            // g3, g5: recent views, not community, no flag.
            let members = try await fixture.client.get("/v1/analytics/segments/\(try #require(created.string("id")))/members", token: staff)
            #expect(Self.ids(members.json) == [Self.g1, Self.g3, Self.g5])
        }
    }

    /// The compiled statement carries names and values as binds, never in its text.
    @Test func rulesCompileToBindsOnly() throws {
        var errors = FieldErrors()
        let json = try JSONDecoder().decode(
            JSONValue.self,
            from: Data(
                #"{"all": [{"event": "tax_calculator.used", "where": {"note": {"eq": "x'; DROP TABLE y; --"}, "capital_gain": {"gt": 500000}}}]}"#
                    .utf8))
        let rule = try #require(SegmentRule.parse(json, at: "rules", errors: &errors))
        var binds = SQLBinds()
        let sql = rule.condition(&binds, now: ReportsFixture.now)
        #expect(!sql.contains("DROP") && !sql.contains("500000") && !sql.contains("tax_calculator") && !sql.contains("capital_gain"))
        #expect(binds.bindings.count == 5)  // the name, and each property's key and value
    }
}
