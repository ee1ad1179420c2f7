import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Account deletion's routes in auth alone (carrying it out across the five services is
/// SystemTests/AccountDeletionJourneyTests): scheduled 30 days out, one pending at a time,
/// cancellable by its owner only, refused to an organisation's owner, audited; the kit's internal
/// erasure route refuses bad input and other callers.
@Suite struct AccountDeletionTests {
    @Test func aDeletionIsScheduledThirtyDaysOutAndOnlyItsOwnerCancelsIt() async throws {
        try await AuthFixture.run { auth in
            let ann = try #require(try await auth.signIn(try await auth.verifiedUser()).string("access_token"))
            let bob = try #require(try await auth.signIn(try await auth.verifiedUser()).string("access_token"))
            #expect(try await auth.client.get("/v1/auth/me/deletion", token: ann).status == 404)

            let asked = try await auth.client.post("/v1/auth/me/deletion", "", token: ann)
            #expect(asked.status == 202, "\(asked.text)")
            #expect(asked.string("status") == "pending")
            #expect(asked.headers.first(name: "Location") == "/v1/auth/me/deletion")
            let id = try #require(asked.string("id"))
            let requested = try #require(asked.string("requested_at").flatMap { try? Date($0, strategy: .iso8601) })
            let due = try #require(asked.string("due_at").flatMap { try? Date($0, strategy: .iso8601) })
            #expect(abs(due.timeIntervalSince(requested) - 30 * 86400) < 1)
            // Asking again answers the same request; the date does not move.
            let again = try await auth.client.post("/v1/auth/me/deletion", "", token: ann)
            #expect(again.string("id") == id && again.string("due_at") == asked.string("due_at"))
            #expect(try await auth.count("SELECT count(*) FROM auth.deletion_requests") == 1)
            #expect(
                try await auth.count(
                    "SELECT count(*) FROM auth.audit_log WHERE action = 'account_deletion.requested' AND target = lower('\(id)')") == 1)

            // Bob has nothing pending: his cancel is a 404 and Ann's request stays.
            let bobs = try await auth.client.send(.DELETE, "/v1/auth/me/deletion", token: bob)
            #expect(bobs.status == 404 && bobs.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(try await auth.client.get("/v1/auth/me/deletion", token: bob).status == 404)
            #expect(try await auth.client.get("/v1/auth/me/deletion", token: ann).string("status") == "pending")
            #expect(try await auth.client.send(.DELETE, "/v1/auth/me/deletion").status == 401)
            #expect(try await auth.client.post("/v1/auth/me/deletion", "").status == 401)
            #expect(try await auth.client.post("/v1/auth/me/deletion", "", token: try await auth.serviceToken(.investments)).status == 401)

            // Ann cancels: the account stays, the request says so, a second cancel is a 404.
            let cancelled = try await auth.client.send(.DELETE, "/v1/auth/me/deletion", token: ann)
            #expect(cancelled.status == 200, "\(cancelled.text)")
            #expect(cancelled.string("status") == "cancelled" && cancelled.string("cancelled_at") != nil)
            #expect(try await auth.client.send(.DELETE, "/v1/auth/me/deletion", token: ann).status == 404)
            #expect(try await auth.client.get("/v1/auth/me/deletion", token: ann).string("status") == "cancelled")
            #expect(try await auth.count("SELECT count(*) FROM auth.audit_log WHERE action = 'account_deletion.cancelled'") == 1)
            // And may ask again: a new request.
            let renewed = try await auth.client.post("/v1/auth/me/deletion", "", token: ann)
            #expect(renewed.status == 202 && renewed.string("id") != id)
        }
    }

    /// Hostile bodies on a route that takes none change nothing: the request is the same.
    @Test func junkSentWithTheRequestIsIgnoredAndNothingIsLost() async throws {
        try await AuthFixture.run { auth in
            let ann = try #require(try await auth.signIn(try await auth.verifiedUser()).string("access_token"))
            let first = try await auth.client.post("/v1/auth/me/deletion", #"{"due_at":"1970-01-01T00:00:00Z"}"#, token: ann)
            #expect(first.status == 202)
            for body in ["\u{0}", #"{"x":1e400}"#, String(repeating: "x", count: 10_000), "[]", ""] {
                let reply = try await auth.client.post("/v1/auth/me/deletion", body, token: ann)
                #expect(reply.status == 202 && reply.string("id") == first.string("id") && reply.string("due_at") == first.string("due_at"))
            }
            #expect(try await auth.count("SELECT count(*) FROM auth.deletion_requests") == 1)
        }
    }

    /// An organisation's owner transfers it first when it has other members: deleting them would
    /// leave the members ownerless. An organisation they alone belong to goes with the account.
    @Test func anOrganisationsOwnerIsRefusedUntilOwnershipIsTransferred() async throws {
        try await AuthFixture.run(settings: AuthFixture.organizationSettings) { auth in
            let owner = try await auth.orgUser()
            let organization = try await auth.organization(owner)
            let member = try await auth.orgUser("investor")
            try await auth.join(member, as: "member", to: organization, by: owner)
            let refused = try await auth.client.post("/v1/auth/me/deletion", "", token: owner.access)
            #expect(refused.status == 409, "\(refused.text)")
            #expect(refused.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(refused.text.contains("transfer"))
            #expect(try await auth.count("SELECT count(*) FROM auth.deletion_requests") == 0)

            let alone = try await auth.orgUser()
            _ = try await auth.organization(alone)
            #expect(try await auth.client.post("/v1/auth/me/deletion", "", token: alone.access).status == 202)
        }
    }

    /// The kit's erasure route (every service mounts it; auth's client alone holds the scope):
    /// users are refused, and bad bodies are a 422 naming the field with nothing erased.
    @Test func theErasureRouteIsAuthsAloneAndRefusesBadInput() async throws {
        let clients = [("auth", "auth-test-secret-0123456789"), ("investments", "investments-test-secret-0123456789")]
        try await AuthFixture.run(settings: AuthFixture.settings(clients: clients)) { auth in
            let email = try await auth.verifiedUser()
            let ann = try #require(try await auth.signIn(email).string("access_token"))
            let id = try #require(try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(email)'").first)
            let path = "/internal/v1/users/\(id)/erasure"
            let body = #"{"anonymous_id":"\#(UUID().uuidString.lowercased())"}"#
            #expect(try await auth.client.post(path, body, token: ann).status == 403)
            #expect(try await auth.client.post(path, body, token: try await auth.serviceToken(.investments)).status == 403)
            #expect(try await auth.client.post(path, body).status == 401)
            let service = try await auth.serviceToken(.auth)
            for (bad, field) in [
                ("{}", "anonymous_id"), (#"{"anonymous_id":5}"#, "anonymous_id"), (#"{"anonymous_id":"\u0000"}"#, "anonymous_id"),
                (#"{"anonymous_id":"\#(String(repeating: "a", count: 10_000))"}"#, "anonymous_id"), (#"{"anonymous_id":1e400}"#, "anonymous_id"),
                (#"{"anonymous_id":"\#(id)"}"#, "anonymous_id"), (#"{"anonymous_id":"\#(UUID())","who":"x"}"#, "who"), ("[]", "body"),
                (#"{"anonymous_id":"\#(UUID())","email":5}"#, "email"),
                (#"{"anonymous_id":"\#(UUID())","email":"\#(String(repeating: "e", count: 10_000))"}"#, "email"),
            ] {
                let reply = try await auth.client.post(path, bad, token: service)
                #expect((400..<500).contains(reply.status), "\(bad): \(reply.status)")
                #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
                #expect(reply.status == 400 || reply.text.contains(field), "\(bad): \(reply.text)")
            }
            #expect(try await auth.client.post("/internal/v1/users/not-a-uuid/erasure", body, token: service).status == 404)
            #expect(try await auth.count("SELECT count(*) FROM auth.users WHERE id = '\(id)'") == 1)
        }
    }
}
