import AuthService
import Crypto
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Personal API tokens in auth (issue 16): made once and shown once, kept only as a hash, limited
/// by their scopes, refused the moment they are revoked or expire, never able to manage tokens,
/// sessions or second factors, and other users' tokens are invisible.
@Suite struct APITokenTests {
    static func create(
        _ auth: AuthFixture, _ access: String, name: String = "Export script", scopes: [String], days: Int? = nil
    ) async throws -> JSONClient.Reply {
        let scopeList = scopes.map { "\"\($0)\"" }.joined(separator: ",")
        let expiry = days.map { #","expires_in_days":\#($0)"# } ?? ""
        return try await auth.client.post("/v1/auth/api-tokens", #"{"name":"\#(name)","scopes":[\#(scopeList)]\#(expiry)}"#, token: access)
    }

    static func signedIn(_ auth: AuthFixture) async throws -> (email: String, access: String) {
        let email = try await auth.verifiedUser()
        let access = try #require(try await auth.signIn(email).string("access_token"))
        return (email, access)
    }

    @Test func aTokenIsShownOnceStoredAsAHashAndActsWithinItsScopes() async throws {
        try await AuthFixture.run { auth in
            let (email, access) = try await Self.signedIn(auth)
            let created = try await Self.create(auth, access, scopes: ["auth:read", "investments:write"], days: 7)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.headers.first(name: "Cache-Control") == "no-store")
            let token = try #require(created.string("token"))
            let prefix = try #require(APITokenFormat.lookupPrefix(of: token))
            #expect(token.range(of: #"^tract_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$"#, options: .regularExpression) != nil)
            #expect(created.string("token_prefix") == "tract_\(prefix)")
            #expect(created.string("name") == "Export script")
            // Write brings read with it; stored and shown in one order.
            #expect(created.json["scopes"] == .array([.string("auth:read"), .string("investments:read"), .string("investments:write")]))
            #expect(try await auth.sql("SELECT (expires_at - created_at)::text FROM auth.api_tokens") == ["7 days"])

            // Only the SHA-256 of the whole token is stored; the secret appears in no column.
            let secret = String(token.suffix(43))
            #expect(try await auth.count("SELECT count(*) FROM auth.api_tokens") == 1)
            #expect(try await auth.count("SELECT count(*) FROM auth.api_tokens WHERE token_hash = '\(SecretToken.hash(token))'") == 1)
            let row = try await auth.sql("SELECT row_to_json(t)::text FROM auth.api_tokens t").joined()
            #expect(!row.contains(secret) && !row.contains(token))
            #expect(row.contains(prefix))

            // auth:read opens the profile; a read-only token cannot change it.
            let me = try await auth.client.get("/v1/auth/me", token: token)
            #expect(me.status == 200 && me.string("email") == email, "\(me.text)")
            let patch = try await auth.client.send(.PATCH, "/v1/auth/me", json: #"{"first_name":"Scripted"}"#, token: token)
            #expect(patch.status == 403 && patch.string("detail")?.contains("auth:write") == true, "\(patch.text)")
            #expect(patch.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(try await auth.sql("SELECT coalesce(first_name, '') FROM auth.users WHERE email = '\(email)'") == [""])

            // A token without auth:read gets nothing from auth.
            let other = try #require(try await Self.create(auth, access, name: "Investments only", scopes: ["investments:read"]).string("token"))
            let refused = try await auth.client.get("/v1/auth/me", token: other)
            #expect(refused.status == 403 && refused.string("detail")?.contains("\"auth:read\"") == true, "\(refused.text)")

            // The last use is recorded, at most once a minute.
            let used = try await auth.sql(
                "SELECT last_used_at::text || ' ' || host(last_used_ip) FROM auth.api_tokens WHERE lookup_prefix = '\(prefix)'")
            #expect(used.first?.hasSuffix(" 127.0.0.1") == true, "\(used)")
            _ = try await auth.client.get("/v1/auth/me", token: token)
            #expect(
                try await auth.sql("SELECT last_used_at::text || ' ' || host(last_used_ip) FROM auth.api_tokens WHERE lookup_prefix = '\(prefix)'")
                    == used)
            let listed = try await auth.client.get("/v1/auth/api-tokens", token: access)
            #expect(listed.status == 200 && listed.text.contains("\"last_used_ip\":\"127.0.0.1\""), "\(listed.text)")
        }
    }

    @Test func aTokenCannotManageTokensSessionsPasswordsOrSecondFactors() async throws {
        try await AuthFixture.run { auth in
            let (email, access) = try await Self.signedIn(auth)
            let created = try await Self.create(auth, access, scopes: ["auth:write"])
            let token = try #require(created.string("token"))
            let id = try #require(created.string("id"))
            for (method, path, body) in [
                (HTTPMethod.POST, "/v1/auth/api-tokens", #"{"name":"Minted","scopes":["auth:read"]}"#),
                (.GET, "/v1/auth/api-tokens", nil), (.DELETE, "/v1/auth/api-tokens/\(id)", nil),
                (.GET, "/v1/auth/sessions", nil), (.DELETE, "/v1/auth/sessions", nil), (.POST, "/v1/auth/logout", nil),
                (.POST, "/v1/auth/me/password", #"{"current_password":"correct horse battery","new_password":"a token's passphrase"}"#),
                (.POST, "/v1/auth/mfa/totp", "{}"), (.GET, "/v1/auth/passkeys", nil),
                (.POST, "/v1/auth/token", #"{"grant_type":"refresh_token","refresh_token":"x"}"#),
                (.POST, "/internal/v1/api-tokens/introspect", #"{"token":"\#(token)"}"#), (.GET, "/internal/v1/users/\(UUID())", nil),
                // Spellings of the same paths must not slip past.
                (.POST, "//v1/auth/api-tokens/", #"{"name":"Minted","scopes":["auth:read"]}"#), (.GET, "/%69nternal/v1/users/\(UUID())", nil),
            ] {
                let reply = try await auth.client.send(method, path, json: body, token: token)
                #expect(reply.status == 403, "\(method) \(path): \(reply.status) \(reply.text)")
            }
            #expect(try await auth.count("SELECT count(*) FROM auth.api_tokens WHERE revoked_at IS NULL") == 1)
            #expect(try await auth.count("SELECT count(*) FROM auth.totp_credentials") == 0)
            // The password is unchanged.
            #expect(try await auth.signIn(email).status == 200)
        }
    }

    @Test func revokedAndExpiredTokensAreRefusedAtOnceAndOthersTokensAreInvisible() async throws {
        try await AuthFixture.run { auth in
            let (_, ann) = try await Self.signedIn(auth)
            let (_, bob) = try await Self.signedIn(auth)
            let created = try await Self.create(auth, ann, scopes: ["auth:read"])
            let token = try #require(created.string("token"))
            let id = try #require(created.string("id"))
            #expect(try await auth.client.get("/v1/auth/me", token: token).status == 200)

            // Bob cannot see or revoke Ann's token: 404, as for none.
            let seen = try await auth.client.get("/v1/auth/api-tokens/\(id)", token: bob)
            #expect(seen.status == 404 && seen.headers.first(name: "Content-Type") == "application/problem+json", "\(seen.text)")
            #expect(try await auth.client.send(.DELETE, "/v1/auth/api-tokens/\(id)", token: bob).status == 404)
            #expect(try await auth.client.get("/v1/auth/api-tokens", token: bob).json["data"] == .array([]))
            #expect(try await auth.client.get("/v1/auth/me", token: token).status == 200)

            let shown = try await auth.client.get("/v1/auth/api-tokens/\(id)", token: ann)
            #expect(shown.status == 200 && shown.string("id") == id && shown.string("token") == nil, "\(shown.text)")
            #expect(try await auth.client.send(.DELETE, "/v1/auth/api-tokens/\(id)", token: ann).status == 204)
            let revoked = try await auth.client.get("/v1/auth/me", token: token)
            #expect(revoked.status == 401 && revoked.string("detail") == "The API token was revoked.", "\(revoked.text)")
            #expect(try await auth.client.get("/v1/auth/api-tokens/\(id)", token: ann).status == 404)
            #expect(try await auth.client.send(.DELETE, "/v1/auth/api-tokens/\(id)", token: ann).status == 404)
            // Both made and revoked are in the audit log, by Ann's pseudonym, without the token's name.
            let audit = try await auth.sql(
                """
                SELECT action || ' ' || actor_kind || ' ' || coalesce(after->>'scopes', '-') FROM auth.audit_log
                WHERE target_kind = 'api_token' AND target = lower('\(id)') ORDER BY occurred_at, id
                """)
            #expect(audit == ["api_token.created user auth:read", "api_token.revoked user -"], "\(audit)")
            #expect(
                try await auth.count("SELECT count(*) FROM auth.audit_log WHERE before::text LIKE '%Export%' OR after::text LIKE '%Export%'") == 0)

            let second = try #require(try await Self.create(auth, ann, scopes: ["auth:read"]).string("token"))
            try await auth.sql("UPDATE auth.api_tokens SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL")
            let expired = try await auth.client.get("/v1/auth/me", token: second)
            #expect(expired.status == 401 && expired.string("detail") == "The API token has expired.", "\(expired.text)")

            // A made-up token with a real prefix, a malformed one, a suspended owner: 401.
            let third = try #require(try await Self.create(auth, ann, scopes: ["auth:read"]).string("token"))
            let forged = String(third.prefix(15)) + String(repeating: "A", count: 43)
            #expect(try await auth.client.get("/v1/auth/me", token: forged).status == 401)
            #expect(try await auth.client.get("/v1/auth/me", token: "tract_nope").status == 401)
            try await auth.sql(
                "UPDATE auth.users SET status = 'suspended' WHERE id = (SELECT user_id FROM auth.api_tokens WHERE revoked_at IS NULL AND expires_at > now())"
            )
            #expect(try await auth.client.get("/v1/auth/me", token: third).status == 401)
        }
    }

    @Test func liveTokensPerUserAndRequestsPerTokenAreLimited() async throws {
        var settings = AuthFixture.settings()
        settings.apiTokens = APITokenSettings(livePerUser: 2, requestsPerToken: TokenBucket(3, per: .seconds(3600)))
        try await AuthFixture.run(settings: settings) { auth in
            let (_, access) = try await Self.signedIn(auth)
            let token = try #require(try await Self.create(auth, access, scopes: ["auth:read"]).string("token"))
            #expect(try await Self.create(auth, access, scopes: ["auth:read"]).status == 201)
            let third = try await Self.create(auth, access, scopes: ["auth:read"])
            #expect(third.status == 409 && third.string("detail")?.contains("Revoke one") == true, "\(third.text)")
            #expect(try await auth.count("SELECT count(*) FROM auth.api_tokens") == 2)

            for _ in 0..<3 { #expect(try await auth.client.get("/v1/auth/me", token: token).status == 200) }
            let limited = try await auth.client.get("/v1/auth/me", token: token)
            #expect(limited.status == 429, "\(limited.text)")
            #expect(Int(limited.headers.first(name: "Retry-After") ?? "") ?? 0 > 0)
            // The limit is the token's, not the user's: the session goes on.
            #expect(try await auth.client.get("/v1/auth/me", token: access).status == 200)
        }
    }

    @Test func badInputIsRefusedNamingTheFieldAndNothingIsStored() async throws {
        try await AuthFixture.run { auth in
            let (_, access) = try await Self.signedIn(auth)
            let long = String(repeating: "n", count: 10_000)
            for (body, field) in [
                (#"{"name":"a\u0000b","scopes":["auth:read"]}"#, "name"),
                (#"{"name":"\#(long)","scopes":["auth:read"]}"#, "name"),
                (#"{"name":"","scopes":["auth:read"]}"#, "name"),
                (#"{"name":"   ","scopes":["auth:read"]}"#, "name"),
                (#"{"name":12,"scopes":["auth:read"]}"#, "name"),
                (#"{"scopes":["auth:read"]}"#, "name"),
                (#"{"name":"x","scopes":"auth:read"}"#, "scopes"),
                (#"{"name":"x","scopes":[]}"#, "scopes"),
                (#"{"name":"x"}"#, "scopes"),
                (#"{"name":"x","scopes":["auth:admin"]}"#, "scopes[0]"),
                (#"{"name":"x","scopes":["auth:read",7]}"#, "scopes[1]"),
                (#"{"name":"x","scopes":["internal:users.read"]}"#, "scopes[0]"),
                (#"{"name":"x","scopes":["auth:read"],"expires_in_days":366}"#, "expires_in_days"),
                (#"{"name":"x","scopes":["auth:read"],"expires_in_days":0}"#, "expires_in_days"),
                (#"{"name":"x","scopes":["auth:read"],"expires_in_days":1e400}"#, "expires_in_days"),
                (#"{"name":"x","scopes":["auth:read"],"expires_in_days":"30"}"#, "expires_in_days"),
                (#"{"name":"x","scopes":["auth:read"],"expires_in_days":2.5}"#, "expires_in_days"),
                (#"{"name":"x","scopes":["auth:read"],"user_id":"\#(UUID())"}"#, "user_id"),
                (#"["name"]"#, "body"),
            ] {
                let reply = try await auth.client.post("/v1/auth/api-tokens", body, token: access)
                #expect((400..<500).contains(reply.status), "\(body): \(reply.status)")
                #expect(reply.headers.first(name: "Content-Type") == "application/problem+json", "\(body)")
                #expect(reply.text.contains("\"field\":\"\(field)\""), "\(body): \(reply.text)")
            }
            #expect(try await auth.count("SELECT count(*) FROM auth.api_tokens") == 0)
            // Ids that are not UUIDs, and no token at all.
            for reply in [
                try await auth.client.get("/v1/auth/api-tokens/not-a-uuid", token: access),
                try await auth.client.send(.DELETE, "/v1/auth/api-tokens/%00", token: access),
            ] {
                #expect(
                    (400..<500).contains(reply.status) && reply.headers.first(name: "Content-Type") == "application/problem+json", "\(reply.text)")
            }
            #expect(try await auth.client.get("/v1/auth/api-tokens").status == 401)
            #expect(try await auth.client.get("/v1/auth/api-tokens?limit=1e400", token: access).status == 422)
        }
    }

    /// Auth's introspection route, which the other services' kit calls: service tokens with the
    /// scope only, and the same verdicts as auth's own check.
    @Test func theIntrospectionRouteAnswersServicesOnly() async throws {
        try await AuthFixture.run { auth in
            let (_, access) = try await Self.signedIn(auth)
            let created = try await Self.create(auth, access, scopes: ["properties:read", "analytics:write"])
            let token = try #require(created.string("token"))
            let service = try await auth.serviceToken(.properties)
            let path = "/internal/v1/api-tokens/introspect"
            let answer = try await auth.client.post(path, #"{"token":"\#(token)","client_ip":"203.0.113.9"}"#, token: service)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.string("token_id") == created.string("id"))
            #expect(answer.json["roles"] == .array([.string("investor")]))
            #expect(
                answer.json["scopes"] == .array([.string("properties:read"), .string("analytics:read"), .string("analytics:write")]))
            #expect(answer.json["mfa_enrolled"] == .bool(false))
            #expect(try await auth.sql("SELECT host(last_used_ip) FROM auth.api_tokens") == ["203.0.113.9"])

            #expect(try await auth.client.post(path, #"{"token":"\#(token)"}"#).status == 401)
            #expect(try await auth.client.post(path, #"{"token":"\#(token)"}"#, token: access).status == 403)
            #expect(try await auth.client.post(path, #"{"token":"\#(token)"}"#, token: token).status == 403)
            #expect(try await auth.client.post(path, #"{"token":7}"#, token: service).status == 422)
            #expect(try await auth.client.post(path, #"{"token":"a\u0000"}"#, token: service).status == 422)
            #expect(try await auth.client.post(path, #"{"token":"eyJhbGciOi"}"#, token: service).status == 401)
            try await auth.sql("UPDATE auth.api_tokens SET revoked_at = now()")
            let revoked = try await auth.client.post(path, #"{"token":"\#(token)"}"#, token: service)
            #expect(revoked.status == 401 && revoked.string("detail") == "The API token was revoked.", "\(revoked.text)")
        }
    }
}
