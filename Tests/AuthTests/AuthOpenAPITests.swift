import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Every documented operation of auth, exercised against the running service, answers as its
/// OpenAPI document says — success and failure responses alike — and every route is documented.
@Suite struct AuthOpenAPITests {
    /// Areas whose own suite exercises every operation against the document (PasskeyOpenAPITests).
    static let exercisedElsewhere =
        [
            "/v1/auth/passkeys", "/v1/auth/mfa",
            // ProfileOpenAPITests.
            "/v1/auth/me/profile", "/v1/auth/profiles", "/v1/auth/me/onboarding",
            // PrivacyOpenAPITests.
            "/v1/auth/me/consents", "/v1/auth/me/export", "/v1/auth/me/deletion",
            // OrganizationOpenAPITests.
            "/v1/auth/organization",
            // APITokenOpenAPITests.
            "/v1/auth/api-tokens",
        ] + StaffOpenAPITests.documentedPrefixes

    @Test func theDocumentIsTrueOfTheRunningService() async throws {
        var limits = RateLimits()
        limits.emailSendsPerAddress = TokenBucket(20, per: .seconds(60))
        try await AuthFixture.run(settings: AuthFixture.settings(limits: limits)) { auth in
            let document = try await auth.client.get("/openapi.json").json
            var exercised: Set<String> = []
            func check(_ method: HTTPMethod, _ template: String, _ reply: JSONClient.Reply) {
                exercised.insert("\(method.rawValue) \(template)")
                let found = OpenAPIConformance.problems(
                    in: document, method: method.rawValue, path: template, status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text
                )
                #expect(found.isEmpty, "\(found)")
            }
            func call(_ method: HTTPMethod, _ template: String, _ path: String? = nil, json: String? = nil, token: String? = nil) async throws
                -> JSONClient.Reply
            {
                let reply = try await auth.client.send(method, path ?? template, json: json, token: token)
                check(method, template, reply)
                return reply
            }

            check(.GET, "/.well-known/jwks.json", try await auth.client.get("/.well-known/jwks.json"))
            _ = try await call(.POST, "/v1/auth/signup", json: #"{"email":"bad","password":"x"}"#)
            _ = try await call(.POST, "/v1/auth/signup", json: #"{"email":"open@example.com","password":"an open api passphrase"}"#)
            let verify = try #require(AuthFixture.token(in: try await auth.lastMail(to: "open@example.com")?.variables["link"]))
            _ = try await call(.POST, "/v1/auth/verify-email", json: #"{"token":"nope"}"#)
            _ = try await call(.POST, "/v1/auth/verify-email", json: #"{"token":"\#(verify)"}"#)
            _ = try await call(.POST, "/v1/auth/token", json: #"{"grant_type":"password","email":"open@example.com","password":"wrong one"}"#)
            let signIn = try await call(
                .POST, "/v1/auth/token", json: #"{"grant_type":"password","email":"open@example.com","password":"an open api passphrase"}"#)
            let access = try #require(signIn.string("access_token"))
            let refresh = try #require(signIn.string("refresh_token"))
            _ = try await call(.POST, "/v1/auth/token", json: #"{"grant_type":"refresh_token","refresh_token":"\#(refresh)"}"#)
            _ = try await call(.GET, "/v1/auth/me", token: access)
            _ = try await call(.GET, "/v1/auth/me")
            _ = try await call(.PATCH, "/v1/auth/me", json: #"{"timezone":"Nowhere/Land"}"#, token: access)
            _ = try await call(.PATCH, "/v1/auth/me", json: #"{"first_name":"Open"}"#, token: access)
            _ = try await call(.GET, "/v1/auth/me/login-history", "/v1/auth/me/login-history?limit=2", token: access)
            _ = try await call(.GET, "/v1/auth/me/login-history", "/v1/auth/me/login-history?limit=0", token: access)
            _ = try await call(
                .POST, "/v1/auth/me/password", json: #"{"current_password":"wrong","new_password":"a fresh passphrase"}"#, token: access)
            _ = try await call(.GET, "/v1/auth/sessions", token: access)
            _ = try await call(.DELETE, "/v1/auth/sessions/{id}", "/v1/auth/sessions/\(UUID().uuidString)", token: access)
            _ = try await call(.DELETE, "/v1/auth/sessions", token: access)
            _ = try await call(.POST, "/v1/auth/password-reset", json: #"{"email":"open@example.com"}"#)
            let reset = try #require(AuthFixture.token(in: try await auth.lastMail(to: "open@example.com")?.variables["link"]))
            _ = try await call(.POST, "/v1/auth/password-reset/confirm", json: #"{"token":"\#(reset)","new_password":"the newest passphrase"}"#)
            _ = try await call(.POST, "/v1/auth/magic-links", json: #"{"email":"magic@example.com"}"#)
            let link = try #require(AuthFixture.token(in: try await auth.lastMail(to: "magic@example.com")?.variables["link"]))
            _ = try await call(.GET, "/v1/auth/magic-links/{token}", "/v1/auth/magic-links/\(link)")
            _ = try await call(.GET, "/v1/auth/magic-links/{token}", "/v1/auth/magic-links/unknown")
            let magic = try await call(.POST, "/v1/auth/magic-links/verify", json: #"{"token":"\#(link)"}"#)
            _ = try await call(.POST, "/v1/auth/magic-links/verify", json: #"{"token":"\#(link)"}"#)
            try await OAuthOpenAPIExercise.run(token: access) { try await call($0, $1, $2, json: $3, token: $4) }
            _ = try await call(.POST, "/v1/auth/logout", token: try #require(magic.string("access_token")))

            // Every documented auth operation was exercised.
            var documented: Set<String> = []
            if case .object(let paths)? = document["paths"] {
                for (path, item) in paths
                where (path.hasPrefix("/v1/auth") || path.hasPrefix("/.well-known"))
                    && !Self.exercisedElsewhere.contains(where: { path.hasPrefix($0) })
                {
                    if case .object(let operations) = item {
                        for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
                    }
                }
            }
            #expect(documented.subtracting(exercised).isEmpty, "not exercised: \(documented.subtracting(exercised).sorted())")
        }
    }
}
