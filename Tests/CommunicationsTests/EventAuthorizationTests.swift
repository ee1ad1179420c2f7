import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import CommunicationsService

/// Issue 11, item 4: with analytics' secret one could make communications mail a signed sign-in
/// link of the attacker's making to anyone. Now only auth and investments may ask for mail, and only
/// in their own name; a refused request records nothing and sends nothing.
@Suite struct EventAuthorizationTests {
    static func emailRequested(id: String, source: String) -> String {
        #"""
        {"id":"\#(id)","type":"email.requested","source":"\#(source)","occurred_at":"2026-11-22T12:00:00Z",
         "payload":{"email":{"template_key":"magic_link","to":"victim@example.com","variables":{"link":"https://evil.example/magic-link?token=x","code":"123456","expires_in_minutes":"15"}}}}
        """#
    }

    @Test func analyticsCannotAskForMailUnderAnyName() async throws {
        try await CommunicationsFixture.run { fixture in
            let analytics = try await fixture.serviceToken(.analytics)
            let ownName = try await fixture.client.post(
                "/internal/events", Self.emailRequested(id: "0190c1a0-0000-7000-8000-0000000000f1", source: "analytics"), token: analytics
            )
            #expect(ownName.status == 403)
            #expect(ownName.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(ownName.string("detail") == #"This needs the "events:publish" scope."#)
            let direct = try await fixture.client.post(
                "/internal/v1/emails", EmailSendTests.magicLink, token: analytics, headers: [("Idempotency-Key", "evil-00001")]
            )
            #expect(direct.status == 403)
            #expect(direct.headers.first(name: "Content-Type") == "application/problem+json")

            // properties publishes events, but not email requests, and not in auth's name.
            let properties = try await fixture.serviceToken(.properties)
            let forged = try await fixture.client.post(
                "/internal/events", Self.emailRequested(id: "0190c1a0-0000-7000-8000-0000000000f2", source: "auth"), token: properties
            )
            #expect(forged.status == 403)
            #expect(forged.string("detail") == "The event's source must be the calling service (properties).")
            let notItsType = try await fixture.client.post(
                "/internal/events", Self.emailRequested(id: "0190c1a0-0000-7000-8000-0000000000f3", source: "properties"), token: properties
            )
            #expect(notItsType.status == 403)
            #expect(notItsType.string("detail") == "This service does not take email.requested events from properties.")

            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.inbox") == ["0"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.email_sends") == ["0"])
            #expect(try fixture.sink.messages().isEmpty)

            // The same event from auth, in its own name, is what communications is for.
            let fromAuth = try await fixture.client.post(
                "/internal/events", Self.emailRequested(id: "0190c1a0-0000-7000-8000-0000000000f2", source: "auth"),
                token: try await fixture.serviceToken(.auth)
            )
            #expect(fromAuth.string("outcome") == "applied")
        }
    }

    /// investments may ask for mail, but only its own kind: a sign-in link comes from auth alone.
    @Test func aServiceMaySendOnlyItsOwnTemplates() async throws {
        #expect(Set(TemplateRequesters.table.keys) == Set(EmailTemplates.requiredVariables.keys))
        try await CommunicationsFixture.run { fixture in
            let investments = try await fixture.serviceToken(.investments)
            let direct = try await fixture.client.post(
                "/internal/v1/emails", EmailSendTests.magicLink, token: investments, headers: [("Idempotency-Key", "evil-00002")]
            )
            #expect(direct.status == 403)
            #expect(direct.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(direct.string("detail") == "investments may not send the magic_link template.")
            let event = try await fixture.client.post(
                "/internal/events", Self.emailRequested(id: "0190c1a0-0000-7000-8000-0000000000f4", source: "investments"), token: investments
            )
            #expect(event.status == 403)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.inbox") == ["0"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.email_sends") == ["0"])
            #expect(try fixture.sink.messages().isEmpty)

            let statement =
                #"{"template_key":"statement_ready","to":"ivy@example.com","variables":{"greeting_name":"Ivy","statement_title":"Q3 statement","period":"Q3 2026","link":"https://app.tract.example/statements/1"}}"#
            let sent = try await fixture.client.post(
                "/internal/v1/emails", statement, token: investments, headers: [("Idempotency-Key", "statement-0001")])
            #expect(sent.status == 200)
        }
    }
}
