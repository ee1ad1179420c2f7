import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import CommunicationsService

/// Issue 14: each event makes the right notification for the right users only, and its email
/// channel is the investor email of before, sent by the delivery worker.
@Suite struct NotificationEventTests {
    static let grace = UserContact(id: UUID(), email: "grace@example.com", firstName: "Grace", emailVerified: true)
    static let hugo = UserContact(id: UUID(), email: "hugo@example.com", firstName: "Hugo", emailVerified: true)
    static let ines = UserContact(id: UUID(), email: "ines@example.com", firstName: nil, emailVerified: true)
    static let flats = UUID()
    static let tower = UUID()

    static func committed(_ investor: UserContact, property: UUID, amount: String = "50000.00") -> String {
        """
        {"investment_id":"\(UUID().uuidString.lowercased())","offering_id":"\(UUID().uuidString.lowercased())",
         "property_id":"\(property.uuidString.lowercased())","investor_id":"\(investor.id.uuidString.lowercased())","amount":"\(amount)"}
        """
    }

    static func progress(_ property: UUID) -> String {
        """
        {"progress_update_id":"\(UUID().uuidString.lowercased())","project_id":"\(UUID().uuidString.lowercased())",
         "property_id":"\(property.uuidString.lowercased())","sponsor_id":"\(UUID().uuidString.lowercased())","update_date":"2026-12-01",
         "completion_percentage":40,"units_completed":3,"spent_to_date":"120000.00","project_completion_percentage":40,
         "project_status":"in_progress"}
        """
    }

    @Test func eachEventNotifiesItsUsersOnly() async throws {
        try await NotificationFixture.run(accounts: [Self.grace, Self.hugo, Self.ines]) { fixture in
            // Grace invests in the flats, Hugo in the tower.
            try #require(
                try await fixture.deliver("investment.committed", from: .investments, payload: Self.committed(Self.grace, property: Self.flats))
                    .string("outcome") == "applied")
            try await fixture.deliver("investment.committed", from: .investments, payload: Self.committed(Self.hugo, property: Self.tower))
            let grace = Self.grace.id.uuidString.lowercased()
            try await fixture.deliver(
                "investment.funded", from: .investments,
                payload: """
                    {"investment_id":"\(UUID().uuidString.lowercased())","offering_id":"\(UUID().uuidString.lowercased())",
                     "property_id":"\(Self.flats.uuidString.lowercased())","investor_id":"\(grace)","amount":"50000.00","funding_date":"2026-12-02"}
                    """)
            try await fixture.deliver(
                "distribution.paid", from: .investments,
                payload: """
                    {"distribution_id":"\(UUID().uuidString.lowercased())","investment_id":"\(UUID().uuidString.lowercased())",
                     "investor_id":"\(grace)","property_id":"\(Self.flats.uuidString.lowercased())","distribution_type":"quarterly",
                     "payment_date":"2026-12-03","gross_amount":"1000.00","tax_withheld":"240.00","net_amount":"760.00"}
                    """)
            try await fixture.deliver(
                "statement.sent", from: .investments,
                payload: """
                    {"statement_id":"\(UUID().uuidString.lowercased())","investor_id":"\(grace)","statement_type":"monthly",
                     "period_start":"2026-11-01","period_end":"2026-11-30"}
                    """)
            // A share with Ines, and a share by link (no one to tell).
            try await fixture.deliver(
                "media.document_shared", from: .properties,
                payload: """
                    {"share_id":"\(UUID().uuidString.lowercased())","document_id":"\(UUID().uuidString.lowercased())",
                     "shared_by":"\(UUID().uuidString.lowercased())","shared_with":"\(Self.ines.id.uuidString.lowercased())"}
                    """)
            try await fixture.deliver(
                "media.document_shared", from: .properties,
                payload: """
                    {"share_id":"\(UUID().uuidString.lowercased())","document_id":"\(UUID().uuidString.lowercased())",
                     "shared_by":"\(UUID().uuidString.lowercased())","shared_with":null}
                    """)
            try await fixture.deliver(
                "media.signature_requested", from: .properties,
                payload: """
                    {"signature_id":"\(UUID().uuidString.lowercased())","document_id":"\(UUID().uuidString.lowercased())",
                     "signer_id":"\(Self.hugo.id.uuidString.lowercased())","requested_by":"\(UUID().uuidString.lowercased())"}
                    """)
            // The flats' progress reaches Grace (who invested there) and nobody else.
            try await fixture.deliver("renovation.progress_updated", from: .properties, payload: Self.progress(Self.flats))

            #expect(
                try await fixture.titles(Self.grace.id) == [
                    "Renovation progress on a property you invested in", "Your monthly statement is ready",
                    "Your quarterly distribution of $760.00 was paid", "We received your $50,000.00 investment",
                    "Your $50,000.00 commitment is confirmed",
                ])
            #expect(try await fixture.titles(Self.hugo.id) == ["Your signature is requested", "Your $50,000.00 commitment is confirmed"])
            #expect(try await fixture.titles(Self.ines.id) == ["A document was shared with you"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.notifications") == ["8"])
            // Each is in its user's live feed, in order, for open clients (Live/).
            #expect(
                try await fixture.sql(
                    "SELECT payload->>'title' FROM communications.live_items WHERE user_id = '\(grace)' AND kind = 'notification' ORDER BY seq DESC LIMIT 1"
                ) == ["Renovation progress on a property you invested in"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.live_items WHERE kind = 'notification'") == ["8"])

            // The investor emails of before are these notifications' email channel.
            let commitment = try await fixture.sink.waitForMessage(to: Self.grace.email, subjectPrefix: "Your $50,000.00 commitment")
            #expect(commitment.text?.contains("Hello Grace,") == true)
            _ = try await fixture.sink.waitForMessage(to: Self.grace.email, subjectPrefix: "We received your $50,000.00")
            let payment = try await fixture.sink.waitForMessage(to: Self.grace.email, subjectPrefix: "Your quarterly distribution")
            #expect(payment.text?.contains("$240.00") == true)
            let progress = try await fixture.sink.waitForMessage(to: Self.grace.email, subjectPrefix: "Renovation progress")
            #expect(progress.text?.contains("40% complete") == true)
            #expect(progress.text?.contains("https://app.tract.example/properties/\(Self.flats.uuidString.lowercased())/renovation") == true)
            _ = try await fixture.sink.waitForMessage(to: Self.ines.email, subjectPrefix: "A document was shared")
            let signature = try await fixture.sink.waitForMessage(to: Self.hugo.email, subjectPrefix: "Your signature is requested")
            #expect(signature.text?.contains("Hello Hugo,") == true)
            try await fixture.letTheWorkerRun()
            // The statement's mail is investments' own (statement_ready): nothing more here.
            #expect(try fixture.sink.messages().filter { $0.rcptTos == [Self.grace.email] }.count == 4)
            #expect(try fixture.sink.messages().filter { $0.rcptTos == [Self.hugo.email] }.count == 2)
            #expect(try await fixture.sql("SELECT DISTINCT requested_by FROM communications.email_sends") == ["communications"])
        }
    }

    @Test func aRedeliveredEventCreatesNothingTwice() async throws {
        try await NotificationFixture.run(accounts: [Self.grace]) { fixture in
            let id = UUID()
            let payload = Self.committed(Self.grace, property: Self.flats)
            #expect(try await fixture.deliver("investment.committed", from: .investments, id: id, payload: payload).string("outcome") == "applied")
            _ = try await fixture.sink.waitForMessage(to: Self.grace.email)
            #expect(try await fixture.deliver("investment.committed", from: .investments, id: id, payload: payload).string("outcome") == "duplicate")
            // The same event again past the inbox (its record purged): the dedupe key still holds.
            _ = try await fixture.sql("DELETE FROM communications.inbox")
            #expect(try await fixture.deliver("investment.committed", from: .investments, id: id, payload: payload).string("outcome") == "applied")
            try await fixture.letTheWorkerRun()
            #expect(try await fixture.titles(Self.grace.id).count == 1)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.notification_deliveries") == ["1"])
            #expect(try fixture.sink.messages().count == 1)

            // A progress update redelivered reaches each investor once.
            let update = UUID()
            let progress = Self.progress(Self.flats)
            try await fixture.deliver("renovation.progress_updated", from: .properties, id: update, payload: progress)
            _ = try await fixture.sql("DELETE FROM communications.inbox")
            try await fixture.deliver("renovation.progress_updated", from: .properties, id: update, payload: progress)
            #expect(try await fixture.titles(Self.grace.id).count == 2)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.live_items") == ["2"])
        }
    }

    /// auth's new-device mail is a critical security notification: listed, mailed at once to the
    /// address auth gave, without an unsubscribe link, whatever the user's quiet hours.
    @Test func aSignInFromANewDeviceIsACriticalSecurityNotification() async throws {
        let user = UUID()
        try await NotificationFixture.run { fixture in
            let token = try await fixture.token(user)
            let quiet = try await fixture.client.send(
                .PATCH, "/v1/communications/preferences",
                json: #"{"quiet_hours":{"enabled":true,"start":"00:00","end":"23:59","days_of_week":[0,1,2,3,4,5,6]}}"#, token: token)
            try #require(quiet.status == 200, "\(quiet.text)")
            let reply = try await fixture.deliver(
                "email.requested", from: .auth,
                payload: """
                    {"email":{"template_key":"new_device_sign_in","to":"zoe@example.com","user_id":"\(user.uuidString.lowercased())",
                     "variables":{"email":"zoe@example.com","device":"Firefox on Linux (desktop)","reset_link":"https://app.tract.example/reset-password"}}}
                    """)
            #expect(reply.string("outcome") == "applied", "\(reply.text)")
            let mail = try await fixture.sink.waitForMessage(to: "zoe@example.com")
            #expect(mail.subject == "New sign-in to your Tract account")
            #expect(mail.headers["list-unsubscribe"] == nil)
            let listed = try await fixture.client.get("/v1/communications/notifications", token: token)
            #expect(listed.text.contains(#""category": "security""#))
            #expect(listed.text.contains(#""priority": "critical""#))
            #expect(listed.text.contains(#""channels": ["in_app", "email"]"#))
        }
    }
}
