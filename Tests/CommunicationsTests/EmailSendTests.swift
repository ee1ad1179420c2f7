import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import CommunicationsService

/// Email requests from other services, over HTTP and as events, delivered to a real SMTP server.
@Suite struct EmailSendTests {
    static let magicLink =
        #"{"template_key":"magic_link","to":"Zoe@Example.com","variables":{"link":"https://app.tract.example/magic-link?token=abc&x=<1>","code":"482913","expires_in_minutes":"15"}}"#

    @Test func aServiceRequestIsRenderedSentAndRecordedOnce() async throws {
        try await CommunicationsFixture.run { fixture in
            let token = try await fixture.serviceToken()
            let key = [("Idempotency-Key", "magic-0001")]
            let first = try await fixture.client.post("/internal/v1/emails", Self.magicLink, token: token, headers: key)
            #expect(first.status == 200)
            #expect(first.string("status") == "sent")
            let id = try #require(first.string("id")).lowercased()

            let mail = try await fixture.sink.waitForMessage(to: "Zoe@Example.com")
            #expect(mail.subject == "Your Tract sign-in code: 482913")
            #expect(mail.from == "Tract <no-reply@tract.example>")
            // Triple braces keep the link intact in text; the HTML part escapes it.
            #expect(mail.text?.contains("https://app.tract.example/magic-link?token=abc&x=<1>") == true)
            #expect(mail.html?.contains("href=\"https://app.tract.example/magic-link?token=abc&amp;x=&lt;1&gt;\"") == true)
            #expect(mail.headers["x-entity-ref-id"] == id)
            #expect(first.string("message_id") == mail.messageId)

            // The same key again: the first answer, and no second mail.
            let again = try await fixture.client.post("/internal/v1/emails", Self.magicLink, token: token, headers: key)
            #expect(again.status == 200)
            #expect(again.string("id")?.lowercased() == id)
            #expect(try fixture.sink.messages().count == 1)
            #expect(
                try await fixture.sql(
                    "SELECT status || ' ' || template_key || ' ' || to_email || ' ' || requested_by FROM communications.email_sends")
                    == ["sent magic_link Zoe@Example.com auth"])
        }
    }

    /// Issue 11, item 6: the sign-in code reaches the recipient but is not stored.
    @Test func theSignInCodeIsMailedButNotRecorded() async throws {
        try await CommunicationsFixture.run { fixture in
            let reply = try await fixture.client.post(
                "/internal/v1/emails", Self.magicLink, token: try await fixture.serviceToken(), headers: [("Idempotency-Key", "magic-0007")]
            )
            #expect(reply.status == 200)
            let mail = try await fixture.sink.waitForMessage(to: "Zoe@Example.com")
            #expect(mail.subject == "Your Tract sign-in code: 482913")
            #expect(mail.text?.contains("482913") == true)
            #expect(mail.text?.contains("https://app.tract.example/magic-link?token=abc") == true)
            #expect(try await fixture.sql("SELECT subject FROM communications.email_sends") == ["Your Tract sign-in code: [redacted]"])
            #expect(
                try await fixture.sql("SELECT count(*)::text FROM communications.email_sends WHERE row_to_json(email_sends)::text LIKE '%482913%'")
                    == ["0"])
        }
    }

    @Test func onlyServicesMaySendMail() async throws {
        try await CommunicationsFixture.run { fixture in
            let user = try await fixture.issuer.token()
            let reply = try await fixture.client.post(
                "/internal/v1/emails", Self.magicLink, token: user, headers: [("Idempotency-Key", "magic-0002")]
            )
            #expect(reply.status == 403)
            let anonymous = try await fixture.client.post(
                "/internal/v1/emails", Self.magicLink, headers: [("Idempotency-Key", "magic-0003")]
            )
            #expect(anonymous.status == 401)
            #expect(try fixture.sink.messages().isEmpty)
        }
    }

    @Test(arguments: [
        (#"{"template_key":"magic_link","to":"zoe@example.com","variables":{"code":"1"}}"#, "magic-0004", "variables.expires_in_minutes"),
        (#"{"template_key":"newsletter","to":"zoe@example.com","variables":{}}"#, "magic-0005", "template_key"),
        (
            #"{"template_key":"magic_link","to":"zoe@example.com\r\nBcc: eve@example.com","variables":{"link":"l","code":"1","expires_in_minutes":"1"}}"#,
            "magic-0006", "to"
        ),
        (magicLink, "short", "Idempotency-Key"),
    ])
    func badRequestsNameTheFieldAndSendNothing(body: String, key: String, field: String) async throws {
        try await CommunicationsFixture.run { fixture in
            let reply = try await fixture.client.post(
                "/internal/v1/emails", body, token: try await fixture.serviceToken(), headers: [("Idempotency-Key", key)]
            )
            #expect(reply.status == 422)
            #expect(reply.headers["content-type"].first == "application/problem+json")
            #expect(reply.text.contains(#""field":"\#(field)""#))
            #expect(try fixture.sink.messages().isEmpty)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.email_sends") == ["0"])
        }
    }

    @Test func aMailboxThatIsFullAnswers503AndTheRetryMayTryAgain() async throws {
        try await CommunicationsFixture.run(sinkOptions: ["--refuse", "full@example.com=452 4.2.2 Mailbox full"]) { fixture in
            let body = #"{"template_key":"magic_link","to":"full@example.com","variables":{"link":"l","code":"1","expires_in_minutes":"15"}}"#
            let token = try await fixture.serviceToken()
            for attempt in 1...2 {
                let reply = try await fixture.client.post("/internal/v1/emails", body, token: token, headers: [("Idempotency-Key", "full-0001")])
                #expect(reply.status == 503)
                #expect(try await fixture.sql("SELECT status || ' ' || retry_count FROM communications.email_sends") == ["pending \(attempt)"])
            }
        }
    }

    @Test func anUnknownMailboxIsRecordedAsFailedAndNotRetried() async throws {
        try await CommunicationsFixture.run(sinkOptions: ["--refuse", "gone@example.com=550 5.1.1 No such user"]) { fixture in
            let body = #"{"template_key":"magic_link","to":"gone@example.com","variables":{"link":"l","code":"1","expires_in_minutes":"15"}}"#
            let token = try await fixture.serviceToken()
            for _ in 1...2 {
                let reply = try await fixture.client.post("/internal/v1/emails", body, token: token, headers: [("Idempotency-Key", "gone-0001")])
                #expect(reply.status == 202)
                #expect(reply.string("status") == "failed")
            }
            #expect(
                try await fixture.sql(
                    "SELECT status || ' ' || retry_count || ' ' || (error_message LIKE '%550%')::text FROM communications.email_sends")
                    == ["failed 1 true"])
        }
    }

    @Test func aRedeliveredEventSendsOneMail() async throws {
        try await CommunicationsFixture.run { fixture in
            let envelope = #"""
                {"id":"0190c1a0-0000-7000-8000-0000000000e1","type":"email.requested","source":"auth","occurred_at":"2026-11-22T12:00:00Z",
                 "payload":{"email":{"template_key":"verify_email","to":"new@example.com","variables":{"email":"new@example.com","link":"https://app.tract.example/verify-email?token=t","expires_in_minutes":"1440"}}}}
                """#
            let token = try await fixture.serviceToken()
            #expect(try await fixture.client.post("/internal/events", envelope, token: token).string("outcome") == "applied")
            #expect(try await fixture.client.post("/internal/events", envelope, token: token).string("outcome") == "duplicate")
            let mail = try await fixture.sink.waitForMessage(to: "new@example.com")
            #expect(mail.subject.contains("Confirm") || mail.subject.contains("Verify"))
            #expect(mail.text?.contains("https://app.tract.example/verify-email?token=t") == true)
            #expect(try fixture.sink.messages().count == 1)
        }
    }

    /// Issue 11 #24: the mail went out inside the inbox transaction, so a commit that failed after
    /// the send rolled back the record of it and the redelivery mailed again. The send is now
    /// claimed and recorded on its own before the inbox transaction, which only records the event.
    @Test func anInboxCommitThatFailsAfterTheSendDoesNotMailTwice() async throws {
        try await CommunicationsFixture.run { fixture in
            let envelope = #"""
                {"id":"0190c1a0-0000-7000-8000-0000000000e2","type":"email.requested","source":"auth","occurred_at":"2026-11-22T12:00:00Z",
                 "payload":{"email":{"template_key":"verify_email","to":"twice@example.com","variables":{"email":"twice@example.com","link":"https://app.tract.example/verify-email?token=t","expires_in_minutes":"1440"}}}}
                """#
            let token = try await fixture.serviceToken()
            // A check that fails at commit time, after everything in the transaction has run.
            _ = try await fixture.sql(
                """
                CREATE FUNCTION communications.refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'commit refused by the test'; END $$
                """
            )
            _ = try await fixture.sql(
                """
                CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON communications.inbox
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION communications.refuse_commit()
                """
            )
            let failed = try await fixture.client.post("/internal/events", envelope, token: token)
            #expect(failed.status >= 500)
            _ = try await fixture.sink.waitForMessage(to: "twice@example.com")
            #expect(try await fixture.sql("SELECT status FROM communications.email_sends") == ["sent"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.inbox") == ["0"])

            _ = try await fixture.sql("DROP TRIGGER refuse_commit ON communications.inbox")
            let redelivered = try await fixture.client.post("/internal/events", envelope, token: token)
            #expect(redelivered.string("outcome") == "applied", "\(redelivered.text)")
            #expect(try await fixture.client.post("/internal/events", envelope, token: token).string("outcome") == "duplicate")
            try await Task.sleep(for: .milliseconds(300))
            #expect(try fixture.sink.messages().count == 1)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.inbox") == ["1"])
        }
    }

    @Test func theDocumentIsTrueOfTheRunningService() async throws {
        try await CommunicationsFixture.run { fixture in
            let document = try await fixture.client.get("/openapi.json").json
            let service = try await fixture.serviceToken()
            let replies = [
                try await fixture.client.post("/internal/v1/emails", Self.magicLink, token: service, headers: [("Idempotency-Key", "doc-00001")]),
                try await fixture.client.post("/internal/v1/emails", Self.magicLink, token: service),
                try await fixture.client.post("/internal/v1/emails", Self.magicLink, token: try await fixture.issuer.token()),
                try await fixture.client.post("/internal/v1/emails", Self.magicLink),
            ]
            #expect(replies.map(\.status) == [200, 422, 403, 401])
            for reply in replies {
                let found = OpenAPIConformance.problems(
                    in: document, method: "POST", path: "/internal/v1/emails", status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text
                )
                #expect(found.isEmpty, "\(found)")
            }
        }
    }

    @Test func everyTemplateRendersWithItsRequiredVariables() throws {
        let templates = try EmailTemplates.bundled()
        for (key, required) in EmailTemplates.requiredVariables {
            let variables = Dictionary(uniqueKeysWithValues: required.map { ($0, "value-of-\($0)") })
            let rendered = try templates.render(key, variables: variables)
            #expect(!rendered.subject.isEmpty && !rendered.subject.contains("\n"))
            for variable in required where variable != "expires_in_minutes" {
                #expect(
                    rendered.text.contains("value-of-\(variable)") || rendered.subject.contains("value-of-\(variable)"),
                    "\(key).text lacks \(variable)")
            }
        }
    }
}
