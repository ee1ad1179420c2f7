import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Every operation of `staff.json` (sponsor applications, the active hat, staff admin), exercised
/// against the running service with good and bad input, answers as the document says, and every
/// one is exercised.
@Suite struct StaffOpenAPITests {
    static let documentedPrefixes = ["/v1/auth/sponsor-applications", "/v1/auth/me/current-role", "/v1/auth/admin/"]

    @Test func theStaffDocumentIsTrueOfTheRunningService() async throws {
        var limits = RateLimits()
        limits.emailSendsPerAddress = TokenBucket(2, per: .seconds(3600))
        try await AuthFixture.run(settings: AuthFixture.settings(limits: limits)) { auth in
            let document = try await auth.client.get("/openapi.json").json
            var exercised: Set<String> = []
            /// `template` is the documented path; `path` the one called (ids filled in).
            func call(_ method: HTTPMethod, _ template: String, _ path: String? = nil, json: String? = nil, token: String? = nil) async throws
                -> JSONClient.Reply
            {
                let reply = try await auth.client.send(method, path ?? template, json: json, token: token)
                let operation = String(template.split(separator: "?")[0])
                let found = OpenAPIConformance.problems(
                    in: document, method: method.rawValue, path: operation, status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text)
                #expect(found.isEmpty, "\(found)")
                exercised.insert("\(method.rawValue) \(operation)")
                return reply
            }

            let admin = try await auth.signedIn(role: "admin")
            let user = try await auth.signedIn()
            _ = try await call(.POST, "/v1/auth/sponsor-applications", json: sponsorApplication())
            _ = try await call(.POST, "/v1/auth/sponsor-applications", json: "[]", token: user.access)
            let filed = try await call(.POST, "/v1/auth/sponsor-applications", json: sponsorApplication(), token: user.access)
            let id = try #require(filed.string("id"))
            _ = try await call(.POST, "/v1/auth/sponsor-applications", json: sponsorApplication(), token: user.access)
            _ = try await call(.GET, "/v1/auth/sponsor-applications", token: user.access)
            _ = try await call(.GET, "/v1/auth/admin/sponsor-applications", token: user.access)
            _ = try await call(.GET, "/v1/auth/admin/sponsor-applications?status=pending", token: admin.access)

            let reject = "/v1/auth/admin/sponsor-applications/{id}/reject"
            _ = try await call(.POST, reject, "/v1/auth/admin/sponsor-applications/\(id)/reject", json: #"{"reason":5}"#, token: admin.access)
            _ = try await call(
                .POST, reject, "/v1/auth/admin/sponsor-applications/\(id)/reject", json: #"{"reason":"No EIN letter"}"#, token: admin.access)
            _ = try await call(.POST, reject, "/v1/auth/admin/sponsor-applications/\(id)/reject", json: #"{"reason":"again"}"#, token: admin.access)
            let second = try #require(
                try await auth.client.post("/v1/auth/sponsor-applications", sponsorApplication(), token: user.access).string("id"))
            let approve = "/v1/auth/admin/sponsor-applications/{id}/approve"
            _ = try await call(.POST, approve, "/v1/auth/admin/sponsor-applications/\(UUID().uuidString)/approve", token: admin.access)
            _ = try await call(.POST, approve, "/v1/auth/admin/sponsor-applications/\(second)/approve", token: admin.access)
            _ = try await call(.POST, approve, "/v1/auth/admin/sponsor-applications/\(second)/approve", token: admin.access)

            _ = try await call(.PUT, "/v1/auth/me/current-role", json: #"{"current_role":"admin"}"#, token: user.access)
            _ = try await call(.PUT, "/v1/auth/me/current-role", json: #"{"current_role":"sponsor"}"#, token: user.access)

            _ = try await call(.GET, "/v1/auth/admin/users?q=ann", token: admin.access)
            _ = try await call(.GET, "/v1/auth/admin/users?role=nobody", token: admin.access)
            let show = "/v1/auth/admin/users/{id}"
            _ = try await call(.GET, show, "/v1/auth/admin/users/\(user.id)", token: admin.access)
            _ = try await call(.GET, show, "/v1/auth/admin/users/\(UUID().uuidString)", token: admin.access)
            _ = try await call(.GET, show, "/v1/auth/admin/users/\(user.id)", token: user.access)
            let roles = "/v1/auth/admin/users/{id}/roles"
            _ = try await call(.PUT, roles, "/v1/auth/admin/users/\(user.id)/roles", json: #"{"role":"both"}"#, token: admin.access)
            _ = try await call(.PUT, roles, "/v1/auth/admin/users/\(user.id)/roles", json: #"{}"#, token: admin.access)
            let suspend = "/v1/auth/admin/users/{id}/suspend"
            _ = try await call(.POST, suspend, "/v1/auth/admin/users/\(user.id)/suspend", json: #"{"reason":"Fraud review"}"#, token: admin.access)
            _ = try await call(.POST, suspend, "/v1/auth/admin/users/\(user.id)/suspend", json: #"{"reason":"Fraud review"}"#, token: admin.access)
            let reinstate = "/v1/auth/admin/users/{id}/reinstate"
            _ = try await call(.POST, reinstate, "/v1/auth/admin/users/\(user.id)/reinstate", token: admin.access)
            _ = try await call(.POST, reinstate, "/v1/auth/admin/users/\(user.id)/reinstate", token: admin.access)
            _ = try await call(.POST, "/v1/auth/admin/users/{id}/sign-out", "/v1/auth/admin/users/\(user.id)/sign-out", token: admin.access)
            let resend = "/v1/auth/admin/users/{id}/resend-verification"
            _ = try await call(.POST, resend, "/v1/auth/admin/users/\(user.id)/resend-verification", token: admin.access)
            #expect(
                try await auth.client.post("/v1/auth/signup", #"{"email":"new.one@example.com","password":"correct horse battery"}"#).status == 202)
            let pending = try #require(try await auth.sql("SELECT id::text FROM auth.users WHERE email = 'new.one@example.com'").first)
            _ = try await call(.POST, resend, "/v1/auth/admin/users/\(pending)/resend-verification", token: admin.access)
            _ = try await call(.POST, resend, "/v1/auth/admin/users/\(pending)/resend-verification", token: admin.access)
            _ = try await call(.GET, "/v1/auth/admin/audit-log?target=\(user.id)", token: admin.access)
            _ = try await call(.GET, "/v1/auth/admin/audit-log?since=soon", token: admin.access)
            _ = try await call(.GET, "/v1/auth/admin/audit-log", token: user.access)

            var documented: Set<String> = []
            if case .object(let paths)? = document["paths"] {
                for (path, item) in paths where Self.documentedPrefixes.contains(where: path.hasPrefix) {
                    if case .object(let operations) = item {
                        for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
                    }
                }
            }
            #expect(documented == exercised, "documented but not exercised: \(documented.subtracting(exercised).sorted())")
        }
    }
}
