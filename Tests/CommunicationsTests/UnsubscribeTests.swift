import Crypto
import Foundation
import Logging
import Models
import NIOHTTP1
import PostgresNIO
import TestSupport
import Testing

@testable import CommunicationsService

/// RFC 8058 one-click unsubscribe: every non-critical mail carries the headers; a bare POST with no
/// session turns the category's email off and the next such mail is not sent; GET changes nothing;
/// a tampered or expired link is refused.
@Suite struct UnsubscribeTests {
    static let pia = UserContact(id: UUID(), email: "pia@example.com", firstName: "Pia", emailVerified: true)
    static let prefix = "https://app.tract.example/v1/communications/unsubscribe/"

    /// The path of the link in a mail's `List-Unsubscribe` header.
    static func link(_ mail: MailSink.ReceivedMail) throws -> String {
        let header = try #require(mail.headers["list-unsubscribe"])
        #expect(header.hasPrefix("<\(Self.prefix)") && header.hasSuffix(">"), "\(header)")
        return "/v1/communications/unsubscribe/" + header.dropFirst(Self.prefix.count + 1).dropLast()
    }

    @Test func aBarePostUnsubscribesAndTheNextMailIsNotSent() async throws {
        try await NotificationFixture.run(accounts: [Self.pia]) { fixture in
            let pia = Self.pia.id
            try await PreferenceTests.staffNotice(fixture, to: pia, category: "property_updates", title: "Roof done")
            let mail = try await fixture.sink.waitForMessage(to: Self.pia.email)
            #expect(mail.headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click")
            let path = try Self.link(mail)
            #expect(mail.text?.contains(Self.prefix) == true)

            // GET (a scanner's prefetch) changes nothing.
            let page = try await fixture.client.get(path)
            #expect(page.status == 200)
            #expect(page.headers.first(name: "Content-Type") == "text/html; charset=utf-8")
            #expect(page.text.contains("property updates notifications"))
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.unsubscribes") == ["0"])

            // What a mail provider sends: no session, the RFC's form body.
            let posted = try await fixture.client.postForm(path, "List-Unsubscribe=One-Click")
            #expect(posted.status == 200, "\(posted.text)")
            #expect(posted.text == #"{"unsubscribed":true,"categories":["property_updates"]}"#)
            let preferences = try await fixture.client.get("/v1/communications/preferences", token: try await fixture.token(pia))
            #expect(
                preferences.text.contains(#"{"can_turn_off":true,"category":"property_updates","email":false,"frequency":"instant","in_app":true}"#))
            // Again is harmless.
            #expect(try await fixture.client.send(.POST, path).status == 200)

            // The next non-critical mail of that category is not sent; a critical one is.
            try await PreferenceTests.staffNotice(fixture, to: pia, category: "property_updates", title: "Windows done")
            try await PreferenceTests.staffNotice(fixture, to: pia, category: "property_updates", title: "Fire inspection", priority: "critical")
            _ = try await fixture.sink.waitForMessage(to: Self.pia.email, subjectPrefix: "Fire inspection")
            try await fixture.letTheWorkerRun()
            #expect(try fixture.sink.messages().map(\.subject).sorted() == ["Fire inspection", "Roof done"])
            #expect(try await fixture.titles(pia) == ["Fire inspection", "Windows done", "Roof done"])
        }
    }

    /// A mail planned before the unsubscribe (held by quiet hours) is not sent after it.
    @Test func aMailHeldBeforeTheUnsubscribeIsNotSentAfterIt() async throws {
        try await NotificationFixture.run(accounts: [Self.pia]) { fixture in
            let pia = Self.pia.id
            try await PreferenceTests.staffNotice(fixture, to: pia, category: "community", title: "First")
            let path = try Self.link(try await fixture.sink.waitForMessage(to: Self.pia.email))
            let quiet = try await PreferenceTests.patch(
                fixture, pia, #"{"quiet_hours":{"enabled":true,"start":"14:00","end":"16:00","days_of_week":[0,1,2,3,4,5,6]}}"#)
            try #require(quiet.status == 200)
            try await PreferenceTests.staffNotice(fixture, to: pia, category: "community", title: "Held")
            #expect(try await fixture.client.send(.POST, path).status == 200)
            fixture.clock.set(NotificationFixture.start.addingTimeInterval(3600))
            #expect(
                try await eventually {
                    try await fixture.sql("SELECT status FROM communications.notification_deliveries ORDER BY id DESC LIMIT 1") == ["skipped"]
                })
            #expect(try fixture.sink.messages().count == 1)
        }
    }

    @Test func aTamperedOrExpiredLinkIsRefused() async throws {
        try await NotificationFixture.run(accounts: [Self.pia]) { fixture in
            try await PreferenceTests.staffNotice(fixture, to: Self.pia.id, category: "community", title: "Hello")
            let path = try Self.link(try await fixture.sink.waitForMessage(to: Self.pia.email))
            let token = String(path.dropFirst("/v1/communications/unsubscribe/".count))
            // Another payload byte, the signature kept.
            var payload = Array(token.split(separator: ".")[0])
            payload[5] = payload[5] == "A" ? "B" : "A"
            let tampered = "/v1/communications/unsubscribe/" + String(payload) + "." + token.split(separator: ".")[1]
            for reply in [
                try await fixture.client.send(.POST, tampered), try await fixture.client.get(tampered),
                try await fixture.client.send(.POST, "/v1/communications/unsubscribe/nonsense"),
            ] {
                #expect(reply.status == 404)
                #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
            }
            // 91 days later the link has expired (they last 90).
            fixture.clock.set(NotificationFixture.start.addingTimeInterval(91 * 86400))
            let expired = try await fixture.client.send(.POST, path)
            #expect(expired.status == 410)
            #expect(expired.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.unsubscribes") == ["0"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.notification_preferences") == ["0"])

            let document = try await fixture.client.get("/openapi.json").json
            for (method, reply) in [
                ("POST", expired), ("GET", try await fixture.client.get(path)), ("POST", try await fixture.client.send(.POST, tampered)),
            ] {
                let found = OpenAPIConformance.problems(
                    in: document, method: method, path: "/v1/communications/unsubscribe/{token}", status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text)
                #expect(found.isEmpty, "\(method) \(reply.status): \(found)")
            }
        }
    }

    /// A replica making the signing key while another's insert of it is not yet committed waits
    /// for that commit and then uses that key (it once read in the insert's own snapshot, found
    /// nothing and failed the send).
    @Test func aReplicaWaitingOnAnotherMakingTheKeyUsesThatKey() async throws {
        try await NotificationFixture.run { fixture in
            let theirs = Data(repeating: 7, count: 32)
            let ours = try await TestDatabase.withAdmin(database: fixture.database.name) { admin in
                try await admin.withTransaction(logger: Logger(label: "test.key")) { held in
                    // The running service may have made its key already (the campaign sender signs
                    // links as it starts): this transaction replaces it, as a replica racing it would.
                    try await held.query("DELETE FROM communications.unsubscribe_keys", logger: Logger(label: "test.key"))
                    try await held.query(
                        "INSERT INTO communications.unsubscribe_keys (id, secret, created_at) VALUES (1, \(theirs), now())",
                        logger: Logger(label: "test.key"))
                    let waiting = Task { try await UnsubscribeKey(configured: nil, postgres: admin).key(logger: Logger(label: "test.key")) }
                    try await Task.sleep(for: .milliseconds(300))
                    return waiting
                }.value
            }
            #expect(ours.withUnsafeBytes { Data($0) } == theirs)
        }
    }
}
