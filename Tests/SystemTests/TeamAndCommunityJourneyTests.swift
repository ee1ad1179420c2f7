import Foundation
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Seed 000's "speak to the team" and "join our community" driven end to end through the gateway
/// (nginx as `make run` renders it) in front of auth, communications and analytics as real
/// processes: the confirmation mails in the SMTP sink, the events recorded by analytics.
@Suite(.serialized) struct TeamAndCommunityJourneyTests {
    @Test func speakToTheTeamAndJoinTheCommunityThroughTheGateway() async throws {
        try await RunningSuite.with([.auth, .communications, .analytics]) { suite in
            try await GatewayProcess.with(suite) { gateway in
                let tag = UUID().uuidString.prefix(6).lowercased()

                // A visitor asks without an account, and gets a confirmation; no account is made.
                let visitor = "visitor.\(tag)@example.com"
                let asked = try await SystemClient.send(
                    .POST, "\(gateway)/v1/communications/team-requests",
                    #"{"email":"\#(visitor)","consent":true,"name":"Vera","topic":"opportunity_zones","message":"Can we talk about a QOF?"}"#)
                #expect(asked.status == 201, "\(asked.text)")
                let anonymousRequest = try #require(asked.string("id"))
                let visitorMail = try await suite.sink.waitForMessage(to: visitor, timeout: .seconds(30))
                #expect(visitorMail.subject == "We received your request to speak to the Tract team")
                #expect(visitorMail.text?.contains("Hello Vera,") == true)
                let noAccount = try await SystemClient.send(
                    .POST, "\(gateway)/v1/auth/token", #"{"grant_type":"password","email":"\#(visitor)","password":"anything at all"}"#)
                #expect(noAccount.status == 400)

                // A user signs up through the community entry point (the seed's spelling) ...
                let email = "member.\(tag)@example.com"
                let password = "a community journey passphrase"
                let signUp = try await SystemClient.send(
                    .POST, "\(gateway)/v1/auth/signup", #"{"email":"\#(email)","password":"\#(password)","source":"join_our_community"}"#)
                try #require(signUp.status == 202, "\(signUp.text)")
                let confirm = try await suite.sink.waitForMessage(to: email, timeout: .seconds(30))
                let verifyToken = try #require(SystemClient.token(in: confirm.text ?? ""))
                try #require(
                    try await SystemClient.send(.POST, "\(gateway)/v1/auth/verify-email", #"{"token":"\#(verifyToken)"}"#).status == 200)
                let signedIn = try await SystemClient.send(
                    .POST, "\(gateway)/v1/auth/token", #"{"grant_type":"password","email":"\#(email)","password":"\#(password)"}"#)
                let token = try #require(signedIn.string("access_token"))
                let named = try await SystemClient.send(.PATCH, "\(gateway)/v1/auth/me", #"{"first_name":"Mo"}"#, token: token)
                let user = try #require(named.string("id"))
                #expect(named.string("first_auth_source") == "join_our_community")

                // ... joins the community, and asks to speak to the team: the confirmation goes to
                // the account's address, asked of auth by communications.
                let joined = try await SystemClient.send(.POST, "\(gateway)/v1/communications/community/membership", token: token)
                #expect(joined.status == 201, "\(joined.text)")
                #expect(try await SystemClient.send(.POST, "\(gateway)/v1/communications/community/membership", token: token).status == 200)
                let request = try await SystemClient.send(
                    .POST, "\(gateway)/v1/communications/team-requests", #"{"topic":"investing","message":"How do distributions work?"}"#,
                    token: token, idempotencyKey: "journey-\(tag)-team")
                #expect(request.status == 201, "\(request.text)")
                let memberMail = try await suite.sink.waitForMessage(
                    to: email, subjectPrefix: "We received your request", timeout: .seconds(30))
                #expect(memberMail.text?.contains("Hello Mo,") == true)
                #expect(memberMail.text?.contains("about investing") == true)

                // Analytics recorded both: the member's journey shows the interests, and the
                // visitor's request is an event with no user.
                let interests = try await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
                    let journey = try? await SystemClient.send(.GET, "\(gateway)/v1/analytics/users/\(user)/journey", token: token)
                    return journey.map { $0.text.contains(#""needs_team_contact" : true"#) && $0.text.contains(#""community_member" : true"#) }
                        ?? false
                }
                #expect(interests, "analytics shows needs_team_contact and community_member")
                let recorded = try await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
                    (try? await suite.count(
                        "SELECT count(*) FROM analytics.events WHERE name = 'team_contact.requested' AND user_id IS NULL")) == 1
                }
                #expect(recorded, "analytics recorded the visitor's request without a user")

                // Staff answer the visitor from the inbox; the answer is mailed.
                let staff = try await Self.staffToken(suite, gateway: gateway, tag: tag)
                let inbox = try await SystemClient.send(.GET, "\(gateway)/v1/communications/team-requests?status=open", token: staff)
                #expect(inbox.status == 200)
                #expect(inbox.text.contains(anonymousRequest))
                #expect(try await SystemClient.send(.GET, "\(gateway)/v1/communications/team-requests", token: token).status == 403)
                let answered = try await SystemClient.send(
                    .POST, "\(gateway)/v1/communications/team-requests/\(anonymousRequest)/answer", #"{"message":"Yes: call us on Tuesday."}"#,
                    token: staff)
                #expect(answered.status == 200, "\(answered.text)")
                let answer = try await suite.sink.waitForMessage(to: visitor, subjectPrefix: "The Tract team answered", timeout: .seconds(30))
                #expect(answer.text?.contains("Yes: call us on Tuesday.") == true)

                // Leaving the community is recorded too.
                #expect(try await SystemClient.send(.DELETE, "\(gateway)/v1/communications/community/membership", token: token).status == 204)
                let left = try await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
                    let journey = try? await SystemClient.send(.GET, "\(gateway)/v1/analytics/users/\(user)/journey", token: token)
                    return journey?.text.contains(#""community_member" : false"#) ?? false
                }
                #expect(left, "analytics shows the member left")
            }
        }
    }

    /// An admin account, made one by SQL as staff would by hand.
    static func staffToken(_ suite: RunningSuite, gateway: String, tag: String) async throws -> String {
        let email = "staff.\(tag)@example.com"
        let password = "a staff journey passphrase"
        try #require(
            try await SystemClient.send(.POST, "\(gateway)/v1/auth/signup", #"{"email":"\#(email)","password":"\#(password)"}"#).status == 202)
        try await suite.sql("UPDATE auth.users SET account_role = 'admin', email_verified_at = now() WHERE email = '\(email)'")
        let signedIn = try await SystemClient.send(
            .POST, "\(gateway)/v1/auth/token", #"{"grant_type":"password","email":"\#(email)","password":"\#(password)"}"#)
        return try #require(signedIn.string("access_token"))
    }
}

extension RunningSuite {
    /// The number a one-value query returns, run as the superuser.
    func count(_ query: String) async throws -> Int {
        try await TestDatabase.withAdmin(database: self.database.name) { admin in
            for try await value in try await admin.query(PostgresQuery(unsafeSQL: "SELECT (\(query))::bigint")).decode(Int64.self) {
                return Int(value)
            }
            return -1
        }
    }
}
