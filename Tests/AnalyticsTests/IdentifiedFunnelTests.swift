import Foundation
import Models
import TestSupport
import Testing

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
}
