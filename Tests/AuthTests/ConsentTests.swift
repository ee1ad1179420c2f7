import AuthService
import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

/// Consents (issue 16, privacy): the terms version a sign-up form showed, marketing on and off,
/// and a history that proves what was agreed when and from where.
@Suite struct ConsentTests {
    static let consents = "/v1/auth/me/consents"

    /// The field names a 422 names.
    static func fields(_ reply: JSONClient.Reply) -> [String] {
        guard case .array(let errors)? = reply["errors"] else { return [] }
        return errors.compactMap { error in
            if case .string(let field)? = error["field"] { return field }
            return nil
        }
    }

    @Test func signUpRecordsTheTermsAndMarketingSwitchesOnAndOffWithAHistory() async throws {
        try await AuthFixture.run(trustsForwardedFor: true) { auth in
            let email = "consent.\(UUID().uuidString.prefix(8))@example.com".lowercased()
            let signUp = try await auth.client.post(
                "/v1/auth/signup", #"{"email":"\#(email)","password":"correct horse battery","terms_version":"2026-12"}"#,
                headers: [("X-Forwarded-For", "203.0.113.9")])
            #expect(signUp.status == 202, "\(signUp.text)")
            try await auth.sql("UPDATE auth.users SET email_verified_at = now() WHERE email = '\(email)'")
            let token = try #require(try await auth.signIn(email).string("access_token"))

            let initial = try await auth.client.get(Self.consents, token: token)
            #expect(initial.status == 200, "\(initial.text)")
            #expect(initial["terms"]?["version"] == .string("2026-12"))
            #expect(initial["terms"]?["granted"] == .bool(true))
            #expect(initial["privacy"] == .null)
            #expect(initial["marketing"] == .null)

            let on = try await auth.client.send(
                .PUT, Self.consents, json: #"{"marketing":{"version":"m1","granted":true},"privacy":{"version":"p-3.1","granted":true}}"#,
                token: token, headers: [("X-Forwarded-For", "198.51.100.7")])
            #expect(on.status == 200, "\(on.text)")
            #expect(on["marketing"]?["granted"] == .bool(true))
            #expect(on["privacy"]?["version"] == .string("p-3.1"))
            #expect(on["terms"]?["version"] == .string("2026-12"))
            // The same statement again is not a change: nothing new in the history.
            let repeated = try await auth.client.send(.PUT, Self.consents, json: #"{"marketing":{"version":"m1","granted":true}}"#, token: token)
            #expect(repeated.status == 200)
            let off = try await auth.client.send(.PUT, Self.consents, json: #"{"marketing":{"version":"m1","granted":false}}"#, token: token)
            #expect(off["marketing"]?["granted"] == .bool(false), "\(off.text)")
            #expect(try await auth.client.get(Self.consents, token: token)["marketing"]?["granted"] == .bool(false))

            let history = try await auth.client.get(Self.consents + "/history", token: token)
            #expect(history.status == 200, "\(history.text)")
            guard case .array(let rows)? = history["data"] else {
                Issue.record("no data: \(history.text)")
                return
            }
            let summary = rows.map { row -> String in
                let kind = row["kind"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? "?"
                let granted = row["granted"] == .bool(true) ? "on" : "off"
                let ip = row["ip_address"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? "-"
                return "\(kind) \(granted) \(ip)"
            }
            // Newest first; privacy and marketing were recorded together, so their order is by id.
            #expect(summary.first == "marketing off 127.0.0.1")
            #expect(Set(summary.dropFirst().prefix(2)) == ["marketing on 198.51.100.7", "privacy on 198.51.100.7"])
            #expect(summary.last == "terms on 203.0.113.9")
            #expect(summary.count == 4)
            // Each change is in the audit log, the sign-up's terms aside (no one was signed in).
            #expect(try await auth.count("SELECT count(*) FROM auth.audit_log WHERE action = 'consent.changed'") == 3)
            // Pages follow the kit's cursor.
            let first = try await auth.client.get(Self.consents + "/history?limit=3", token: token)
            let cursor = try #require(first.string("next_cursor"))
            let second = try await auth.client.get(Self.consents + "/history?limit=3&cursor=\(cursor)", token: token)
            #expect(second["data"]?[0]?["kind"] == .string("terms"))
            #expect(second["next_cursor"] == .null)
        }
    }

    @Test func signUpWithoutATermsVersionStillWorksAndRecordsNothing() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let token = try #require(try await auth.signIn(email).string("access_token"))
            let state = try await auth.client.get(Self.consents, token: token)
            #expect(state.status == 200)
            #expect(state.json == .object(["terms": .null, "privacy": .null, "marketing": .null]))
            #expect(try await auth.count("SELECT count(*) FROM auth.consents") == 0)
        }
    }

    @Test func theTermsCannotBeWithdrawnBySwitchAndBadInputIsAProblemNamingTheField() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let token = try #require(try await auth.signIn(email).string("access_token"))
            let long = String(repeating: "v", count: 10_000)
            let cases: [(body: String, field: String?)] = [
                (#"{"terms":{"version":"2026-12","granted":false}}"#, "terms.granted"),
                (#"{"privacy":{"version":"1","granted":false}}"#, "privacy.granted"),
                (#"{}"#, "terms"),
                (#"{"marketing":{"version":"","granted":true}}"#, "marketing.version"),
                (#"{"marketing":{"version":"a\u0000b","granted":true}}"#, "marketing.version"),
                (#"{"marketing":{"version":"\#(long)","granted":true}}"#, "marketing.version"),
                (#"{"marketing":{"version":"v 1","granted":true}}"#, "marketing.version"),
                (#"{"marketing":{"version":"v1","granted":"yes"}}"#, nil),
                (#"{"marketing":{"version":1e400,"granted":true}}"#, nil),
                (#"{"marketing":true}"#, nil),
                (#"[]"#, nil),
            ]
            for (body, field) in cases {
                let reply = try await auth.client.send(.PUT, Self.consents, json: body, token: token)
                #expect((400..<500).contains(reply.status), "\(body.prefix(80)): \(reply.text.prefix(300))")
                #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
                if let field { #expect(Self.fields(reply).contains(field), "\(body.prefix(80)): \(reply.text.prefix(300))") }
            }
            #expect(try await auth.count("SELECT count(*) FROM auth.consents") == 0)

            // Sign-up: a bad terms version is refused before any account exists.
            for version in ["", "a\\u0000b", long, "no spaces"] {
                let reply = try await auth.client.post(
                    "/v1/auth/signup", #"{"email":"new.user@example.com","password":"correct horse battery","terms_version":"\#(version)"}"#)
                #expect(reply.status == 422 && Self.fields(reply) == ["terms_version"], "\(reply.text.prefix(300))")
            }
            let wrongType = try await auth.client.post(
                "/v1/auth/signup", #"{"email":"new.user@example.com","password":"correct horse battery","terms_version":7}"#)
            #expect((400..<500).contains(wrongType.status), "\(wrongType.text)")
            #expect(try await auth.count("SELECT count(*) FROM auth.users WHERE email = 'new.user@example.com'") == 0)
        }
    }

    @Test func consentsAreTheCallersOwnAndNeedAUser() async throws {
        try await AuthFixture.run { auth in
            let ann = try #require(try await auth.signIn(try await auth.verifiedUser()).string("access_token"))
            let bob = try #require(try await auth.signIn(try await auth.verifiedUser()).string("access_token"))
            let put = try await auth.client.send(.PUT, Self.consents, json: #"{"marketing":{"version":"m1","granted":true}}"#, token: ann)
            #expect(put.status == 200)
            // Bob sees only his own (none), and his history is empty.
            #expect(try await auth.client.get(Self.consents, token: bob)["marketing"] == .null)
            #expect(try await auth.client.get(Self.consents + "/history", token: bob)["data"] == .array([]))
            // No token, a broken token, a service's token: refused.
            #expect(try await auth.client.get(Self.consents).status == 401)
            #expect(try await auth.client.get(Self.consents, token: "nope").status == 401)
            let service = try await auth.serviceToken(.investments)
            let byService = try await auth.client.send(.PUT, Self.consents, json: #"{"marketing":{"version":"m1","granted":true}}"#, token: service)
            #expect(byService.status == 401 || byService.status == 403, "\(byService.text)")
            #expect(try await auth.count("SELECT count(*) FROM auth.consents") == 1)
        }
    }
}
