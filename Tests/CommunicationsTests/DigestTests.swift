import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import CommunicationsService

/// Daily digests: what accumulated goes out as ONE email at the user's hour.
@Suite struct DigestTests {
    static let omar = UserContact(id: UUID(), email: "omar@example.com", firstName: "Omar", emailVerified: true)

    @Test func aDailyDigestBundlesThreeNotificationsIntoOneEmail() async throws {
        // Monday 15:00 UTC; Omar's digest is at 18:00 UTC.
        try await NotificationFixture.run(accounts: [Self.omar]) { fixture in
            let omar = Self.omar.id
            let daily = try await PreferenceTests.patch(fixture, omar, #"{"digest_hour":18,"categories":{"community":{"frequency":"daily"}}}"#)
            try #require(daily.status == 200, "\(daily.text)")
            for title in ["Meetup in Austin", "New member forum", "Webinar recording"] {
                try await PreferenceTests.staffNotice(fixture, to: omar, category: "community", title: title)
            }
            try await fixture.letTheWorkerRun()
            #expect(try fixture.sink.messages().isEmpty)
            #expect(
                try await fixture.sql(
                    "SELECT status || ' ' || to_char(due_at AT TIME ZONE 'UTC', 'HH24:MI') || ' ' || count(*) FROM communications.notification_deliveries GROUP BY status, due_at"
                ) == ["digest 18:00 3"])
            fixture.clock.set(NotificationFixture.start.addingTimeInterval(3 * 3600))
            let digest = try await fixture.sink.waitForMessage(to: Self.omar.email)
            #expect(digest.subject == "Your Tract digest: 3 updates")
            for title in ["Meetup in Austin", "New member forum", "Webinar recording"] {
                #expect(digest.text?.contains(title) == true, "\(digest.text ?? "")")
            }
            #expect(digest.text?.contains("Hello Omar,") == true)
            // A digest can be left in one click: every category that may be turned off.
            #expect(digest.headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click")
            try await fixture.letTheWorkerRun()
            #expect(try fixture.sink.messages().count == 1)
            #expect(try await fixture.sql("SELECT status || ' ' || notification_count FROM communications.notification_digests") == ["sent 3"])
            #expect(try await fixture.sql("SELECT DISTINCT status FROM communications.notification_deliveries") == ["bundled"])
        }
    }
}
