import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

/// A personal API token across the five services as real processes (issue 16): each service takes
/// it through the kit's one code path (auth's introspection), holds it to its scopes, keeps it out
/// of internal routes, and refuses it on the very next request once it is revoked.
@Suite(.serialized) struct APITokenJourneyTests {
    @Test func everyServiceAcceptsATokenWithinItsScopesAndRefusesItOnceRevoked() async throws {
        try await RunningSuite.with([.auth, .properties, .investments, .communications, .analytics]) { suite in
            let email = "scripter.\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let password = "an api token journey passphrase"
            let signUp = try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/signup", #"{"email":"\#(email)","password":"\#(password)"}"#)
            try #require(signUp.status == 202, "\(signUp.text)")
            try await suite.sql("UPDATE auth.users SET email_verified_at = now()")
            let access = try #require(try await SystemClient.signIn(suite, email, password).string("access_token"))
            let userID = try #require(try await SystemClient.send(.GET, "\(suite.auth)/v1/auth/me", token: access).string("id"))

            func create(_ scopes: String) async throws -> (token: String, id: String) {
                let reply = try await SystemClient.send(
                    .POST, "\(suite.auth)/v1/auth/api-tokens", #"{"name":"Journey","scopes":[\#(scopes)]}"#, token: access)
                try #require(reply.status == 201, "\(reply.text)")
                return (try #require(reply.string("token")), try #require(reply.string("id")))
            }
            let reader = try await create(#""auth:read","properties:read","investments:read","communications:read","analytics:read""#)
            let writer = try await create(#""investments:write""#)

            // One read route per service answers the read-everything token as it answers the user.
            let reads = [
                "\(suite.auth)/v1/auth/me", "\(suite.urls[.properties]!)/v1/properties", "\(suite.investments)/v1/portfolio",
                "\(suite.communications)/v1/communications/notifications", "\(suite.urls[.analytics]!)/v1/analytics/users/\(userID)/events",
            ]
            for url in reads {
                let reply = try await SystemClient.send(.GET, url, token: reader.token)
                #expect(reply.status == 200, "\(url): \(reply.status) \(reply.text)")
            }
            #expect(try await SystemClient.send(.GET, "\(suite.auth)/v1/auth/me", token: reader.token).string("email") == email)

            // Read-only: no change; write: the change is made, as the user.
            let profile = #"{"cap_gain_or_not": true}"#
            let refused = try await SystemClient.send(.PUT, "\(suite.investments)/v1/investor-profile", profile, token: reader.token)
            #expect(refused.status == 403 && refused.string("detail")?.contains("investments:write") == true, "\(refused.text)")
            #expect(try await SystemClient.send(.GET, "\(suite.investments)/v1/investor-profile", token: access).status == 404)
            let saved = try await SystemClient.send(.PUT, "\(suite.investments)/v1/investor-profile", profile, token: writer.token)
            #expect(saved.status == 201, "\(saved.text)")
            let mine = try await SystemClient.send(.GET, "\(suite.investments)/v1/investor-profile", token: access)
            #expect(mine.status == 200 && mine.string("user_id")?.lowercased() == userID.lowercased(), "\(mine.text)")

            // Without a service's read scope, nothing there.
            for url in [reads[1], reads[3], reads[4]] {
                let reply = try await SystemClient.send(.GET, url, token: writer.token)
                #expect(reply.status == 403 && reply.string("detail")?.contains(":read\"") == true, "\(url): \(reply.text)")
            }
            // Never an internal route, whatever the token holds.
            let inbox = try await SystemClient.send(.POST, "\(suite.urls[.analytics]!)/internal/events", "{}", token: reader.token)
            #expect(inbox.status == 403, "\(inbox.text)")

            // Revoked: refused by every service on the next request.
            let revoke = try await SystemClient.send(.DELETE, "\(suite.auth)/v1/auth/api-tokens/\(reader.id)", token: access)
            #expect(revoke.status == 204)
            for url in reads {
                let reply = try await SystemClient.send(.GET, url, token: reader.token)
                #expect(reply.status == 401 && reply.string("detail") == "The API token was revoked.", "\(url): \(reply.status) \(reply.text)")
            }
            // Expired: the same.
            try await suite.sql("UPDATE auth.api_tokens SET expires_at = now() - interval '1 second'")
            let expired = try await SystemClient.send(.GET, "\(suite.investments)/v1/portfolio", token: writer.token)
            #expect(expired.status == 401 && expired.string("detail") == "The API token has expired.", "\(expired.text)")
        }
    }
}
