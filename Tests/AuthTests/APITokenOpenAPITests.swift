import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Every API-token operation (api-tokens.json), exercised against the running service with good
/// and bad input, answers as auth's OpenAPI document says, and every one is exercised.
@Suite struct APITokenOpenAPITests {
    @Test func theAPITokenDocumentIsTrueOfTheRunningService() async throws {
        try await AuthFixture.run { auth in
            let document = try await auth.client.get("/openapi.json").json
            var exercised: Set<String> = []
            func call(_ method: HTTPMethod, _ template: String, _ path: String? = nil, json: String? = nil, token: String? = nil) async throws
                -> JSONClient.Reply
            {
                let reply = try await auth.client.send(method, path ?? template, json: json, token: token)
                let found = OpenAPIConformance.problems(
                    in: document, method: method.rawValue, path: template, status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text)
                #expect(found.isEmpty, "\(method) \(path ?? template) \(reply.status): \(found)")
                exercised.insert("\(method.rawValue) \(template)")
                return reply
            }

            let email = try await auth.verifiedUser()
            let access = try #require(try await auth.signIn(email).string("access_token"))
            let service = try await auth.serviceToken(.investments)
            let created = try await call(
                .POST, "/v1/auth/api-tokens", json: #"{"name":"Nightly export","scopes":["investments:read"],"expires_in_days":90}"#,
                token: access)
            #expect(created.status == 201)
            let token = try #require(created.string("token"))
            let id = try #require(created.string("id"))
            _ = try await call(.POST, "/v1/auth/api-tokens", json: #"{"name":"x","scopes":["nope"]}"#, token: access)
            _ = try await call(.POST, "/v1/auth/api-tokens", json: #"{"name":"x","scopes":["auth:read"]}"#, token: token)
            _ = try await call(.POST, "/v1/auth/api-tokens", json: #"{"name":"x","scopes":["auth:read"]}"#)
            let page = try await call(.GET, "/v1/auth/api-tokens", "/v1/auth/api-tokens?limit=1", token: access)
            #expect(page.status == 200 && !page.text.contains(String(token.suffix(43))))
            _ = try await call(.GET, "/v1/auth/api-tokens", "/v1/auth/api-tokens?limit=0", token: access)
            _ = try await call(.GET, "/v1/auth/api-tokens", token: token)
            _ = try await call(.GET, "/v1/auth/api-tokens/{id}", "/v1/auth/api-tokens/\(id)", token: access)
            _ = try await call(.GET, "/v1/auth/api-tokens/{id}", "/v1/auth/api-tokens/\(UUID())", token: access)
            _ = try await call(.GET, "/v1/auth/api-tokens/{id}", "/v1/auth/api-tokens/12", token: access)
            let introspected = try await call(.POST, "/internal/v1/api-tokens/introspect", json: #"{"token":"\#(token)"}"#, token: service)
            #expect(introspected.status == 200)
            _ = try await call(.POST, "/internal/v1/api-tokens/introspect", json: #"{"token":"\#(token)"}"#, token: access)
            _ = try await call(.POST, "/internal/v1/api-tokens/introspect", json: #"{}"#, token: service)
            _ = try await call(.DELETE, "/v1/auth/api-tokens/{id}", "/v1/auth/api-tokens/\(UUID())", token: access)
            #expect(try await call(.DELETE, "/v1/auth/api-tokens/{id}", "/v1/auth/api-tokens/\(id)", token: access).status == 204)
            _ = try await call(.POST, "/internal/v1/api-tokens/introspect", json: #"{"token":"\#(token)"}"#, token: service)

            var documented: Set<String> = []
            if case .object(let paths)? = document["paths"] {
                for (path, item) in paths where path.hasPrefix("/v1/auth/api-tokens") || path.hasPrefix("/internal/v1/api-tokens") {
                    if case .object(let operations) = item {
                        for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
                    }
                }
            }
            #expect(documented == exercised, "documented but not exercised: \(documented.subtracting(exercised).sorted())")
        }
    }
}
