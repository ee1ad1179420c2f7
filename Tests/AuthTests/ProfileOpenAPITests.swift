import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Every profile and onboarding operation (OpenAPI/profiles.json), exercised against the running
/// service with good and bad input, answers as auth's document says, and every one is exercised.
@Suite struct ProfileOpenAPITests {
    static let prefixes = ["/v1/auth/me/profile", "/v1/auth/profiles", "/v1/auth/me/onboarding"]

    @Test func theProfilesDocumentIsTrueOfTheRunningService() async throws {
        try await AuthFixture.run { auth in
            let document = try await auth.client.get("/openapi.json").json
            var exercised: Set<String> = []
            var statuses: [String: Set<Int>] = [:]
            func call(_ method: HTTPMethod, _ template: String, _ path: String? = nil, json: String? = nil, token: String? = nil) async throws
                -> JSONClient.Reply
            {
                let reply = try await auth.client.send(method, path ?? template, json: json, token: token)
                let found = OpenAPIConformance.problems(
                    in: document, method: method.rawValue, path: template, status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text)
                #expect(found.isEmpty, "\(method) \(path ?? template): \(found)")
                if let schema = OpenAPIConformance.responseSchema(in: document, method: method.rawValue, path: template, status: reply.status) {
                    let problems = OpenAPIConformance.schemaProblems(reply.json, against: schema, in: document)
                    #expect(problems.isEmpty, "\(method) \(path ?? template): \(problems)")
                }
                exercised.insert("\(method.rawValue) \(template)")
                statuses["\(method.rawValue) \(template)", default: []].insert(reply.status)
                return reply
            }

            let email = try await auth.verifiedUser()
            try await auth.sql("UPDATE auth.users SET account_role = 'sponsor' WHERE email = '\(email)'")
            let token = try await auth.accessToken(email)
            let other = try await auth.accessToken(try await auth.verifiedUser())
            let service = try await auth.serviceToken(.investments)

            _ = try await call(.GET, "/v1/auth/me/profile", token: token)
            _ = try await call(.GET, "/v1/auth/me/profile")
            _ = try await call(.GET, "/v1/auth/me/profile", token: service)
            _ = try await call(.PATCH, "/v1/auth/me/profile", json: ProfileTests.full, token: token)
            _ = try await call(.PATCH, "/v1/auth/me/profile", json: #"{"headline": null, "visibility": {"bio": "public"}}"#, token: token)
            _ = try await call(.PATCH, "/v1/auth/me/profile", json: #"{"check_size_min": "1e400"}"#, token: token)
            _ = try await call(.PATCH, "/v1/auth/me/profile", json: "{", token: token)
            _ = try await call(.PATCH, "/v1/auth/me/profile", json: #"{"slug": "ann-capital"}"#, token: other)
            _ = try await call(.PATCH, "/v1/auth/me/profile", json: "{}")
            _ = try await call(.PATCH, "/v1/auth/me/profile", json: "{}", token: service)
            let page = "/v1/auth/profiles/{user_id_or_slug}"
            _ = try await call(.GET, page, "/v1/auth/profiles/ann-capital")
            _ = try await call(.GET, page, "/v1/auth/profiles/ann-capital", token: other)
            _ = try await call(.GET, page, "/v1/auth/profiles/ann-capital", token: token)
            _ = try await call(.GET, page, "/v1/auth/profiles/ann-capital", token: "bad")
            _ = try await call(.GET, page, "/v1/auth/profiles/nobody")

            _ = try await call(.GET, "/v1/auth/me/onboarding", token: token)
            _ = try await call(.GET, "/v1/auth/me/onboarding")
            _ = try await call(.GET, "/v1/auth/me/onboarding", token: service)
            _ = try await call(.POST, "/v1/auth/me/onboarding/dismiss", token: token)
            _ = try await call(.POST, "/v1/auth/me/onboarding/dismiss")
            _ = try await call(.POST, "/v1/auth/me/onboarding/dismiss", token: service)
            _ = try await call(.POST, "/v1/auth/me/onboarding/restore", token: token)
            _ = try await call(.POST, "/v1/auth/me/onboarding/restore")
            _ = try await call(.POST, "/v1/auth/me/onboarding/restore", token: service)

            #expect(statuses["PATCH /v1/auth/me/profile"] == [200, 400, 401, 403, 409, 422])
            #expect(statuses["GET \(page)"] == [200, 401, 404])

            var documented: Set<String> = []
            if case .object(let paths)? = document["paths"] {
                for (path, item) in paths where Self.prefixes.contains(where: { path.hasPrefix($0) }) {
                    if case .object(let operations) = item {
                        for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
                    }
                }
            }
            #expect(documented == exercised, "documented but not exercised: \(documented.subtracting(exercised).sorted())")
        }
    }
}
