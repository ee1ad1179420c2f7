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

            let contact = try await auth.client.get("/internal/v1/users/\(userID)", token: service)
            #expect(contact.status == 200)
            #expect(contact.string("email") == email)
            #expect(contact.string("first_name") == "Ada")
            #expect(contact["email_verified"] == .bool(true))

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
}
