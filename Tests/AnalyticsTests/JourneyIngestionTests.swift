import Foundation
import Models
import TestSupport
import Testing

@testable import AnalyticsService

/// Seed 000's client-side entry points through the ingestion routes: a visitor signs in from "see
/// OZ listings" before analytics knows them, `identify` makes that their journey, and their views
/// complete it and the dashboard's, setting their interests.
@Suite struct JourneyIngestionTests {
    @Test func aVisitorsSignInAndViewsBecomeTheirJourneysAndInterests() async throws {
        try await IngestionFixture.run { fixture in
            let user = UUID()
            let token = try await fixture.token(.investor, user: user)
            let before = try await fixture.post(
                "/v1/analytics/batch",
                batchJSON([
                    .object(["name": "page_viewed", "anonymous_id": "v-42", "page_url": "https://tract.example/listings"]),
                    .object([
                        "name": "auth_initiated", "anonymous_id": "v-42",
                        "properties": .object([
                            "source_endpoint": "see_oz_listings", "first_auth": true, "auth_method": "google", "referrer": "https://news.example/oz",
                        ]),
                    ]),
                ]))
            #expect(before.status == 202, "\(before.text)")
            #expect(try await fixture.sql("SELECT count(*)::text FROM analytics.journeys") == ["0"])

            let identified = try await fixture.post("/v1/analytics/identify", #"{"anonymous_id": "v-42"}"#, token: token)
            #expect(identified.status == 200 || identified.status == 201 || identified.status == 204, "\(identified.text)")
            #expect(
                try await fixture.sql("SELECT entry_point, first_auth::text, auth_method, referrer, completed_at FROM analytics.journeys")
                    == ["see_oz_listings|true|google|https://news.example/oz|∅"])

            let after = try await fixture.post(
                "/v1/analytics/batch",
                batchJSON([
                    .object(["name": "listings_viewed", "anonymous_id": "v-42"]),
                    .object(["name": "auth_initiated", "properties": .object(["source_endpoint": "see_dashboard", "first_auth": false])]),
                    .object(["name": "dashboard_viewed"]),
                ]),
                token: token)
            #expect(after.status == 202, "\(after.text)")

            let journey = try await fixture.client.get("/v1/analytics/users/\(lower(user))/journey", token: token)
            #expect(journey.status == 200)
            #expect(
                journey["interests"]?["dashboard_accessed"] == .bool(true) && journey["interests"]?["viewed_listings"] == .bool(true)
                    && journey["interests"]?["needs_team_contact"] == .bool(false))
            #expect(
                try await fixture.sql("SELECT entry_point, first_auth::text, completing_event FROM analytics.journeys ORDER BY entry_point")
                    == ["see_dashboard|false|dashboard_viewed", "see_oz_listings|true|listings_viewed"])
            // Newest first; the visitor's events before sign-in are the user's too (one batch shares a time, so either order).
            let oldest = [journey["recent_events"]?["data"]?[3]?["name"], journey["recent_events"]?["data"]?[4]?["name"]]
            #expect(Set(oldest.compactMap { $0 }) == [.string("page_viewed"), .string("auth_initiated")])
        }
    }
}
