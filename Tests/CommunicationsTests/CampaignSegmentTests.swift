import Foundation
import Models
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// A campaign to an analytics segment, with the real analytics computing the segment and the
/// real auth answering for addresses: only members auth knows, whose address is verified and
/// who have not been deleted, get the mail.
@Suite struct CampaignSegmentTests {
    @Test func aSegmentCampaignMailsTheVerifiedMembersAuthStillHas() async throws {
        try await CampaignFixture.run(withAudienceServices: true) { fixture in
            // ada: verified, viewed listings → mailed. bob: unverified → no marketing mail.
            // cy: deleted → gone. dee: verified, never viewed → not in the segment.
            // A segment member auth never heard of (an id from another system) → nobody to mail.
            let (ada, bob, cy, dee, stranger) = (UUID(), UUID(), UUID(), UUID(), UUID())
            _ = try await fixture.sql(
                """
                INSERT INTO auth.users (id, email, email_verified_at, first_name, status, deleted_at) VALUES
                    ('\(ada)', 'ada@example.com', now(), 'Ada', 'active', NULL),
                    ('\(bob)', 'bob@example.com', NULL, 'Bob', 'active', NULL),
                    ('\(cy)', 'cy@example.com', now(), 'Cy', 'deleted', now()),
                    ('\(dee)', 'dee@example.com', now(), 'Dee', 'active', NULL)
                """)
            let viewers = [ada, bob, cy, stranger].map {
                "(gen_random_uuid(), 'listing_viewed', 'client', now() - interval '1 hour', now(), '\($0)', NULL, '\($0)', '{}')"
            }
            _ = try await fixture.sql(
                """
                INSERT INTO analytics.events (id, name, origin, occurred_at, received_at, user_id, anonymous_id, actor, properties)
                VALUES \(viewers.joined(separator: ", "))
                """)
            let segment = try await fixture.analytics.post(
                "/v1/analytics/segments", #"{"name":"Viewers","rules":{"event":"listing_viewed"}}"#, token: fixture.staff)
            #expect(segment.status == 201, "\(segment.text)")
            #expect(segment.int("member_count") == 4, "\(segment.text)")
            let segmentID = try #require(segment.string("id"))

            let created = try await fixture.client.post(
                "/v1/communications/campaigns",
                try CampaignFixture.json([
                    "name": "Viewers", "subject": "For {{name}}", "html_template": CampaignFixture.html, "text_template": CampaignFixture.text,
                    "audience": "segment", "segment_id": segmentID,
                ]), token: fixture.staff)
            #expect(created.status == 201, "\(created.text)")
            let campaign = try #require(created.string("id"))
            #expect(try await fixture.client.post("/v1/communications/campaigns/\(campaign)/send", "", token: fixture.staff).status == 200)
            try await fixture.waitFor(campaign, status: "sent")

            let mails = try fixture.sink.messages()
            #expect(mails.map(\.rcptTos) == [["ada@example.com"]])
            #expect(mails.first?.subject == "For Ada")
            #expect(try await fixture.report(campaign).int("sent") == 1)
        }
    }
}
