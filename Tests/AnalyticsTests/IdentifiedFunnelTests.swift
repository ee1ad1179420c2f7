import Foundation
import Models
import TestSupport
import Testing

@testable import AnalyticsService

/// Issue 13: what a visitor did before signing in counts in the user's funnel once they are
/// identified — through the real routes, from anonymous batch to staff report.
@Suite struct IdentifiedFunnelTests {
    static let funnel = "/v1/analytics/funnels?steps=listing_viewed,listing_details_opened,documents_downloaded&window=1d"

    @Test func eventsBeforeSignInJoinTheUsersFunnelAfterIdentify() async throws {
        try await IngestionFixture.run { app in
            let user = UUID()
            let token = try await app.token(.investor, user: user)
            let staff = try await app.token(.admin, user: UUID())
            // Minutes apart: a step at the same instant as the one before is not after it.
            func minutesAgo(_ minutes: Double) -> JSONValue {
                .string(ISO8601DateFormatter().string(from: Date(timeIntervalSinceNow: -60 * minutes)))
            }
            let browsing = try await app.post(
                "/v1/analytics/batch",
                batchJSON([
                    ["name": "listing_viewed", "anonymous_id": "visitor-42", "timestamp": minutesAgo(3)],
                    ["name": "listing_details_opened", "anonymous_id": "visitor-42", "timestamp": minutesAgo(2)],
                ])
            )
            #expect(browsing["accepted"] == 2, "\(browsing.text)")
            // Signed in, the same person downloads the documents.
            #expect(
                try await app.post("/v1/analytics/events", eventJSON(["name": "documents_downloaded", "timestamp": minutesAgo(1)]), token: token)
                    .status == 202)

            // Before identify they are two people: a visitor who stopped at step 2, a user who only did step 3.
            let apart = try await app.client.get(Self.funnel, token: staff)
            #expect(apart.status == 200, "\(apart.text)")
            #expect(FunnelReportTests.steps(apart["steps"]) == [1, 1, 0])

            #expect(try await app.post("/v1/analytics/identify", #"{"anonymous_id": "visitor-42"}"#, token: token).status == 200)
            let joined = try await app.client.get(Self.funnel, token: staff)
            #expect(FunnelReportTests.steps(joined["steps"]) == [1, 1, 1])
        }
    }

    /// A long funnel reads each actor's first events per day from the rollup; a day the rollup has
    /// done goes back to being read from the events when `identify` moves its events to the user
    /// or a late event lands on it, until the rollup does it again.
    @Test func identifyAndLateEventsReopenRolledUpDays() async throws {
        try await IngestionFixture.run { app in
            let user = UUID()
            let token = try await app.token(.investor, user: user)
            let staff = try await app.token(.admin, user: UUID())
            let twoDaysAgo = Date(timeIntervalSinceNow: -2 * 86_400)
            let day = RollupDays.day(twoDaysAgo)
            let stamp = JSONValue.string(ISO8601DateFormatter().string(from: twoDaysAgo))
            let rolledUp = { try await app.sql("SELECT day::text FROM analytics.funnel_days WHERE day = '\(day)'") == [day] }
            let rollup = { try await app.post("/v1/analytics/metrics/rollup?from=\(day)&to=\(day)", "", token: staff).status }

            _ = try await app.post("/v1/analytics/events", eventJSON(["name": "listing_viewed", "anonymous_id": "v-7", "timestamp": stamp]))
            #expect(try await rollup() == 200)
            #expect(try await rolledUp())
            #expect(try await app.post("/v1/analytics/identify", #"{"anonymous_id": "v-7"}"#, token: token).status == 200)
            #expect(try await rolledUp() == false, "identify moved that day's events to the user")

            #expect(try await rollup() == 200)
            #expect(try await rolledUp())
            let late = try await app.post("/v1/analytics/events", eventJSON(["name": "listing_details_opened", "timestamp": stamp]), token: token)
            #expect(late.status == 202)
            #expect(try await rolledUp() == false, "a late event landed on a rolled-up day")
            // Today's events leave the rolled-up days alone.
            #expect(try await rollup() == 200)
            _ = try await app.post("/v1/analytics/events", eventJSON(["name": "page_viewed"]), token: token)
            #expect(try await rolledUp())
        }
    }
}
