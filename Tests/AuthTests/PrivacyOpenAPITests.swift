import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Every privacy operation (consents, data export, account deletion), exercised against the running service with good and bad
/// input, answers as auth's OpenAPI document says, and every documented one is exercised.
@Suite struct PrivacyOpenAPITests {
    @Test func thePrivacyDocumentIsTrueOfTheRunningService() async throws {
        try await AuthFixture.run { auth in
            let document = try await auth.client.get("/openapi.json").json
            var exercised: Set<String> = []
            func call(_ method: HTTPMethod, _ path: String, json: String? = nil, token: String? = nil) async throws -> JSONClient.Reply {
                let reply = try await auth.client.send(method, path, json: json, token: token)
                let template = Self.template(path.split(separator: "?").first.map(String.init) ?? path)
                let found = OpenAPIConformance.problems(
                    in: document, method: method.rawValue, path: template, status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text)
                #expect(found.isEmpty, "\(method) \(path) \(reply.status): \(found)")
                exercised.insert("\(method.rawValue) \(template)")
                return reply
            }

            let email = "openapi.\(UUID().uuidString.prefix(8))@example.com".lowercased()
            let signUp = try await auth.client.post(
                "/v1/auth/signup", #"{"email":"\#(email)","password":"correct horse battery","terms_version":"2026-12"}"#)
            #expect(signUp.status == 202)
            try await auth.sql("UPDATE auth.users SET email_verified_at = now() WHERE email = '\(email)'")
            let token = try #require(try await auth.signIn(email).string("access_token"))

            _ = try await call(.GET, "/v1/auth/me/consents")
            #expect(try await call(.GET, "/v1/auth/me/consents", token: token).status == 200)
            #expect(try await call(.PUT, "/v1/auth/me/consents", json: #"{"marketing":{"version":"m1","granted":true}}"#, token: token).status == 200)
            #expect(try await call(.PUT, "/v1/auth/me/consents", json: #"{"terms":{"version":"1","granted":false}}"#, token: token).status == 422)
            _ = try await call(.PUT, "/v1/auth/me/consents", json: "[]", token: token)
            _ = try await call(.PUT, "/v1/auth/me/consents", json: #"{"marketing":{"version":"m1","granted":true}}"#)
            #expect(try await call(.GET, "/v1/auth/me/consents/history?limit=1", token: token).status == 200)
            #expect(try await call(.GET, "/v1/auth/me/consents/history?limit=0", token: token).status == 422)
            _ = try await call(.GET, "/v1/auth/me/consents/history")

            // Data export: asked, followed, refused while pending, gone once expired.
            let asked = try await call(.POST, "/v1/auth/me/export", token: token)
            #expect(asked.status == 202)
            _ = try await call(.POST, "/v1/auth/me/export")
            let id = try #require(asked.string("id"))
            #expect(try await call(.GET, "/v1/auth/me/exports/\(id)", token: token).status == 200)
            #expect(try await call(.GET, "/v1/auth/me/exports/\(UUID())", token: token).status == 404)
            #expect(try await call(.GET, "/v1/auth/me/exports/\(id)/download", token: token).status == 409)
            #expect(try await call(.GET, "/v1/auth/me/exports/\(UUID())/download", token: token).status == 404)
            try await auth.sql(
                "UPDATE auth.data_exports SET status = 'ready', completed_at = now(), expires_at = now() - interval '1 second' WHERE id = '\(id)'")
            #expect(try await call(.GET, "/v1/auth/me/exports/\(id)/download", token: token).status == 410)
            #expect(try await call(.GET, "/v1/auth/me/exports/\(id)", token: token).status == 200)

            // Account deletion: none yet, asked, shown, cancelled, nothing left to cancel.
            #expect(try await call(.GET, "/v1/auth/me/deletion", token: token).status == 404)
            #expect(try await call(.POST, "/v1/auth/me/deletion", token: token).status == 202)
            _ = try await call(.POST, "/v1/auth/me/deletion")
            #expect(try await call(.GET, "/v1/auth/me/deletion", token: token).status == 200)
            #expect(try await call(.DELETE, "/v1/auth/me/deletion", token: token).status == 200)
            #expect(try await call(.DELETE, "/v1/auth/me/deletion", token: token).status == 404)
            _ = try await call(.DELETE, "/v1/auth/me/deletion")
            _ = try await call(.GET, "/v1/auth/me/deletion")

            var documented: Set<String> = []
            if case .object(let paths)? = document["paths"] {
                for (path, item) in paths
                where path.hasPrefix("/v1/auth/me/consents") || path.hasPrefix("/v1/auth/me/export") || path == "/v1/auth/me/deletion" {
                    if case .object(let operations) = item {
                        for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
                    }
                }
            }
            #expect(documented == exercised, "documented but not exercised: \(documented.subtracting(exercised).sorted())")
        }
    }

    /// The documented path of a concrete one: an export id becomes `{id}`.
    static func template(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { UUID(uuidString: String($0)) == nil ? String($0) : "{id}" }
            .joined(separator: "/")
    }
}
