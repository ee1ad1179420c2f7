import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import AuthService

/// Issue 16, "Staff admin": staff search, suspend, reinstate, set roles, sign out and resend
/// verification; nobody else may.
@Suite struct StaffAdminTests {
    @Test func everyStaffRouteIs403ForANonAdminAnd401WithoutAToken() async throws {
        try await AuthFixture.run { auth in
            let sponsor = try await auth.signedIn(role: "sponsor")
            let other = try await auth.signedIn()
            let routes: [(HTTPMethod, String, String?)] = [
                (.GET, "/v1/auth/admin/users", nil),
                (.GET, "/v1/auth/admin/users/\(other.id)", nil),
                (.POST, "/v1/auth/admin/users/\(other.id)/suspend", #"{"reason":"spam"}"#),
                (.POST, "/v1/auth/admin/users/\(other.id)/reinstate", nil),
                (.PUT, "/v1/auth/admin/users/\(other.id)/roles", #"{"role":"admin"}"#),
                (.POST, "/v1/auth/admin/users/\(other.id)/sign-out", nil),
                (.POST, "/v1/auth/admin/users/\(other.id)/resend-verification", nil),
                (.GET, "/v1/auth/admin/sponsor-applications", nil),
                (.POST, "/v1/auth/admin/sponsor-applications/\(UUID().uuidString)/approve", nil),
                (.POST, "/v1/auth/admin/sponsor-applications/\(UUID().uuidString)/reject", #"{"reason":"x"}"#),
            ]
            for (method, path, body) in routes {
                let forbidden = try await auth.client.send(method, path, json: body, token: sponsor.access)
                #expect(forbidden.status == 403, "\(method) \(path): \(forbidden.text)")
                #expect(forbidden.headers.first(name: "Content-Type") == "application/problem+json")
                #expect(try await auth.client.send(method, path, json: body).status == 401, "\(method) \(path)")
            }
            // Nothing happened to the other account, and a service token is not staff either.
            #expect(try await auth.sql("SELECT status || ' ' || account_role FROM auth.users WHERE id = '\(other.id)'") == ["active investor"])
            let service = try await auth.serviceToken(.properties)
            #expect(try await auth.client.get("/v1/auth/admin/users", token: service).status == 403)
        }
    }

    @Test func suspensionRevokesEverySessionAndBlocksSignInUntilReinstated() async throws {
        try await AuthFixture.run { auth in
            let admin = try await auth.signedIn(role: "admin")
            let user = try await auth.signedIn()
            let second = try #require(try await auth.signIn(user.email).string("refresh_token"))
            let path = "/v1/auth/admin/users/\(user.id)"

            #expect(try await auth.client.post("\(path)/suspend", #"{"reason":""}"#, token: admin.access).status == 422)
            #expect(try await auth.client.post("/v1/auth/admin/users/\(admin.id)/suspend", #"{"reason":"x"}"#, token: admin.access).status == 403)
            let suspended = try await auth.client.post("\(path)/suspend", #"{"reason":"Chargeback fraud"}"#, token: admin.access)
            #expect(suspended.status == 200, "\(suspended.text)")
            #expect(suspended.string("status") == "suspended")
            #expect(suspended.string("suspension_reason") == "Chargeback fraud")
            #expect(try await auth.client.post("\(path)/suspend", #"{"reason":"again"}"#, token: admin.access).status == 409)

            // Both sessions ended at once: neither refresh token works, and no new sign-in opens.
            #expect(try await auth.refresh(user.refresh).status == 400)
            #expect(try await auth.refresh(second).status == 400)
            #expect(try await auth.count("SELECT count(*) FROM auth.sessions WHERE user_id = '\(user.id)' AND revoked_at IS NULL") == 0)
            #expect(try await auth.count("SELECT count(*) FROM auth.outbox WHERE event_type = 'session.revoked'") == 2)
            let refused = try await auth.signIn(user.email)
            #expect(refused.status == 403 && refused.string("access_token") == nil)

            let reinstated = try await auth.client.post("\(path)/reinstate", "", token: admin.access)
            #expect(reinstated.string("status") == "active")
            #expect(reinstated.json["suspension_reason"] == nil)
            #expect(try await auth.client.post("\(path)/reinstate", "", token: admin.access).status == 409)
            #expect(try await auth.signIn(user.email).string("access_token") != nil)
        }
    }

    @Test func staffSearchByEmailPrefixNameRoleAndStatus() async throws {
        try await AuthFixture.run { auth in
            let admin = try await auth.signedIn(role: "admin")
            let tag = UUID().uuidString.prefix(6).lowercased()
            let ada = try await auth.signedIn(email: "ada_\(tag)@example.com")
            _ = try await auth.signedIn(email: "adax\(tag)@example.com")
            try await auth.sql("UPDATE auth.users SET first_name = 'Ada', last_name = 'Lovelace' WHERE id = '\(ada.id)'")

            func emails(_ query: String) async throws -> [String] {
                let reply = try await auth.client.get("/v1/auth/admin/users?\(query)", token: admin.access)
                #expect(reply.status == 200, "\(reply.text)")
                guard case .array(let rows)? = reply.json["data"] else { return [] }
                return rows.compactMap { if case .string(let email)? = $0["email"] { email } else { nil } }
            }
            // `_` is a character, not a wildcard.
            #expect(try await emails("q=ADA_\(tag)") == [ada.email])
            #expect(try await emails("q=lovelace") == [ada.email])
            #expect(try await emails("q=%25") == [])
            #expect(try await emails("role=admin") == [admin.email])
            #expect(try await emails("status=suspended") == [])
            let page = try await auth.client.get("/v1/auth/admin/users?limit=1", token: admin.access)
            #expect(page.json["next_cursor"] != .null)
            let one = try await auth.client.get("/v1/auth/admin/users/\(ada.id)", token: admin.access)
            #expect(one.string("email") == ada.email)
            #expect(one.json["roles"] == .array([.string("investor")]))
            #expect(one.json["password_hash"] == nil)
            #expect(try await auth.client.get("/v1/auth/admin/users/\(UUID().uuidString)", token: admin.access).status == 404)
            for bad in ["role=owner", "status=deleted", "q=\(String(repeating: "a", count: 201))", "q=a%00b", "limit=1e400"] {
                let reply = try await auth.client.get("/v1/auth/admin/users?\(bad)", token: admin.access)
                #expect(reply.status == 422, "\(bad): \(reply.text)")
            }
        }
    }

    @Test func staffSetRolesSignUsersOutAndResendVerification() async throws {
        var limits = RateLimits()
        limits.emailSendsPerAddress = TokenBucket(2, per: .seconds(3600))
        try await AuthFixture.run(settings: AuthFixture.settings(limits: limits)) { auth in
            let admin = try await auth.signedIn(role: "admin")
            var user = try await auth.signedIn()

            let bad = try await auth.client.send(.PUT, "/v1/auth/admin/users/\(user.id)/roles", json: #"{"role":"owner"}"#, token: admin.access)
            #expect(bad.status == 422 && bad.text.contains(#""field":"role""#))
            let wrongType = try await auth.client.send(.PUT, "/v1/auth/admin/users/\(user.id)/roles", json: #"{"role":7}"#, token: admin.access)
            #expect(wrongType.status == 422 && wrongType.text.contains(#""field":"role""#))
            let own = try await auth.client.send(.PUT, "/v1/auth/admin/users/\(admin.id)/roles", json: #"{"role":"investor"}"#, token: admin.access)
            #expect(own.status == 403)
            let set = try await auth.client.send(.PUT, "/v1/auth/admin/users/\(user.id)/roles", json: #"{"role":"sponsor"}"#, token: admin.access)
            #expect(set.string("current_role") == "sponsor")
            #expect(try await auth.rolesAfterRefresh(&user) == ["sponsor"])

            let signedOut = try await auth.client.post("/v1/auth/admin/users/\(user.id)/sign-out", "", token: admin.access)
            #expect(signedOut.status == 200)
            #expect(try await auth.refresh(user.refresh).status == 400)

            // An unverified sign-up gets a new link, within the per-address limit.
            let pending = "pending.\(UUID().uuidString.prefix(6))@example.com".lowercased()
            #expect(try await auth.client.post("/v1/auth/signup", #"{"email":"\#(pending)","password":"correct horse battery"}"#).status == 202)
            let pendingID = try #require(try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(pending)'").first)
            let before = try #require(try await auth.lastMail(to: pending)?.variables["link"])
            let resent = try await auth.client.post("/v1/auth/admin/users/\(pendingID)/resend-verification", "", token: admin.access)
            #expect(resent.status == 200, "\(resent.text)")
            let after = try #require(try await auth.lastMail(to: pending))
            #expect(after.template == "verify_email" && after.variables["link"] != before)
            #expect(try await auth.client.post("/v1/auth/admin/users/\(pendingID)/resend-verification", "", token: admin.access).status == 429)
            #expect(try await auth.client.post("/v1/auth/admin/users/\(user.id)/resend-verification", "", token: admin.access).status == 409)
        }
    }

    @Test func everyStaffActionIsInTheAuditLogStaffCanQuery() async throws {
        var limits = RateLimits()
        limits.emailSendsPerAddress = TokenBucket(2, per: .seconds(3600))
        try await AuthFixture.run(settings: AuthFixture.settings(limits: limits)) { auth in
            let admin = try await auth.signedIn(role: "admin")
            let user = try await auth.signedIn()
            let path = "/v1/auth/admin/users/\(user.id)"
            let application = try #require(
                try await auth.client.post("/v1/auth/sponsor-applications", sponsorApplication(), token: user.access).string("id"))
            #expect(try await auth.client.post("\(path)/suspend", #"{"reason":"Chargeback fraud"}"#, token: admin.access).status == 200)
            #expect(try await auth.client.post("\(path)/reinstate", "", token: admin.access).status == 200)
            #expect(try await auth.client.send(.PUT, "\(path)/roles", json: #"{"role":"both"}"#, token: admin.access).status == 200)
            #expect(try await auth.client.post("\(path)/sign-out", "", token: admin.access).status == 200)
            #expect(
                try await auth.client.post("/v1/auth/admin/sponsor-applications/\(application)/approve", "", token: admin.access).status == 200)

            func actions(_ query: String, token: String? = nil) async throws -> [String] {
                let reply = try await auth.client.get("/v1/auth/admin/audit-log?\(query)", token: token ?? admin.access)
                #expect(reply.status == 200, "\(reply.text)")
                guard case .array(let rows)? = reply.json["data"] else { return [] }
                return rows.compactMap { if case .string(let action)? = $0["action"] { action } else { nil } }
            }
            // Newest first, each with who did it to whom and what changed.
            #expect(
                try await actions("target=\(user.id)")
                    == ["user.signed_out_by_staff", "user.role_changed", "user.reinstated", "user.suspended"])
            #expect(
                try await actions("actor=\(admin.id)")
                    == ["sponsor_application.approved", "user.signed_out_by_staff", "user.role_changed", "user.reinstated", "user.suspended"])
            #expect(try await actions("actor=\(user.id)") == ["sponsor_application.submitted"])
            #expect(try await actions("target=\(application)") == ["sponsor_application.approved", "sponsor_application.submitted"])
            let suspended = try await auth.client.get("/v1/auth/admin/audit-log?action=user.suspended", token: admin.access)
            let row = try #require(suspended.json["data"]?[0])
            #expect(row["actor_kind"] == .string("staff"))
            #expect(row["actor_id"] == .string(admin.id))
            #expect(row["target_id"] == .string(user.id))
            #expect(row["before"]?["status"] == .string("active"))
            #expect(row["after"]?["status"] == .string("suspended"))
            #expect(row["request_id"] != nil)
            // The reason is personal to the case and stays on the user row, not in the log.
            #expect(!suspended.text.contains("Chargeback"))
            let role = try await auth.client.get("/v1/auth/admin/audit-log?action=user.role_changed", token: admin.access)
            #expect(role.json["data"]?[0]?["before"]?["role"] == .string("investor"))
            #expect(role.json["data"]?[0]?["after"]?["role"] == .string("both"))

            #expect(try await actions("since=2999-01-01T00:00:00Z") == [])
            #expect(try await actions("until=2000-01-01T00:00:00Z") == [])
            #expect(try await actions("target=\(UUID().uuidString)") == [])
            #expect(try await actions("limit=2").count == 2)
            for bad in [
                "since=yesterday", "until=2026-13-01T00:00:00Z", "action=\(String(repeating: "a", count: 201))", "actor=a%00b", "cursor=nope",
            ] {
                #expect(try await auth.client.get("/v1/auth/admin/audit-log?\(bad)", token: admin.access).status == 422, "\(bad)")
            }
            #expect(try await auth.client.get("/v1/auth/admin/audit-log", token: user.access).status == 403)
            #expect(try await auth.client.get("/v1/auth/admin/audit-log").status == 401)
        }
    }

    @Test func mfaChangesAndSeed000RoleChangesAreAuditedToo() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(clock: clock.clock) { auth in
            let admin = try await auth.signedIn(role: "admin")
            let enrolled = try await auth.enrolledUser(clock: clock)
            let userID = try #require(try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(enrolled.email)'").first)
            #expect(try await auth.client.post("/v1/auth/mfa/recovery-codes", "{}", token: enrolled.accessToken).status == 200)
            #expect(try await auth.client.send(.DELETE, "/v1/auth/mfa/totp", token: enrolled.accessToken).status == 204)
            try await auth.deliverActivity("oz_check.completed", userID: userID, from: .properties)

            let mine = try await auth.client.get("/v1/auth/admin/audit-log?actor=\(userID)", token: admin.access)
            guard case .array(let rows)? = mine.json["data"] else { throw ServiceTokenRefused(reply: mine.text) }
            #expect(
                rows.map { $0["action"] } == [.string("mfa.totp_removed"), .string("mfa.recovery_codes_regenerated"), .string("mfa.totp_enabled")])
            let automatic = try await auth.client.get("/v1/auth/admin/audit-log?target=\(userID)&action=user.role_changed", token: admin.access)
            #expect(automatic.json["data"]?[0]?["actor_kind"] == .string("system"))
            #expect(automatic.json["data"]?[0]?["after"]?["role"] == .string("developer"))
            #expect(automatic.json["data"]?[0]?["after"]?["reason"] == .string("oz_check.completed"))
        }
    }
}
