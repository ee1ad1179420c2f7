import Foundation
import Models
import TestSupport
import Testing

/// Issue 16: auth mails a sponsor application's decision as `email.requested`; communications
/// sends it through real SMTP (the sink), with the reviewer's reason intact, and only auth may ask.
@Suite struct SponsorDecisionMailTests {
    static func envelope(_ template: String, to email: String, variables: String, id: String) -> String {
        #"""
        {"id":"\#(id)","type":"email.requested","source":"auth","occurred_at":"2026-12-06T12:00:00Z",
         "payload":{"email":{"template_key":"\#(template)","to":"\#(email)","variables":\#(variables)}}}
        """#
    }

    @Test func bothDecisionsReachTheApplicantWithTheReasonOfARejection() async throws {
        try await CommunicationsFixture.run { fixture in
            let token = try await fixture.serviceToken(.auth)
            let rejected = Self.envelope(
                "sponsor_application_rejected", to: "ray@example.com",
                variables: #"{"greeting_name":"Ray","legal_name":"Riverside <Development> LLC","reason":"Please add the EIN letter (CP 575)."}"#,
                id: "0190c1a0-0000-7000-8000-0000000016a1")
            #expect(try await fixture.client.post("/internal/events", rejected, token: token).string("outcome") == "applied")
            let rejection = try await fixture.sink.waitForMessage(to: "ray@example.com")
            #expect(rejection.subject == "Your Tract sponsor application for Riverside <Development> LLC was not approved")
            #expect(rejection.text?.contains("Please add the EIN letter (CP 575).") == true)
            // The HTML part escapes what the applicant typed.
            #expect(rejection.html?.contains("Riverside &lt;Development&gt; LLC") == true)

            let approved = Self.envelope(
                "sponsor_application_approved", to: "sam@example.com", variables: #"{"greeting_name":"Sam","legal_name":"Magnolia LLC"}"#,
                id: "0190c1a0-0000-7000-8000-0000000016a2")
            #expect(try await fixture.client.post("/internal/events", approved, token: token).string("outcome") == "applied")
            let approval = try await fixture.sink.waitForMessage(to: "sam@example.com")
            #expect(approval.subject == "Your Tract sponsor application for Magnolia LLC is approved")
            #expect(approval.text?.contains("You are now a") == true)
        }
    }

    @Test func onlyAuthMayMailADecision() async throws {
        try await CommunicationsFixture.run { fixture in
            let body = #"{"template_key":"sponsor_application_approved","to":"x@example.com","variables":{"greeting_name":"X","legal_name":"Y"}}"#
            let reply = try await fixture.client.post(
                "/internal/v1/emails", body, token: try await fixture.serviceToken(.investments), headers: [("Idempotency-Key", "sponsor-0001")])
            #expect(reply.status == 403)
            #expect(try fixture.sink.messages().isEmpty)
        }
    }
}
