import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// "Join our community" (seed 000 entry point 6): membership, the community digest subscription
/// and the events analytics records, each once however often or concurrently it is asked.
@Suite struct CommunityTests {
    static let path = "/v1/communications/community/membership"

    @Test func joiningSubscribesToTheDigestAndLeavingUndoesItEachOnce() async throws {
        try await CommunicationsFixture.run { fixture in
            let user = UUID().uuidString.lowercased()
            let token = try await fixture.issuer.token(subject: user)
            let before = try await fixture.client.get(Self.path, token: token)
            #expect(before.status == 200)
            #expect(before.json == .object(["member": false, "joined_at": .null, "digest": .null]))

            let joined = try await fixture.client.send(.POST, Self.path, token: token)
            #expect(joined.status == 201, "\(joined.text)")
            #expect(joined["member"] == .bool(true))
            #expect(joined["digest"] == .object(["email_type": "community_digest", "active": true]))
            let joinedAt = try #require(joined.string("joined_at"))
            // Joining again (with an empty body this time) changes nothing and publishes nothing.
            let again = try await fixture.client.post(Self.path, "{}", token: token)
            #expect(again.status == 200)
            #expect(again.string("joined_at") == joinedAt)
            #expect(try await fixture.client.get(Self.path, token: token).text == joined.text)
            #expect(
                try await fixture.sql("SELECT email_type || ' ' || is_active FROM communications.email_subscriptions WHERE user_id = '\(user)'")
                    == ["community_digest true"])

            let left = try await fixture.client.send(.DELETE, Self.path, token: token)
            #expect(left.status == 204)
            #expect(try await fixture.client.send(.DELETE, Self.path, token: token).status == 204)
            #expect(try await fixture.client.get(Self.path, token: token).json == before.json)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.email_subscriptions") == ["0"])
            #expect(
                try await fixture.sql("SELECT event_type || ' ' || lower(envelope->'payload'->>'user_id') FROM communications.outbox ORDER BY id")
                    == ["community.joined \(user)", "community.left \(user)"])
        }
    }

    /// The digest respects the user's preferences: muted community email signs them up inactive,
    /// and muting it after joining shows at once.
    @Test func theDigestFollowsTheCommunityPreference() async throws {
        try await CommunicationsFixture.run { fixture in
            let muted = UUID().uuidString.lowercased()
            let mutedToken = try await fixture.issuer.token(subject: muted)
            let listening = UUID().uuidString.lowercased()
            let listeningToken = try await fixture.issuer.token(subject: listening)
            _ = try await fixture.sql(
                """
                INSERT INTO communications.notification_preferences
                    (id, user_id, category, event_type, email_enabled, in_app_enabled, frequency, created_at, updated_at)
                VALUES (gen_random_uuid(), '\(muted)', 'community', '*', false, true, 'instant', now(), now())
                """)
            let joined = try await fixture.client.send(.POST, Self.path, token: mutedToken)
            #expect(joined.status == 201)
            #expect(joined["digest"] == .object(["email_type": "community_digest", "active": false]))
            #expect(try await fixture.sql("SELECT is_active::text FROM communications.email_subscriptions WHERE user_id = '\(muted)'") == ["false"])

            #expect(try await fixture.client.send(.POST, Self.path, token: listeningToken)["digest"]?["active"] == .bool(true))
            _ = try await fixture.sql(
                """
                INSERT INTO communications.notification_preferences
                    (id, user_id, category, event_type, email_enabled, in_app_enabled, frequency, created_at, updated_at)
                VALUES (gen_random_uuid(), '\(listening)', 'community', 'community_digest', false, true, 'instant', now(), now())
                """)
            #expect(try await fixture.client.get(Self.path, token: listeningToken)["digest"]?["active"] == .bool(false))
            #expect(try await fixture.client.get(Self.path, token: listeningToken)["member"] == .bool(true))
        }
    }

    @Test func concurrentJoinsMakeOneMemberAndOneEvent() async throws {
        try await CommunicationsFixture.run { fixture in
            let token = try await fixture.issuer.token()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<10 { group.addTask { try await fixture.client.send(.POST, Self.path, token: token).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.sorted() == [200, 200, 200, 200, 200, 200, 200, 200, 200, 201])
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.community_members") == ["1"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.outbox WHERE event_type = 'community.joined'") == ["1"])
        }
    }

    @Test func onlySignedInPeopleJoinAndABodyMustBeEmpty() async throws {
        try await CommunicationsFixture.run { fixture in
            #expect(try await fixture.client.send(.POST, Self.path).status == 401)
            #expect(try await fixture.client.get(Self.path).status == 401)
            let service = try await fixture.client.send(.POST, Self.path, token: try await fixture.serviceToken())
            #expect(service.status == 403)
            #expect(service.headers.first(name: "Content-Type") == "application/problem+json")
            let token = try await fixture.issuer.token()
            let extra = try await fixture.client.post(Self.path, #"{"role":"developer"}"#, token: token)
            #expect(extra.status == 422)
            #expect(extra.text.contains(#""field":"role""#))
            #expect(try await fixture.client.post(Self.path, "[]", token: token).status == 422)
            #expect(try await fixture.client.post(Self.path, "{", token: token).status == 400)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.community_members") == ["0"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.outbox") == ["0"])
        }
    }

    @Test func theDocumentIsTrueOfTheRunningService() async throws {
        try await CommunicationsFixture.run { fixture in
            let document = try await fixture.client.get("/openapi.json").json
            let token = try await fixture.issuer.token()
            let replies: [(String, JSONClient.Reply)] = [
                ("GET", try await fixture.client.get(Self.path, token: token)),
                ("POST", try await fixture.client.send(.POST, Self.path, token: token)),
                ("POST", try await fixture.client.send(.POST, Self.path, token: token)),
                ("GET", try await fixture.client.get(Self.path, token: token)),
                ("POST", try await fixture.client.post(Self.path, #"{"x":1}"#, token: token)),
                ("POST", try await fixture.client.send(.POST, Self.path, token: try await fixture.serviceToken())),
                ("DELETE", try await fixture.client.send(.DELETE, Self.path, token: token)),
                ("DELETE", try await fixture.client.send(.DELETE, Self.path)),
            ]
            #expect(replies.map(\.1.status) == [200, 201, 200, 200, 422, 403, 204, 401])
            for (method, reply) in replies {
                let found = OpenAPIConformance.problems(
                    in: document, method: method, path: Self.path, status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text
                )
                #expect(found.isEmpty, "\(method) \(reply.status): \(found)")
                if let schema = OpenAPIConformance.responseSchema(in: document, method: method, path: Self.path, status: reply.status) {
                    #expect(OpenAPIConformance.schemaProblems(reply.json, against: schema, in: document).isEmpty, "\(method) \(reply.status)")
                }
            }
        }
    }
}
