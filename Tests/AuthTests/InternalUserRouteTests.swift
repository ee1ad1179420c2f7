import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import AuthService

/// `GET /internal/v1/users/{id}`: other services (investments for statements, communications for
/// notifications) learn where to write to a user, and only they may ask.
@Suite struct InternalUserRouteTests {
    @Test func onlyServicesReadAContactAndDeletedUsersAreGone() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let userID = try #require(try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(email)'").first)
            try await auth.sql("UPDATE auth.users SET first_name = 'Ada' WHERE id = '\(userID)'")
            // investments mails statements, so its client may read contacts.
            let service = try await auth.serviceToken(.investments)
            let user = try #require(try await auth.signIn(email).string("access_token"))
            // The sign-in counter operators watch (deploy/monitoring) saw it.
            #expect(try await auth.client.get("/metrics").text.contains(#"tract_sign_ins_total{method="password"}"#))

            let contact = try await auth.client.get("/internal/v1/users/\(userID)", token: service)
            #expect(contact.status == 200)
            #expect(contact.string("email") == email)
            #expect(contact.string("first_name") == "Ada")
            #expect(contact["email_verified"] == .bool(true))
            #expect(contact.string("id") == userID)

            // A user, even asking about themselves, is not a service; nobody at all is 401.
            let asUser = try await auth.client.get("/internal/v1/users/\(userID)", token: user)
            #expect(asUser.status == 403)
            #expect(asUser.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(try await auth.client.get("/internal/v1/users/\(userID)").status == 401)

            for missing in [UUID().uuidString.lowercased(), "not-a-uuid"] {
                let reply = try await auth.client.get("/internal/v1/users/\(missing)", token: service)
                #expect(reply.status == 404)
                #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
            }
            try await auth.sql("UPDATE auth.users SET status = 'deleted' WHERE id = '\(userID)'")
            #expect(try await auth.client.get("/internal/v1/users/\(userID)", token: service).status == 404)
        }
    }

    /// `POST /internal/v1/users/contacts`: up to a thousand at once, for campaigns to segments.
    @Test func servicesReadContactsInBulkAndBadListsAreRefusedByName() async throws {
        try await AuthFixture.run { auth in
            let ada = try await auth.verifiedUser()
            let bob = try await auth.verifiedUser()
            let ids = [
                try #require(try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(ada)'").first),
                try #require(try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(bob)'").first),
            ]
            try await auth.sql("UPDATE auth.users SET status = 'deleted', deleted_at = now() WHERE email = '\(bob)'")
            // Any service with the read-users scope (investments here; communications in production).
            let service = try await auth.serviceToken(.investments)
            let unknown = UUID().uuidString.lowercased()

            let reply = try await auth.client.post(
                "/internal/v1/users/contacts", #"{"ids":["\#(ids[0])","\#(ids[1])","\#(unknown)","\#(ids[0])"]}"#, token: service)
            #expect(reply.status == 200, "\(reply.text)")
            // The deleted and the unknown are left out; the caller matches by id.
            #expect(reply["data"]?[0]?["email"] == .string(ada), "\(reply.text)")
            #expect(reply["data"]?[0]?["id"] == .string(ids[0]))
            #expect(reply["data"]?[0]?["email_verified"] == .bool(true))
            #expect(reply["data"]?[1] == nil, "\(reply.text)")

            let thousandAndOne = (0...1000).map { _ in "\"\(UUID().uuidString)\"" }.joined(separator: ",")
            for (body, field) in [
                (#"{"ids":[]}"#, "ids"), (#"{"ids":"all"}"#, "ids"), (#"{}"#, "ids"), (#"{"ids":["x\u0000"]}"#, "ids[0]"),
                (#"{"ids":[42]}"#, "ids[0]"), (#"{"ids":["\#(unknown)"],"more":1}"#, "more"), (#"{"ids":[\#(thousandAndOne)]}"#, "ids"),
            ] {
                let refused = try await auth.client.post("/internal/v1/users/contacts", body, token: service)
                #expect(refused.status == 422, "\(body): \(refused.text)")
                #expect(refused.headers.first(name: "Content-Type") == "application/problem+json")
                #expect(refused.text.contains(#""field":"\#(field)""#), "\(body): \(refused.text)")
            }
            let user = try #require(try await auth.signIn(ada).string("access_token"))
            #expect(try await auth.client.post("/internal/v1/users/contacts", #"{"ids":["\#(ids[0])"]}"#, token: user).status == 403)
            #expect(try await auth.client.post("/internal/v1/users/contacts", #"{"ids":["\#(ids[0])"]}"#).status == 401)
        }
    }
}
