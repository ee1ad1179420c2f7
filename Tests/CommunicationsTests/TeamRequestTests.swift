import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// "Speak to the team" (seed 000 entry point 5) against a real Postgres and a real SMTP sink:
/// what a visitor, a signed-in user and staff each see, and what is refused.
@Suite struct TeamRequestTests {
    static let path = "/v1/communications/team-requests"

    /// A window the requester offers: two hours, three days from now (windows must not have ended
    /// and must start within 180 days).
    static let window = (
        starts: RFC3339.string(from: Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 3600).rounded(.down) * 3600 + 3 * 86400)),
        ends: RFC3339.string(from: Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 3600).rounded(.down) * 3600 + 3 * 86400 + 7200))
    )

    static func anonymous(email: String = "visitor@example.com", topic: String = "opportunity_zones") -> String {
        #"""
        {"email":"\#(email)","consent":true,"name":"Vera","topic":"\#(topic)","message":"We hold a gain from a sale in May.\nCan we talk about a QOF?",
         "preferred_times":[{"starts_at":"\#(Self.window.starts)","ends_at":"\#(Self.window.ends)"}],"preferred_times_note":"afternoons, Eastern","phone":"+1 (555) 010-2030"}
        """#
    }

    static let signedIn = #"{"topic":"investing","message":"How do distributions work?"}"#

    @Test func anAnonymousRequestLandsInTheInboxIsConfirmedByMailAndToldToAnalytics() async throws {
        try await CommunicationsFixture.run { fixture in
            let reply = try await fixture.client.post(Self.path, Self.anonymous())
            #expect(reply.status == 201, "\(reply.text)")
            let id = try #require(reply.string("id"))
            #expect(reply.headers.first(name: "Location") == "\(Self.path)/\(id)")
            #expect(reply.string("status") == "open")
            #expect(reply.string("email") == "visitor@example.com")
            #expect(reply["user_id"] == .null)
            #expect(reply.string("message") == "We hold a gain from a sale in May.\nCan we talk about a QOF?")
            #expect(reply["preferred_times"] == .array([.object(["starts_at": .string(Self.window.starts), "ends_at": .string(Self.window.ends)])]))

            let mail = try await fixture.sink.waitForMessage(to: "visitor@example.com")
            #expect(mail.subject == "We received your request to speak to the Tract team")
            #expect(mail.text?.contains("Hello Vera,") == true)
            #expect(mail.text?.contains("about opportunity zones") == true)
            #expect(mail.text?.contains(id) == true)
            let marked = try await eventually(timeout: .seconds(5), interval: .milliseconds(50)) {
                try await fixture.sql("SELECT status FROM communications.team_request_mails") == ["sent"]
            }
            #expect(marked)

            // The team inbox is a conversation with no member: the visitor has no account and gets none.
            #expect(
                try await fixture.sql(
                    """
                    SELECT c.kind || ' ' || (SELECT count(*) FROM communications.conversation_members m WHERE m.conversation_id = c.id)
                    FROM communications.conversations c
                    """) == ["team 0"])
            // Analytics hears of it without the address: it stays here.
            let events = try await fixture.sql("SELECT event_type || ' ' || (envelope->'payload')::text FROM communications.outbox")
            #expect(events.count == 1)
            #expect(events.first?.hasPrefix("team_contact.requested ") == true)
            #expect(events.first?.lowercased().contains(#""request_id": "\#(id)""#) == true)
            #expect(events.first?.contains(#""topic": "opportunity_zones""#) == true)
            #expect(events.first?.contains("visitor@example.com") == false)
        }
    }

    @Test(arguments: [
        (#"{"email":"v@example.com","topic":"tax","message":"Hi"}"#, "consent"),
        (#"{"email":"v@example.com","consent":false,"topic":"tax","message":"Hi"}"#, "consent"),
        (#"{"consent":true,"topic":"tax","message":"Hi"}"#, "email"),
        (#"{"email":"not an address","consent":true,"topic":"tax","message":"Hi"}"#, "email"),
    ])
    func anAnonymousRequestNeedsAnAddressAndConsent(body: String, field: String) async throws {
        try await CommunicationsFixture.run { fixture in
            let reply = try await fixture.client.post(Self.path, body)
            #expect(reply.status == 422)
            #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(reply.text.contains(#""field":"\#(field)""#), "\(reply.text)")
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.team_requests") == ["0"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.outbox") == ["0"])
            #expect(try fixture.sink.messages().isEmpty)
        }
    }

    @Test(arguments: [
        (#"{"topic":"lunch","message":"Hi"}"#, ["topic"]),
        (#"{"topic":"tax","message":"   "}"#, ["message"]),
        (#"{"topic":"tax"}"#, ["message"]),
        (#"{"topic":"tax","message":"bell \u0007"}"#, ["message"]),
        (#"{"topic":"tax","message":"Hi","phone":"call me"}"#, ["phone"]),
        (#"{"topic":"tax","message":"Hi","phone":"12"}"#, ["phone"]),
        (#"{"topic":"tax","message":"Hi","preferred_times":"mornings"}"#, ["preferred_times"]),
        (
            #"{"topic":"tax","message":"Hi","preferred_times":[{"starts_at":"2030-01-08T17:00:00Z","ends_at":"2030-01-08T15:00:00Z"}]}"#,
            ["preferred_times[0].ends_at"]
        ),
        (
            #"{"topic":"tax","message":"Hi","preferred_times":[{"starts_at":"2020-01-08T15:00:00Z","ends_at":"2020-01-08T16:00:00Z"}]}"#,
            ["preferred_times[0].ends_at"]
        ),
        (
            #"{"topic":"tax","message":"Hi","preferred_times":[{"starts_at":"soon","ends_at":"2030-01-08T16:00:00Z"}]}"#,
            ["preferred_times[0].starts_at"]
        ),
        (#"{"topic":"tax","message":"Hi","preferred_times":[{"from":"2030-01-08T15:00:00Z"}]}"#, ["preferred_times[0]"]),
        (#"{"topic":"tax","message":"Hi","email":"me@example.com"}"#, ["email"]),
        (#"{"topic":"tax","message":"Hi","urgent":true}"#, ["urgent"]),
        (#"{"topic":"tax","message":"Hi\u0000"}"#, ["message"]),
        (
            #"{"topic":7,"message":"Hi","phone":"x","preferred_times_note":"\#(String(repeating: "a", count: 301))"}"#,
            ["topic", "preferred_times_note", "phone"]
        ),
    ])
    func badInputIsA422NamingEveryField(body: String, fields: [String]) async throws {
        try await CommunicationsFixture.run { fixture in
            let token = try await fixture.issuer.token()
            let reply = try await fixture.client.post(Self.path, body, token: token)
            #expect(reply.status == 422, "\(reply.text)")
            #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(Self.fields(reply) == fields, "\(reply.text)")
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.team_requests") == ["0"])
        }
    }

    @Test func notJSONAndServiceTokensAreRefused() async throws {
        try await CommunicationsFixture.run { fixture in
            #expect(try await fixture.client.send(.POST, Self.path, json: "topic=tax", contentType: "text/plain").status == 415)
            #expect(try await fixture.client.post(Self.path, "{\"topic\":").status == 400)
            let service = try await fixture.serviceToken(.investments)
            let asService = try await fixture.client.post(Self.path, Self.signedIn, token: service)
            #expect(asService.status == 403)
            #expect(asService.headers.first(name: "Content-Type") == "application/problem+json")
            // A bad token is never taken for an anonymous visitor.
            #expect(try await fixture.client.post(Self.path, Self.anonymous(), token: "not-a-token").status == 401)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.team_requests") == ["0"])
        }
    }

    @Test func aSignedInRequesterSeesTheirOwnAndNobodyElseDoes() async throws {
        try await CommunicationsFixture.run { fixture in
            let user = UUID()
            let token = try await fixture.issuer.token(subject: user.uuidString.lowercased())
            let created = try await fixture.client.post(Self.path, Self.signedIn, token: token)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.string("id"))
            #expect(created.string("user_id") == user.uuidString.lowercased())
            #expect(created["email"] == .null)

            // Their words open the conversation, of which they are the one member.
            #expect(
                try await fixture.sql(
                    "SELECT user_id::text FROM communications.conversation_members WHERE conversation_id = '\(try #require(created.string("conversation_id")))'"
                ) == [user.uuidString.lowercased()])
            let own = try await fixture.client.get("\(Self.path)/\(id)", token: token)
            #expect(own.status == 200)
            #expect(own.json["thread"]?[0]?["body"] == .string("How do distributions work?"))
            #expect(own.json["thread"]?[0]?["from"] == .string("member"))
            let mine = try await fixture.client.get("\(Self.path)/mine", token: token)
            #expect(mine.json["data"]?[0]?["id"] == .string(id))

            // The confirmation goes to the account's address, asked of auth when it is sent; auth is
            // not running here, so it waits (and the request stands).
            let tried = try await eventually(timeout: .seconds(10), interval: .milliseconds(100)) {
                try await fixture.sql(
                    "SELECT status || ' ' || (to_user IS NOT NULL)::text || ' ' || (attempts >= 1)::text || ' ' || (last_error IS NOT NULL)::text FROM communications.team_request_mails"
                ) == ["pending true true true"]
            }
            #expect(tried, "the confirmation was tried and waits for auth")
            let events = try await fixture.sql("SELECT lower(envelope->'payload'->>'user_id') FROM communications.outbox")
            #expect(events == [user.uuidString.lowercased()])

            // Someone else: not found, and not in their list; not staff, so not the inbox either.
            let other = try await fixture.issuer.token()
            let notTheirs = try await fixture.client.get("\(Self.path)/\(id)", token: other)
            #expect(notTheirs.status == 404)
            #expect(notTheirs.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(try await fixture.client.get("\(Self.path)/mine", token: other).json["data"] == .array([]))
            #expect(try await fixture.client.get(Self.path, token: other).status == 403)
            #expect(try await fixture.client.get("\(Self.path)/not-an-id", token: token).status == 404)
            #expect(try await fixture.client.get("\(Self.path)/mine").status == 401)
        }
    }

    @Test func staffAssignAnswerAndCloseAndNobodyElseMay() async throws {
        try await CommunicationsFixture.run { fixture in
            let created = try await fixture.client.post(Self.path, Self.anonymous())
            let id = try #require(created.string("id"))
            _ = try await fixture.sink.waitForMessage(to: "visitor@example.com")
            let staffID = UUID().uuidString.lowercased()
            let staff = try await fixture.issuer.token(subject: staffID, roles: [.admin])
            let investor = try await fixture.issuer.token()

            for (path, body) in [("assign", "{}"), ("answer", #"{"message":"Hello"}"#), ("close", "{}")] {
                let refused = try await fixture.client.post("\(Self.path)/\(id)/\(path)", body, token: investor)
                #expect(refused.status == 403, "\(path)")
                #expect(refused.headers.first(name: "Content-Type") == "application/problem+json")
                #expect(try await fixture.client.post("\(Self.path)/\(id)/\(path)", body).status == 401, "\(path)")
            }
            #expect(try await fixture.client.get("\(Self.path)?status=open", token: staff).json["data"]?[0]?["id"] == .string(id))
            #expect(try await fixture.client.get("\(Self.path)?status=answered", token: staff).json["data"] == .array([]))
            let badStatus = try await fixture.client.get("\(Self.path)?status=pending", token: staff)
            #expect(badStatus.status == 422)
            #expect(badStatus.text.contains(#""field":"status""#))

            let taken = try await fixture.client.send(.POST, "\(Self.path)/\(id)/assign", token: staff)
            #expect(taken.status == 200, "\(taken.text)")
            #expect(taken.string("status") == "assigned")
            #expect(taken.string("assigned_to") == staffID)
            let colleague = UUID().uuidString.lowercased()
            let handedOn = try await fixture.client.post("\(Self.path)/\(id)/assign", #"{"assignee_id":"\#(colleague)"}"#, token: staff)
            #expect(handedOn.string("assigned_to") == colleague)
            #expect(try await fixture.client.post("\(Self.path)/\(id)/assign", #"{"assignee_id":"bob"}"#, token: staff).status == 422)

            let answer = "Thanks, Vera. A QOF must receive the gain within 180 days.\nWe will call you on the 8th."
            let answered = try await fixture.client.post(
                "\(Self.path)/\(id)/answer",
                #"{"message":"Thanks, Vera. A QOF must receive the gain within 180 days.\nWe will call you on the 8th."}"#,
                token: staff)
            #expect(answered.status == 200, "\(answered.text)")
            #expect(answered.string("status") == "answered")
            #expect(answered.json["thread"]?[0]?["from"] == .string("team"))
            #expect(answered.json["thread"]?[0]?["sender_id"] == .null)
            #expect(answered.json["thread"]?[0]?["body"] == .string(answer))
            let mail = try await fixture.sink.waitForMessage(to: "visitor@example.com", subjectPrefix: "The Tract team answered")
            #expect(mail.text?.contains(answer) == true)

            let closed = try await fixture.client.send(.POST, "\(Self.path)/\(id)/close", token: staff)
            #expect(closed.string("status") == "closed")
            let closedAt = closed.string("closed_at")
            let again = try await fixture.client.send(.POST, "\(Self.path)/\(id)/close", token: staff)
            #expect(again.status == 200)
            #expect(again.string("closed_at") == closedAt)
            #expect(try await fixture.client.post("\(Self.path)/\(id)/answer", #"{"message":"More"}"#, token: staff).status == 409)
            #expect(try await fixture.client.send(.POST, "\(Self.path)/\(id)/assign", token: staff).status == 409)
            let unknown = UUID().uuidString.lowercased()
            #expect(try await fixture.client.send(.POST, "\(Self.path)/\(unknown)/close", token: staff).status == 404)
            #expect(try await fixture.client.post("\(Self.path)/\(unknown)/answer", #"{"message":"Hi"}"#, token: staff).status == 404)
            #expect(try await fixture.client.post("\(Self.path)/\(id)/answer", #"{"message":""}"#, token: staff).status == 422)
        }
    }

    @Test func aSignedInRequesterIsAnsweredInAppNotByMail() async throws {
        try await CommunicationsFixture.run { fixture in
            let user = UUID().uuidString.lowercased()
            let token = try await fixture.issuer.token(subject: user)
            let id = try #require(try await fixture.client.post(Self.path, Self.signedIn, token: token).string("id"))
            let staff = try await fixture.issuer.token(roles: [.admin])
            let answered = try await fixture.client.post("\(Self.path)/\(id)/answer", #"{"message":"Quarterly, pro rata."}"#, token: staff)
            #expect(answered.status == 200)
            let own = try await fixture.client.get("\(Self.path)/\(id)", token: token)
            #expect(own.json["thread"]?[1]?["body"] == .string("Quarterly, pro rata."))
            #expect(own.json["thread"]?[1]?["from"] == .string("team"))
            #expect(try await fixture.sql("SELECT template_key FROM communications.team_request_mails") == ["team_request_received"])
            // The conversation's post tells the requester in-app (category team, so muting chatter keeps it).
            #expect(
                try await fixture.sql("SELECT type || ' ' || message FROM communications.notifications WHERE user_id = '\(user)'")
                    == ["team_request.answered Quarterly, pro rata."])
        }
    }

    @Test func aRetryWithTheSameIdempotencyKeyIsAnsweredOnce() async throws {
        try await CommunicationsFixture.run { fixture in
            let key = [("Idempotency-Key", "team-request-0001")]
            let first = try await fixture.client.post(Self.path, Self.anonymous(), headers: key)
            #expect(first.status == 201)
            let retry = try await fixture.client.post(Self.path, Self.anonymous(), headers: key)
            #expect(retry.status == 201)
            #expect(retry.string("id") == first.string("id"))
            #expect(retry.headers.first(name: "Idempotent-Replayed") == "true")
            let reused = try await fixture.client.post(Self.path, Self.anonymous(topic: "tax"), headers: key)
            #expect(reused.status == 422)
            _ = try await fixture.sink.waitForMessage(to: "visitor@example.com")
            try await Task.sleep(for: .milliseconds(200))
            #expect(try fixture.sink.messages().count == 1)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.team_requests") == ["1"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.outbox") == ["1"])

            // An answer retried with its key posts once and mails once.
            let id = try #require(first.string("id"))
            let staff = try await fixture.issuer.token(roles: [.admin])
            let answerKey = [("Idempotency-Key", "team-answer-0001")]
            for _ in 0..<2 {
                #expect(
                    try await fixture.client.post("\(Self.path)/\(id)/answer", #"{"message":"Hello"}"#, token: staff, headers: answerKey).status
                        == 200)
            }
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.messages") == ["1"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.team_request_mails") == ["2"])
        }
    }

    @Test func requestsAreLimitedPerRequesterAndPerAddress() async throws {
        var team = TeamSettings()
        team.requestsPerRequester = TokenBucket(2, per: .seconds(86400))
        team.requestsPerIP = TokenBucket(5, per: .seconds(3600))
        try await CommunicationsFixture.run(team: team) { fixture in
            // A replayed retry costs the address an attempt but not the requester's allowance.
            let key = [("Idempotency-Key", "limits-0001")]
            #expect(try await fixture.client.post(Self.path, Self.anonymous(email: "a@example.com"), headers: key).status == 201)
            #expect(try await fixture.client.post(Self.path, Self.anonymous(email: "a@example.com"), headers: key).status == 201)
            #expect(try await fixture.client.post(Self.path, Self.anonymous(email: "a@example.com")).status == 201)
            let limited = try await fixture.client.post(Self.path, Self.anonymous(email: "A@example.com"))
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "Content-Type") == "application/problem+json")
            let retryAfter = Int(try #require(limited.headers.first(name: "Retry-After"))) ?? 0
            #expect(retryAfter > 0 && retryAfter <= 86400)
            // Typos do not count, and another address from the same client has its own allowance,
            // until the client address runs out (every well-formed attempt counts there, the
            // refused one above too).
            #expect(try await fixture.client.post(Self.path, #"{"topic":"tax"}"#).status == 422)
            #expect(try await fixture.client.post(Self.path, Self.anonymous(email: "b@example.com")).status == 201)
            let perIP = try await fixture.client.post(Self.path, Self.anonymous(email: "c@example.com"))
            #expect(perIP.status == 429)
            #expect(perIP.headers.first(name: "Retry-After") != nil)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.team_requests") == ["3"])
        }
    }

    /// A mail server that refuses for now delays the confirmation, never loses it: the request
    /// stands, the mail stays owed, and TeamMailer tries again (here polling every 200 ms) until it goes;
    /// a permanent refusal is recorded and not retried.
    @Test func owedMailsAreRetriedUntilSentAndPermanentRefusalsAreNot() async throws {
        var team = TeamSettings()
        team.mailPollInterval = .milliseconds(200)
        team.mailRetry = RetrySchedule(base: .milliseconds(100), maximum: .milliseconds(200))
        let options = ["--refuse", "full@example.com=452 4.2.2 Mailbox full", "--refuse", "gone@example.com=550 5.1.1 No such user"]
        try await CommunicationsFixture.run(sinkOptions: options, team: team) { fixture in
            #expect(try await fixture.client.post(Self.path, Self.anonymous(email: "full@example.com")).status == 201)
            #expect(try await fixture.client.post(Self.path, Self.anonymous(email: "gone@example.com")).status == 201)
            let retried = try await eventually(timeout: .seconds(10), interval: .milliseconds(100)) {
                let rows = try await fixture.sql(
                    "SELECT status || ' ' || (attempts > 2)::text FROM communications.team_request_mails WHERE to_email = 'full@example.com'")
                return rows == ["pending true"]
            }
            #expect(retried, "the mailbox-full confirmation is tried again and again")
            #expect(
                try await fixture.sql("SELECT status || ' ' || attempts FROM communications.team_request_mails WHERE to_email = 'gone@example.com'")
                    == ["failed 1"])

            // The mailbox has room again (the row now names one the sink takes): the next pass sends it.
            _ = try await fixture.sql(
                "UPDATE communications.team_request_mails SET to_email = 'roomy@example.com' WHERE to_email = 'full@example.com'")
            let mail = try await fixture.sink.waitForMessage(to: "roomy@example.com")
            #expect(mail.subject == "We received your request to speak to the Tract team")
            let sent = try await eventually(timeout: .seconds(5), interval: .milliseconds(50)) {
                try await fixture.sql("SELECT status FROM communications.team_request_mails WHERE to_email = 'roomy@example.com'") == ["sent"]
            }
            #expect(sent)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try fixture.sink.messages().count == 1)
        }
    }

    @Test func theDocumentIsTrueOfTheRunningService() async throws {
        var team = TeamSettings()
        team.requestsPerRequester = TokenBucket(1, per: .seconds(86400))
        try await CommunicationsFixture.run(team: team) { fixture in
            let document = try await fixture.client.get("/openapi.json").json
            let staff = try await fixture.issuer.token(roles: [.admin])
            let user = try await fixture.issuer.token()
            var replies: [(String, String, JSONClient.Reply)] = []
            func record(_ method: String, _ template: String, _ reply: JSONClient.Reply) { replies.append((method, template, reply)) }

            let created = try await fixture.client.post(Self.path, Self.anonymous())
            let id = try #require(created.string("id"))
            record("POST", Self.path, created)
            record("POST", Self.path, try await fixture.client.post(Self.path, Self.anonymous()))
            record("POST", Self.path, try await fixture.client.post(Self.path, #"{"topic":"tax"}"#))
            record("POST", Self.path, try await fixture.client.post(Self.path, Self.signedIn, token: try await fixture.serviceToken()))
            record("GET", Self.path, try await fixture.client.get(Self.path, token: staff))
            record("GET", Self.path, try await fixture.client.get(Self.path, token: user))
            record("GET", "\(Self.path)/mine", try await fixture.client.get("\(Self.path)/mine", token: user))
            record("GET", "\(Self.path)/{id}", try await fixture.client.get("\(Self.path)/\(id)", token: staff))
            record("GET", "\(Self.path)/{id}", try await fixture.client.get("\(Self.path)/\(id)", token: user))
            record("POST", "\(Self.path)/{id}/assign", try await fixture.client.send(.POST, "\(Self.path)/\(id)/assign", token: staff))
            record("POST", "\(Self.path)/{id}/answer", try await fixture.client.post("\(Self.path)/\(id)/answer", #"{"message":"Hi"}"#, token: staff))
            record("POST", "\(Self.path)/{id}/answer", try await fixture.client.post("\(Self.path)/\(id)/answer", #"{"msg":"Hi"}"#, token: staff))
            record("POST", "\(Self.path)/{id}/close", try await fixture.client.send(.POST, "\(Self.path)/\(id)/close", token: user))
            record("POST", "\(Self.path)/{id}/close", try await fixture.client.send(.POST, "\(Self.path)/\(id)/close", token: staff))
            record("POST", "\(Self.path)/{id}/assign", try await fixture.client.send(.POST, "\(Self.path)/\(id)/assign", token: staff))
            #expect(replies.map(\.2.status) == [201, 429, 422, 403, 200, 403, 200, 200, 404, 200, 200, 422, 403, 200, 409])
            for (method, template, reply) in replies {
                let found = OpenAPIConformance.problems(
                    in: document, method: method, path: template, status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text
                )
                #expect(found.isEmpty, "\(method) \(template) \(reply.status): \(found)")
                if let schema = OpenAPIConformance.responseSchema(in: document, method: method, path: template, status: reply.status) {
                    let deeper = OpenAPIConformance.schemaProblems(reply.json, against: schema, in: document)
                    #expect(deeper.isEmpty, "\(method) \(template): \(deeper)")
                }
            }
        }
    }

    /// The fields a 422 names, in its order.
    static func fields(_ reply: JSONClient.Reply) -> [String] {
        guard case .array(let errors)? = reply.json["errors"] else { return [] }
        return errors.compactMap { error -> String? in
            if case .string(let field)? = error["field"] { return field }
            return nil
        }
    }

    /// The form alone, no I/O.
    @Test func theFormKeepsWhatItWasGiven() throws {
        let now = Date()
        let form = try TeamRequestForm.read(
            try JSONDecoder().decode(JSONValue.self, from: Data(Self.anonymous(email: " Visitor@Example.com").utf8)), signedIn: false, now: now)
        #expect(form.email == "Visitor@Example.com")
        #expect(form.topic == "opportunity_zones")
        #expect(form.phone == "+1 (555) 010-2030")
        #expect(form.preferredTimes.count == 1)
        #expect(form.preferredTimesNote == "afternoons, Eastern")
        #expect(TeamRequestForm.topics.count == 7)
    }
}
