import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@Suite struct SessionAndKeyTests {
    @Test func usersSeeTheirSessionsAndCanEndThem() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let laptop = try await auth.signIn(email)
            let phone = try await auth.signIn(email, userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1")
            let laptopToken = try #require(laptop.string("access_token"))
            let list = try await auth.client.get("/v1/auth/sessions", token: laptopToken)
            #expect(list.status == 200)
            guard case .array(let sessions)? = list["data"] else {
                Issue.record("no data")
                return
            }
            #expect(sessions.count == 2)
            #expect(sessions.filter { $0["current"] == .bool(true) }.count == 1)
            #expect(list.text.contains(#""browser":"Chrome""#) && list.text.contains(#""device_type":"mobile""#))

            // Someone else cannot end my session; I can end all but this one.
            let stranger = try await auth.verifiedUser()
            let strangerToken = try #require(try await auth.signIn(stranger).string("access_token"))
            guard case .string(let phoneSessionID)? = sessions.first(where: { $0["current"] == .bool(false) })?["id"] else { return }
            #expect(try await auth.client.send(.DELETE, "/v1/auth/sessions/\(phoneSessionID)", token: strangerToken).status == 404)
            // An id that is not a UUID names no session: the same 404 as an unknown one.
            #expect(try await auth.client.send(.DELETE, "/v1/auth/sessions/not-a-uuid", token: laptopToken).status == 404)
            #expect(try await auth.client.send(.DELETE, "/v1/auth/sessions", token: laptopToken).status == 204)
            #expect(try await auth.refresh(try #require(phone.string("refresh_token"))).status == 400)
            #expect(try await auth.refresh(try #require(laptop.string("refresh_token"))).status == 200)
            #expect(try await auth.client.get("/v1/auth/sessions").status == 401)
        }
    }

    @Test func changingThePasswordSignsOutEveryOtherSession() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let mine = try await auth.signIn(email)
            let other = try await auth.signIn(email)
            let token = try #require(mine.string("access_token"))
            let wrong = try await auth.client.post(
                "/v1/auth/me/password", #"{"current_password":"nope nope","new_password":"a brand new passphrase"}"#, token: token)
            #expect(wrong.status == 422)
            let changed = try await auth.client.post(
                "/v1/auth/me/password", #"{"current_password":"correct horse battery","new_password":"a brand new passphrase"}"#, token: token)
            #expect(changed.status == 204)
            #expect(try await auth.refresh(try #require(other.string("refresh_token"))).status == 400)
            #expect(try await auth.refresh(try #require(mine.string("refresh_token"))).status == 200)
            #expect(try await auth.signIn(email).status == 400)
            #expect(try await auth.signIn(email, password: "a brand new passphrase").status == 200)
        }
    }

    /// Issue 11, item 8: verifiers never look up `sid`, so a revoked session lives on only as long
    /// as its last access token. That lifetime is at most five minutes, and revocation ends the
    /// session at its next refresh.
    @Test func revokedSessionsEndAtRefreshAndAccessTokensLiveFiveMinutesAtMost() async throws {
        #expect(AuthSettings(keyEncryptionKey: AuthFixture.keyEncryptionKey).accessTokenLifetime == .seconds(300))
        let key = Data(repeating: 7, count: 32).base64EncodedString()
        #expect(throws: ConfigurationError.self) {
            try AuthSettings.fromEnvironment(EnvironmentReader(["SIGNING_KEY_ENCRYPTION_KEY": key, "ACCESS_TOKEN_TTL_SECONDS": "900"]))
        }
        #expect(try AuthSettings.fromEnvironment(EnvironmentReader(["SIGNING_KEY_ENCRYPTION_KEY": key])).accessTokenLifetime == .seconds(300))
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let session = try await auth.signIn(email)
            #expect(session["expires_in"] == .number(300))
            let access = try #require(session.string("access_token"))
            let payload = String(access.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            let padded = payload + String(repeating: "=", count: (4 - payload.count % 4) % 4)
            let claims = try JSONDecoder().decode([String: JSONValue].self, from: try #require(Data(base64Encoded: padded)))
            guard case .number(let issuedAt)? = claims["iat"], case .number(let expiresAt)? = claims["exp"] else {
                Issue.record("no iat/exp in \(claims)")
                return
            }
            #expect(expiresAt - issuedAt <= 300)
            // Signing out this session: its refresh token is refused at once.
            #expect(try await auth.client.post("/v1/auth/logout", "{}", token: access).status == 204)
            #expect(try await auth.refresh(try #require(session.string("refresh_token"))).status == 400)
        }
    }

    @Test func profileUpdatesAreValidated() async throws {
        try await AuthFixture.run { auth in
            let token = try #require(try await auth.signIn(try await auth.verifiedUser()).string("access_token"))
            let bad = try await auth.client.send(
                .PATCH, "/v1/auth/me", json: #"{"timezone":"Mars/Olympus","avatar_url":"http://x.test/a.png","privacy_settings":[1]}"#, token: token)
            #expect(bad.status == 422)
            #expect(Set(bad.text.matches(of: /"field":"([a-z_]+)"/).map { String($0.1) }) == ["timezone", "avatar_url", "privacy_settings"])
            let good = try await auth.client.send(
                .PATCH, "/v1/auth/me", json: #"{"first_name":"Ann","timezone":"America/New_York","privacy_settings":{"show_portfolio":false}}"#,
                token: token)
            #expect(good.status == 200)
            #expect(good.string("first_name") == "Ann")
            #expect(good.string("timezone") == "America/New_York")
            #expect(good.text.contains(#""privacy_settings":{"show_portfolio":false}"#))
        }
    }

    /// Issue 11 #20: privacy settings took ~900 KB of anything; they are a flat map of short settings.
    @Test func privacySettingsAreSmallFlatSettings() async throws {
        try await AuthFixture.run { auth in
            let token = try #require(try await auth.signIn(try await auth.verifiedUser()).string("access_token"))
            let huge = String(repeating: "x", count: 900_000)
            let many = (0...50).map { "\"s\($0)\": true" }.joined(separator: ",")
            for settings in [#"{"note": "\#(huge)"}"#, "{\(many)}", #"{"nested": {"deep": [1, 2, 3]}}"#, #"{"Bad Name": true}"#] {
                let refused = try await auth.client.send(.PATCH, "/v1/auth/me", json: #"{"privacy_settings": \#(settings)}"#, token: token)
                #expect(refused.status == 422, "\(refused.text.prefix(300))")
                #expect(refused.text.contains(#""field":"privacy_settings""#))
            }
            let kept = try await auth.client.send(
                .PATCH, "/v1/auth/me", json: #"{"privacy_settings": {"show_portfolio": false, "directory": "investors_only", "radius_km": 25}}"#,
                token: token
            )
            #expect(kept.status == 200, "\(kept.text)")
            #expect(kept["privacy_settings"]?["directory"] == .string("investors_only"))
        }
    }

    @Test func signingKeysAreSealedPublishedAndRotated() async throws {
        try await AuthFixture.run { auth in
            let jwks = try await auth.client.get("/.well-known/jwks.json")
            #expect(jwks.status == 200)
            guard case .array(let keys)? = jwks["keys"], case .string(let kid)? = keys.first?["kid"] else {
                Issue.record("no keys")
                return
            }
            #expect(keys.count == 1)
            // RFC 9864's fully specified name, not the deprecated `EdDSA` (issue 20).
            #expect(keys.first?["alg"] == .string("Ed25519"))
            #expect(keys.first?["d"] == nil, "no private part is ever published")
            // At rest the private key is AES-GCM sealed: 12-byte nonce + 32-byte key + 16-byte tag.
            #expect(try await auth.count("SELECT octet_length(private_key_sealed) FROM auth.signing_keys") == 60)

            // Age the key past the rotation interval; the next replica to start publishes its
            // successor but keeps signing with the old key until every verifier's cached key set
            // (at most five minutes old) has been refetched with the successor in it (issue 11, item 7).
            let before = try #require(try await auth.signIn(try await auth.verifiedUser()).string("access_token"))
            #expect(try await auth.client.get("/v1/auth/me", token: before).status == 200)
            try await auth.sql("UPDATE auth.signing_keys SET created_at = now() - interval '31 days', activates_at = now() - interval '31 days'")
            func replica(_ body: @escaping @Sendable (JSONClient) async throws -> Void) async throws {
                let port = try await freePort()
                let configuration = ServiceConfiguration.forTesting(
                    .auth, database: auth.database, jwksURL: URL(string: "http://127.0.0.1:\(port)/.well-known/jwks.json")!, port: port
                )
                let app = try await buildApplication(configuration, settings: auth.settings, overrides: ServiceOverrides(runsOutboxDispatcher: false))
                try await withRunningApplication(app, port: port) { try await body(JSONClient(port: port)) }
            }
            @Sendable func signingKey(of token: String) throws -> String? {
                let header = String(token.split(separator: ".")[0]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                let padded = header + String(repeating: "=", count: (4 - header.count % 4) % 4)
                let fields = try JSONDecoder().decode([String: String].self, from: Data(base64Encoded: padded) ?? Data())
                return fields["kid"]
            }
            try await replica { client in
                let rotated = try await client.get("/.well-known/jwks.json")
                #expect(rotated.headers.first(name: "Cache-Control") == "public, max-age=300")
                guard case .array(let published)? = rotated["keys"] else {
                    Issue.record("no keys")
                    return
                }
                #expect(published.count == 2)
                #expect(published.contains { $0["kid"] == .string(kid) })
                let token = try #require(
                    try await client.post(
                        "/v1/auth/token", #"{"grant_type":"password","email":"\#(try await auth.verifiedUser())","password":"correct horse battery"}"#
                    ).string("access_token"))
                #expect(try signingKey(of: token) == kid, "a published successor does not sign yet")
            }
            let successor = try #require(try await auth.sql("SELECT kid FROM auth.signing_keys WHERE kid <> '\(kid)'").first)
            #expect(try await auth.count("SELECT count(*) FROM auth.signing_keys WHERE activates_at > now() + interval '300 seconds'") == 1)

            // Once the lead has passed, the successor signs, the old key retires but stays published,
            // and tokens of either key verify everywhere.
            try await auth.sql("UPDATE auth.signing_keys SET activates_at = now() - interval '1 second' WHERE activates_at > now()")
            try await replica { client in
                let after = try #require(
                    try await client.post(
                        "/v1/auth/token", #"{"grant_type":"password","email":"\#(try await auth.verifiedUser())","password":"correct horse battery"}"#
                    ).string("access_token"))
                #expect(try signingKey(of: after) == successor)
                #expect(try await auth.client.get("/v1/auth/me", token: after).status == 200)
                #expect(try await client.get("/v1/auth/me", token: before).status == 200)
            }
            #expect(try await auth.count("SELECT count(*) FROM auth.signing_keys WHERE retired_at IS NOT NULL AND published_until > now()") == 1)
        }
    }
}
