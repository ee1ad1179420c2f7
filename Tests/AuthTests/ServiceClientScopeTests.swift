import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Issue 11, item 4: a service client gets only what its service needs. Analytics' secret reads no
/// one's email and delivers no event; a forged `source` is refused; a client taken out of
/// `SERVICE_CLIENTS` is gone at the next start.
@Suite struct ServiceClientScopeTests {
    @Test func eachClientHasItsOwnScopesAndARemovedClientGetsNoToken() async throws {
        try await TestDatabase.with(services: [.auth]) { database in
            try await AuthFixture.run(settings: AuthFixture.settings(), in: database) { auth in
                let email = try await auth.verifiedUser()
                let userID = try #require(try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(email)'").first)

                let grant = try await auth.client.postForm(
                    "/v1/auth/token", "grant_type=client_credentials&client_id=analytics&client_secret=analytics-test-secret-0123456789"
                )
                #expect(grant.status == 200)
                // Every service but auth asks auth about personal API tokens.
                #expect(grant.string("scope") == "internal:api-tokens.introspect service")
                let investments = try await auth.client.postForm(
                    "/v1/auth/token", "grant_type=client_credentials&client_id=investments&client_secret=investments-test-secret-0123456789"
                )
                #expect(
                    investments.string("scope")
                        == "events:publish internal:api-tokens.introspect internal:documents.sign internal:emails.send internal:users.read internal:properties.read service"
                        .split(separator: " ").sorted().joined(separator: " "))
                let tooMuch = try await auth.client.postForm(
                    "/v1/auth/token",
                    "grant_type=client_credentials&client_id=analytics&client_secret=analytics-test-secret-0123456789&scope=internal:users.read"
                )
                #expect(tooMuch.status == 400)
                #expect(tooMuch.string("type") == "https://tract.dev/problems/invalid-scope")

                // Analytics has no business with email addresses.
                let analytics = try #require(grant.string("access_token"))
                let refused = try await auth.client.get("/internal/v1/users/\(userID)", token: analytics)
                #expect(refused.status == 403)
                #expect(refused.headers.first(name: "Content-Type") == "application/problem+json")
                #expect(refused.string("detail") == #"This needs the "internal:users.read" scope."#)
                #expect(try await auth.client.get("/internal/v1/users/\(userID)", token: try await auth.serviceToken(.investments)).status == 200)

                func envelope(_ id: String, _ type: String, source: String) -> String {
                    #"{"id":"\#(id)","type":"\#(type)","source":"\#(source)","occurred_at":"2026-11-22T12:00:00Z","payload":{"user_id":"\#(userID)"}}"#
                }
                // Analytics publishes nothing, under its own name or another's.
                for source in ["analytics", "properties"] {
                    let reply = try await auth.client.post(
                        "/internal/events", envelope("0190c1a0-0000-7000-8000-0000000000a1", "oz_check.completed", source: source), token: analytics
                    )
                    #expect(reply.status == 403)
                    #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
                }
                // properties may publish, but not in investments' name, nor a type it does not publish.
                let properties = try await auth.serviceToken(.properties)
                let forged = try await auth.client.post(
                    "/internal/events", envelope("0190c1a0-0000-7000-8000-0000000000a2", "investor_profile.created", source: "investments"),
                    token: properties
                )
                #expect(forged.status == 403)
                #expect(forged.string("detail") == "The event's source must be the calling service (properties).")
                let notItsType = try await auth.client.post(
                    "/internal/events", envelope("0190c1a0-0000-7000-8000-0000000000a3", "investor_profile.created", source: "properties"),
                    token: properties
                )
                #expect(notItsType.status == 403)
                #expect(notItsType.string("detail") == "This service does not take investor_profile.created events from properties.")
                // Nothing was recorded or applied.
                #expect(try await auth.count("SELECT count(*) FROM auth.inbox") == 0)
                #expect(try await auth.sql("SELECT account_role FROM auth.users WHERE id = '\(userID)'") == ["investor"])
            }

            // Analytics is taken out of SERVICE_CLIENTS and auth restarts: its secret opens nothing.
            let without = AuthFixture.settings(clients: [("investments", "investments-test-secret-0123456789")])
            try await AuthFixture.run(settings: without, in: database) { auth in
                let refused = try await auth.client.postForm(
                    "/v1/auth/token", "grant_type=client_credentials&client_id=analytics&client_secret=analytics-test-secret-0123456789"
                )
                #expect(refused.status == 401)
                #expect(refused.string("type") == "https://tract.dev/problems/invalid-client")
                #expect(try await auth.sql("SELECT client_id FROM auth.service_clients ORDER BY client_id") == ["investments"])
                #expect(
                    try await auth.client.postForm(
                        "/v1/auth/token", "grant_type=client_credentials&client_id=investments&client_secret=investments-test-secret-0123456789"
                    ).status == 200)
            }
        }
    }

    @Test func clientIDsMustNameAService() throws {
        let environment = EnvironmentReader([
            "SIGNING_KEY_ENCRYPTION_KEY": Data(repeating: 7, count: 32).base64EncodedString(),
            "SERVICE_CLIENTS": "properties:properties-test-secret-0123456789,ops-tool:ops-tool-test-secret-0123456789",
        ])
        #expect(throws: ConfigurationError.self) { try AuthSettings.fromEnvironment(environment) }
    }
}
