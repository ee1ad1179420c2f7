import Foundation
import Logging
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// Bounce and complaint intake, signed by the Standard Webhooks reference library (PyPI
/// `standardwebhooks`) as a provider would sign it; and staff's suppression routes.
@Suite struct BounceTests {
    static let intake = "/v1/communications/bounces/postmark"
    static let suppressions = "/v1/communications/suppressions"

    /// The three Standard Webhooks headers for `body`, made by the reference library.
    static func signed(
        _ body: String, id: String = "msg_\(UUID().uuidString.lowercased())", secret: String = WebinarFixture.bounceSecret,
        timestamp: Date = Date()
    ) async throws -> [(String, String)] {
        let script = """
            import sys, datetime
            from standardwebhooks.webhooks import Webhook
            when = datetime.datetime.fromtimestamp(int(sys.argv[3]), tz=datetime.timezone.utc)
            print(Webhook(sys.argv[1]).sign(sys.argv[2], when, sys.argv[4].encode('utf-8')))
            """
        let seconds = Int(timestamp.timeIntervalSince1970)
        let (status, output) = try await RepositoryScripts.run(RepositoryScripts.python, ["-c", script, secret, id, String(seconds), body])
        #expect(status == 0, "\(output)")
        return [
            ("webhook-id", id), ("webhook-timestamp", String(seconds)),
            ("webhook-signature", output.trimmingCharacters(in: .whitespacesAndNewlines)),
        ]
    }

    static func report(_ event: String, type: String, email: String, messageID: String? = nil, diagnostic: String? = nil) throws -> String {
        var object: [String: JSONValue] = [
            "event_id": .string(event), "type": .string(type), "email": .string(email), "occurred_at": .string("2026-12-01T10:00:00Z"),
        ]
        if let messageID { object["provider_message_id"] = .string(messageID) }
        if let diagnostic { object["diagnostic"] = .string(diagnostic) }
        return try MessagingFixture.json(object)
    }

    @Test func aSignedHardBounceSuppressesTheAddressAndMarksTheMail() async throws {
        try await WebinarFixture.run { fixture in
            // A campaign mail we sent, as part A's sender leaves it.
            let send = UUID()
            _ = try await fixture.sql(
                """
                INSERT INTO communications.email_sends (id, requested_by, idempotency_key, template_key, to_email, from_email, status,
                    provider_message_id, sent_at)
                VALUES ('\(send)', 'campaign', 'k-1', 'campaign', 'Ann@Example.com', 'no-reply@tract.example', 'sent', '<abc.1@tract.example>', now())
                """)
            let body = try Self.report(
                "evt-1", type: "hard", email: "Ann@Example.com", messageID: "abc.1@tract.example", diagnostic: "550 5.1.1 user unknown")
            let headers = try await Self.signed(body)
            let first = try await fixture.client.post(Self.intake, body, headers: headers)
            #expect(first.status == 201, "\(first.text)")
            #expect(first.string("email") == "ann@example.com")
            #expect(first.string("type") == "hard")
            #expect(first.string("email_send_id") == send.uuidString.lowercased())
            #expect(first["suppressed"] == .bool(true))
            #expect(try await fixture.sql("SELECT status || ' ' || (bounced_at IS NOT NULL) FROM communications.email_sends") == ["bounced true"])
            #expect(try await fixture.sql("SELECT reason || ' ' || source FROM communications.email_suppressions") == ["hard_bounce bounce:postmark"])

            // The provider retries the same report (newly signed): the first answer, nothing new.
            let retry = try await fixture.client.post(Self.intake, body, headers: try await Self.signed(body))
            #expect(retry.status == 200)
            #expect(retry.string("id") == first.string("id"))
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.email_bounces") == ["1"])

            // A soft bounce is recorded but suppresses nothing; a complaint suppresses.
            let soft = try Self.report("evt-2", type: "soft", email: "bob@example.com", diagnostic: "452 mailbox full")
            let softReply = try await fixture.client.post(Self.intake, soft, headers: try await Self.signed(soft))
            #expect(softReply.status == 201)
            #expect(softReply["suppressed"] == .bool(false))
            let complaint = try Self.report("evt-3", type: "complaint", email: "cat@example.com")
            #expect(try await fixture.client.post(Self.intake, complaint, headers: try await Self.signed(complaint))["suppressed"] == .bool(true))
            #expect(
                try await fixture.sql("SELECT email || ' ' || reason FROM communications.email_suppressions ORDER BY email")
                    == ["ann@example.com hard_bounce", "cat@example.com complaint"])
            // What campaigns ask before sending.
            let answers = try await TestDatabase.withClient(fixture.database.url(for: .communications)) { postgres in
                try await postgres.withConnection { connection async throws -> [Bool] in
                    let logger = Logger(label: "test")
                    let cat = try await Suppressions.isSuppressed("CAT@example.com", on: connection, logger: logger)
                    let bob = try await Suppressions.isSuppressed("bob@example.com", on: connection, logger: logger)
                    return [cat, bob]
                }
            }
            #expect(answers == [true, false])
        }
    }

    /// Only the provider's secret, over these very bytes, recently: anything else is a 401 problem
    /// that writes nothing. A well-signed report with bad fields is a 422 naming them.
    @Test func unsignedForgedStaleOrUnknownReportsAreRefused() async throws {
        try await WebinarFixture.run { fixture in
            let body = try Self.report("evt-9", type: "hard", email: "ann@example.com")
            let good = try await Self.signed(body)
            let otherSecret = "whsec_" + Data(repeating: 9, count: 32).base64EncodedString()
            expectProblem(try await fixture.client.post(Self.intake, body), 401)
            expectProblem(try await fixture.client.post(Self.intake, body, headers: try await Self.signed(body, secret: otherSecret)), 401)
            expectProblem(try await fixture.client.post(Self.intake, body.replacingOccurrences(of: "ann@", with: "bob@"), headers: good), 401)
            expectProblem(
                try await fixture.client.post(Self.intake, body, headers: try await Self.signed(body, timestamp: Date().addingTimeInterval(-3600))),
                401)
            expectProblem(try await fixture.client.post("/v1/communications/bounces/sendgrid", body, headers: good), 401)
            expectProblem(try await fixture.client.post("/v1/communications/bounces/POSTMARK", body, headers: good), 401)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.email_bounces") == ["0"])

            func refused(_ body: String, _ status: Int = 422, contentType: String = "application/json") async throws {
                let reply = try await fixture.client.send(
                    .POST, Self.intake, json: body, contentType: contentType, headers: try await Self.signed(body))
                expectProblem(reply, status)
            }
            try await refused(#"{"event_id":"e","type":"bounced","email":"a@b.c","occurred_at":"2026-12-01T10:00:00Z"}"#)
            try await refused(#"{"event_id":"e","type":"hard","email":"not-an-address","occurred_at":"2026-12-01T10:00:00Z"}"#)
            try await refused(#"{"event_id":"e","type":"hard","email":"a@b.c","occurred_at":"yesterday"}"#)
            try await refused(#"{"event_id":"e\u0000","type":"hard","email":"a@b.c","occurred_at":"2026-12-01T10:00:00Z"}"#)
            try await refused(#"{"event_id":"e","type":"hard","email":"a@b.c","occurred_at":"2026-12-01T10:00:00Z","extra":1}"#)
            try await refused(#"{"event_id":5,"type":"hard","email":"a@b.c","occurred_at":"2026-12-01T10:00:00Z"}"#)
            try await refused("{", 400)
            try await refused(#"{"event_id":"e"}"#, 415, contentType: "text/plain")
            let huge = #"{"event_id":"e","diagnostic":""# + String(repeating: "x", count: 70_000) + #""}"#
            let tooLarge = try await fixture.client.post(
                Self.intake, huge, headers: [("webhook-id", "m"), ("webhook-timestamp", "1"), ("webhook-signature", "v1,x")])
            expectProblem(tooLarge, 413)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.email_bounces") == ["0"])
        }
    }

    /// Staff list, add and lift suppressions; nobody else may.
    @Test func staffListAddAndLiftSuppressions() async throws {
        try await WebinarFixture.run { fixture in
            let (staff, investor) = (try await fixture.user([.admin]), try await fixture.user())
            let added = try await fixture.client.post(
                Self.suppressions, #"{"email":"Dan@Example.com","detail":"Asked by phone"}"#, token: staff.token)
            #expect(added.status == 201, "\(added.text)")
            #expect(added.string("email") == "dan@example.com")
            #expect(added.string("reason") == "manual")
            #expect(added.string("source") == "staff:\(staff.path)")
            let again = try await fixture.client.post(Self.suppressions, #"{"email":"dan@example.com"}"#, token: staff.token)
            #expect(again.status == 200)
            #expect(again.string("id") == added.string("id"))
            fixture.clock.advance(seconds: 1)
            let complaint = try Self.report("evt-c", type: "complaint", email: "eve@example.com")
            _ = try await fixture.client.post(Self.intake, complaint, headers: try await Self.signed(complaint))

            let all = try await fixture.client.get(Self.suppressions, token: staff.token)
            #expect(items(all["data"]).compactMap { $0["email"] } == [.string("eve@example.com"), .string("dan@example.com")])
            let one = try await fixture.client.get("\(Self.suppressions)?email=EVE@example.com", token: staff.token)
            #expect(items(one["data"]).count == 1)
            let manual = try await fixture.client.get("\(Self.suppressions)?reason=manual", token: staff.token)
            #expect(items(manual["data"]).compactMap { $0["email"] } == [.string("dan@example.com")])

            for reply in [
                try await fixture.client.get(Self.suppressions, token: investor.token),
                try await fixture.client.post(Self.suppressions, #"{"email":"x@example.com"}"#, token: investor.token),
                try await fixture.client.send(.DELETE, "\(Self.suppressions)/dan@example.com", token: investor.token),
            ] { expectProblem(reply, 403) }
            expectProblem(try await fixture.client.get(Self.suppressions, token: nil), 401)
            expectProblem(try await fixture.client.post(Self.suppressions, #"{"email":"nope"}"#, token: staff.token), 422)
            expectProblem(try await fixture.client.post(Self.suppressions, #"{"email":"a@b.c","reason":"manual"}"#, token: staff.token), 422)
            expectProblem(try await fixture.client.post(Self.suppressions, #"{"email":"a\u0000@b.c"}"#, token: staff.token), 422)
            expectProblem(try await fixture.client.get("\(Self.suppressions)?reason=spam", token: staff.token), 422)

            let lifted = try await fixture.client.send(.DELETE, "\(Self.suppressions)/Dan%40Example.com", token: staff.token)
            #expect(lifted.status == 204, "\(lifted.text)")
            expectProblem(try await fixture.client.send(.DELETE, "\(Self.suppressions)/dan@example.com", token: staff.token), 404)
            #expect(try await fixture.sql("SELECT email FROM communications.email_suppressions") == ["eve@example.com"])
            // The bounce log keeps what happened.
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.email_bounces") == ["1"])
        }
    }

    /// `BOUNCE_PROVIDER_SECRETS` as an operator writes it: a provider named twice keeps both
    /// secrets (rotation); a malformed entry stops start-up naming the variable.
    @Test func providerSecretsAreReadFromTheEnvironment() throws {
        let other = "whsec_" + Data(repeating: 1, count: 24).base64EncodedString()
        let settings = try BounceSettings.fromEnvironment(
            EnvironmentReader(["BOUNCE_PROVIDER_SECRETS": "postmark=\(WebinarFixture.bounceSecret), ses = \(other),postmark=\(other)"]))
        #expect(settings.providerSecrets["postmark"]?.count == 2)
        #expect(settings.providerSecrets["ses"]?.count == 1)
        #expect(try BounceSettings.fromEnvironment(EnvironmentReader([:])).providerSecrets.isEmpty)
        for bad in ["postmark", "Post mark=\(other)", "ses=whsec_short", "ses=", "=\(other)"] {
            #expect(throws: ConfigurationError.self) { try BounceSettings.fromEnvironment(EnvironmentReader(["BOUNCE_PROVIDER_SECRETS": bad])) }
        }
    }

    /// Every variable webinars and bounce intake read is in `--help` and the README, and is checked.
    @Test func webinarAndBounceSettingsAreDocumentedAndChecked() throws {
        let readme = try String(contentsOf: RepositoryScripts.root.appendingPathComponent("README.md"), encoding: .utf8)
        let help = Set(CommunicationsEntryPoint.settingsHelp.split(whereSeparator: \.isWhitespace).map(String.init))
        for name in [
            "EVENT_REMINDER_INTERVAL_MS", "EVENT_REMINDER_BATCH", "RATE_LIMIT_EVENT_REGISTRATIONS_PER_HOUR", "RATE_LIMIT_EVENTS_PER_DAY",
            "BOUNCE_PROVIDER_SECRETS", "BOUNCE_TIMESTAMP_TOLERANCE_SECONDS", "BOUNCE_MAILDIR", "BOUNCE_MAILDIR_POLL_MS",
        ] {
            #expect(help.contains(name), "--help lists \(name)")
            #expect(readme.contains("`\(name)`"), "README lists \(name)")
        }
        let settings = try WebinarSettings.fromEnvironment(
            EnvironmentReader(["EVENT_REMINDER_INTERVAL_MS": "250", "EVENT_REMINDER_BATCH": "10", "RATE_LIMIT_EVENTS_PER_DAY": "3"]))
        #expect(settings.reminderInterval == .milliseconds(250))
        #expect(settings.reminderBatch == 10)
        #expect(settings.eventsPerHost.burst == 3)
        #expect(throws: ConfigurationError.self) { try WebinarSettings.fromEnvironment(EnvironmentReader(["EVENT_REMINDER_BATCH": "0"])) }
        #expect(throws: ConfigurationError.self) {
            try BounceSettings.fromEnvironment(EnvironmentReader(["BOUNCE_TIMESTAMP_TOLERANCE_SECONDS": "soon"]))
        }
    }

    /// Every bounce and suppression route answers as `/openapi.json` says, success and refusal.
    @Test func everyRouteAnswersAsTheDocumentSays() async throws {
        try await WebinarFixture.run { fixture in
            let document = try await fixture.client.get("/openapi.json").json
            let (staff, investor) = (try await fixture.user([.admin]), try await fixture.user())
            var seen: [(method: String, path: String, reply: JSONClient.Reply)] = []
            func call(
                _ method: HTTPMethod, _ template: String, _ url: String, _ body: String? = nil, token: String?, headers: [(String, String)] = []
            )
                async throws
            {
                seen.append((method.rawValue, template, try await fixture.client.send(method, url, json: body, token: token, headers: headers)))
            }
            let report = try Self.report("evt-doc", type: "hard", email: "doc@example.com")
            let headers = try await Self.signed(report)
            let intake = "/v1/communications/bounces/{provider}"
            try await call(.POST, intake, Self.intake, report, token: nil, headers: headers)
            try await call(.POST, intake, Self.intake, report, token: nil, headers: headers)
            try await call(.POST, intake, Self.intake, report, token: nil)
            let bad = #"{"event_id":"x"}"#
            try await call(.POST, intake, Self.intake, bad, token: nil, headers: try await Self.signed(bad))
            try await call(.GET, Self.suppressions, Self.suppressions, token: staff.token)
            try await call(.GET, Self.suppressions, Self.suppressions, token: investor.token)
            try await call(.GET, Self.suppressions, Self.suppressions + "?limit=500", token: staff.token)
            try await call(.POST, Self.suppressions, Self.suppressions, #"{"email":"f@example.com"}"#, token: staff.token)
            try await call(.POST, Self.suppressions, Self.suppressions, #"{"email":"f@example.com"}"#, token: staff.token)
            try await call(.POST, Self.suppressions, Self.suppressions, #"{"email":1}"#, token: staff.token)
            try await call(.POST, Self.suppressions, Self.suppressions, #"{"email":"g@example.com"}"#, token: investor.token)
            let one = "\(Self.suppressions)/{email}"
            try await call(.DELETE, one, "\(Self.suppressions)/f@example.com", token: staff.token)
            try await call(.DELETE, one, "\(Self.suppressions)/f@example.com", token: staff.token)
            try await call(.DELETE, one, "\(Self.suppressions)/doc@example.com", token: investor.token)
            try await call(.DELETE, one, "\(Self.suppressions)/doc@example.com", token: nil)
            OpenAPIExercise.expectConformance(document, seen, prefixes: ["/v1/communications/bounces", Self.suppressions])
        }
    }
}

/// Checks replies against the served document, and that every documented operation under
/// `prefixes` was called with at least one success and one refusal.
enum OpenAPIExercise {
    static func expectConformance(
        _ document: JSONValue, _ seen: [(method: String, path: String, reply: JSONClient.Reply)], prefixes: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (method, path, reply) in seen {
            let found = OpenAPIConformance.problems(
                in: document, method: method, path: path, status: reply.status, contentType: reply.headers.first(name: "Content-Type") ?? "",
                body: reply.text)
            #expect(found.isEmpty, "\(method) \(path) \(reply.status): \(found)", sourceLocation: sourceLocation)
            if let schema = OpenAPIConformance.responseSchema(in: document, method: method, path: path, status: reply.status), !reply.text.isEmpty {
                let mismatches = OpenAPIConformance.schemaProblems(reply.json, against: schema, in: document)
                #expect(mismatches.isEmpty, "\(method) \(path) \(reply.status): \(mismatches)", sourceLocation: sourceLocation)
            }
        }
        var documented: Set<String> = []
        if case .object(let paths)? = document["paths"] {
            for (path, item) in paths where prefixes.contains(where: { path.hasPrefix($0) }) {
                if case .object(let operations) = item {
                    for method in operations.keys where method != "parameters" { documented.insert("\(method.uppercased()) \(path)") }
                }
            }
        }
        #expect(documented == Set(seen.map { "\($0.method) \($0.path)" }), sourceLocation: sourceLocation)
        for operation in documented {
            let replies = seen.filter { "\($0.method) \($0.path)" == operation }.map(\.reply.status)
            #expect(replies.contains { $0 < 300 } && replies.contains { $0 >= 400 }, "\(operation): \(replies)", sourceLocation: sourceLocation)
        }
    }
}
