import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import AuthService

/// OpenID Connect sign-in end to end against a real provider the test starts (oidc-provider-mock,
/// PKCE enforced, nonce required): the provider signs the ID tokens, serves discovery and JWKS, and
/// the test plays the user at its authorize step.
@Suite(.enabled(if: OAuthPeer.isConfigured)) struct OAuthFlowTests {
    static func email() -> String { "oidc.\(UUID().uuidString.prefix(8).lowercased())@example.com" }

    @Test func aNewIdentityCreatesTheAccountAndSignsInAgainLater() async throws {
        let peer = try OAuthPeer.oidc()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: peer)) { auth in
            let email = Self.email()
            let claims = #"{"email":"\#(email)","email_verified":true,"name":"Olive Oidc","picture":"https://pics.example/olive.png"}"#
            let first = try await auth.oidcSignIn(peer, sub: "olive", claims: claims, body: #"{"source":"see_oz_listings"}"#)
            #expect(first.status == 200, "\(first.text)")
            #expect(first.headers.first(name: "Cache-Control") == "no-store")
            #expect(first.string("token_type") == "Bearer")
            #expect(first.string("refresh_token") != nil)
            let userID = try #require(AuthFixture.subject(ofAccessToken: first.string("access_token")))

            // The account: verified by the provider, no password, where the user came from.
            let row = try await auth.sql(
                """
                SELECT concat_ws('|', id, email_verified_at IS NOT NULL, password_hash IS NULL, first_auth_source)
                FROM auth.users WHERE email = '\(email)'
                """)
            #expect(row == ["\(userID)|t|t|see_oz_listings"])
            let event = try await auth.sql(
                "SELECT envelope->'payload'->>'auth_method' FROM auth.outbox WHERE event_type = 'user.created' AND envelope->'payload'->>'email' = '\(email)'"
            )
            #expect(event == ["oauth:acme"])
            #expect(try await auth.sql("SELECT auth_method FROM auth.sessions WHERE user_id = '\(userID)'") == ["oauth:acme"])

            // Signed in again with the same identity: the same account, no second one.
            let again = try await auth.oidcSignIn(peer, sub: "olive", claims: claims)
            #expect(again.status == 200, "\(again.text)")
            #expect(AuthFixture.subject(ofAccessToken: again.string("access_token")) == userID)
            #expect(try await auth.count("SELECT count(*) FROM auth.users WHERE email = '\(email)'") == 1)

            // The identity is listed for its owner.
            let listed = try await auth.client.get("/v1/auth/identities", token: try #require(again.string("access_token")))
            #expect(listed.status == 200)
            guard case .array(let items)? = listed["data"], let item = items.first else {
                Issue.record("no identities: \(listed.text)")
                return
            }
            #expect(items.count == 1)
            #expect(item["provider"] == .string("acme"))
            #expect(item["email"] == .string(email))
            #expect(item["name"] == .string("Olive Oidc"))
            #expect(item["avatar_url"] == .string("https://pics.example/olive.png"))
        }
    }

    /// A provider proves one factor: an account with a second one (here a passkey) gets the MFA
    /// ticket instead of a session, as a password sign-in would.
    @Test func aProviderSignInOfAnAccountWithMFAAsksForTheSecondFactor() async throws {
        let peer = try OAuthPeer.oidc()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: peer)) { auth in
            let email = Self.email()
            let claims = #"{"email":"\#(email)","email_verified":true}"#
            let first = try await auth.oidcSignIn(peer, sub: "mona", claims: claims)
            #expect(first.status == 200, "\(first.text)")
            let userID = try #require(AuthFixture.subject(ofAccessToken: first.string("access_token")))
            try await auth.sql(
                """
                INSERT INTO auth.passkeys (id, user_id, credential_id, public_key, algorithm, device_name, attestation_format,
                                           backup_eligible, backed_up)
                VALUES (gen_random_uuid(), '\(userID)', '\\x0102030405060708', '\\xa1', -7, 'Laptop', 'none', false, false)
                """)
            let sessionsBefore = try await auth.count("SELECT count(*) FROM auth.sessions WHERE user_id = '\(userID)'")

            let again = try await auth.oidcSignIn(peer, sub: "mona", claims: claims)
            #expect(again.status == 403, "\(again.text)")
            #expect(again.string("type") == "https://tract.dev/problems/mfa-required")
            #expect(again.string("mfa_token") != nil)
            #expect(again.string("access_token") == nil)
            #expect(try await auth.count("SELECT count(*) FROM auth.sessions WHERE user_id = '\(userID)'") == sessionsBefore)
        }
    }

    @Test func aBrowserGetsAOneTimeCodeNeverTokens() async throws {
        let peer = try OAuthPeer.oidc()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: peer)) { auth in
            let email = Self.email()
            try await peer.setUser("bea", claims: #"{"email":"\#(email)","email_verified":true}"#)
            let started = try await auth.authorize("acme", #"{"redirect_uri":"\#(AuthFixture.appRedirect)"}"#)
            #expect(started.status == 200, "\(started.text)")
            let state = try #require(started.string("state"))
            let authorizationURL = try #require(started.string("authorization_url"))
            let sent = OAuthHTTP.query(authorizationURL)
            #expect(sent["code_challenge_method"] == "S256")
            #expect(sent["state"] == state)
            #expect(sent["nonce"]?.isEmpty == false)
            #expect(sent["redirect_uri"] == "http://tract.test/v1/auth/oauth/acme/callback")

            let back = try await auth.followCallback(try await auth.approve(authorizationURL, as: "bea"), json: false)
            #expect(back.status == 303, "\(back.text)")
            #expect(back.location.hasPrefix(AuthFixture.appRedirect + "?"))
            #expect(!back.location.contains("access_token") && !back.location.contains("refresh_token"))
            #expect(back.headers.first(name: "Referrer-Policy") == "no-referrer")
            let returned = OAuthHTTP.query(back.location)
            #expect(returned["state"] == state)
            let code = try #require(returned["code"])

            let grant = "urn:tract:params:oauth:grant-type:sign-in-code"
            let tokens = try await auth.client.postForm("/v1/auth/token", "grant_type=\(grant)&code=\(code)")
            #expect(tokens.status == 200, "\(tokens.text)")
            #expect(tokens.string("access_token") != nil)
            // A code works once.
            let replayed = try await auth.client.post("/v1/auth/token", #"{"grant_type":"\#(grant)","code":"\#(code)"}"#)
            #expect(replayed.status == 400)
            #expect(replayed.string("type") == "https://tract.dev/problems/invalid-grant")
        }
    }

    /// The app may add its own PKCE: then the code in the redirect URL is worth nothing without
    /// the verifier the app kept, and a wrong verifier spends the code.
    @Test func anAppsOwnPKCEBindsTheSignInCode() async throws {
        let peer = try OAuthPeer.oidc()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: peer)) { auth in
            try await peer.setUser("pat", claims: #"{"email":"\#(Self.email())","email_verified":true}"#)
            let verifier = SecretToken.make()
            let challenge = PKCE.challenge(forVerifier: verifier)
            func code() async throws -> String {
                let started = try await auth.authorize(
                    "acme", #"{"redirect_uri":"\#(AuthFixture.appRedirect)","code_challenge":"\#(challenge)","code_challenge_method":"S256"}"#)
                let back = try await auth.followCallback(
                    try await auth.approve(try #require(started.string("authorization_url")), as: "pat"), json: false)
                return try #require(OAuthHTTP.query(back.location)["code"])
            }
            let grant = "grant_type=urn:tract:params:oauth:grant-type:sign-in-code"
            let stolen = try await code()
            #expect(try await auth.client.postForm("/v1/auth/token", "\(grant)&code=\(stolen)").status == 400)
            #expect(try await auth.client.postForm("/v1/auth/token", "\(grant)&code=\(stolen)&code_verifier=\(verifier)").status == 400)
            let wrong = try await code()
            #expect(try await auth.client.postForm("/v1/auth/token", "\(grant)&code=\(wrong)&code_verifier=\(SecretToken.make())").status == 400)
            let right = try await code()
            let tokens = try await auth.client.postForm("/v1/auth/token", "\(grant)&code=\(right)&code_verifier=\(verifier)")
            #expect(tokens.status == 200, "\(tokens.text)")
            #expect(try await auth.authorize("acme", #"{"code_challenge":"short"}"#).status == 422)
            #expect(try await auth.authorize("acme", #"{"code_challenge":"\#(challenge)","code_challenge_method":"plain"}"#).status == 422)
        }
    }

    @Test func anExistingAccountIsLinkedOnlyAfterItsOwnerSignsIn() async throws {
        let peer = try OAuthPeer.oidc()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: peer)) { auth in
            let ann = try await auth.verifiedUser()
            let annID = try #require(try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(ann)'").first)
            let claims = #"{"email":"\#(ann)","email_verified":true}"#
            let answer = try await auth.oidcSignIn(peer, sub: "ann-at-acme", claims: claims)
            #expect(answer.status == 409, "\(answer.text)")
            #expect(answer.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(answer.string("type") == "https://tract.dev/problems/link-required")
            #expect(answer.string("provider") == "acme")
            #expect(answer.string("email") == ann)
            #expect(answer.string("access_token") == nil)
            let ticket = try #require(answer.string("link_ticket"))
            // Nothing linked, no session opened for the account.
            #expect(try await auth.count("SELECT count(*) FROM auth.oauth_accounts") == 0)
            #expect(try await auth.count("SELECT count(*) FROM auth.sessions WHERE user_id = '\(annID)'") == 0)

            // Without proof of the account the ticket does nothing.
            let anonymous = try await auth.client.post("/v1/auth/oauth/links", #"{"link_ticket":"\#(ticket)"}"#)
            #expect(anonymous.status == 401)
            let bob = try await auth.verifiedUser()
            let bobToken = try #require(try await auth.signIn(bob).string("access_token"))
            let stranger = try await auth.client.post("/v1/auth/oauth/links", #"{"link_ticket":"\#(ticket)"}"#, token: bobToken)
            #expect(stranger.status == 400, "\(stranger.text)")
            #expect(try await auth.count("SELECT count(*) FROM auth.oauth_accounts") == 0)

            // Ann signs in with her password and redeems it: linked.
            let annToken = try #require(try await auth.signIn(ann).string("access_token"))
            let linked = try await auth.client.post("/v1/auth/oauth/links", #"{"link_ticket":"\#(ticket)"}"#, token: annToken)
            #expect(linked.status == 201, "\(linked.text)")
            #expect(linked.string("provider") == "acme")
            let reused = try await auth.client.post("/v1/auth/oauth/links", #"{"link_ticket":"\#(ticket)"}"#, token: annToken)
            #expect(reused.status == 400)
            #expect(
                try await auth.sql("SELECT event_type FROM auth.login_history WHERE user_id = '\(annID)' AND event_type = 'identity_linked'").count
                    == 1)

            // From now on the provider signs Ann in.
            let signedIn = try await auth.oidcSignIn(peer, sub: "ann-at-acme", claims: claims)
            #expect(signedIn.status == 200, "\(signedIn.text)")
            #expect(AuthFixture.subject(ofAccessToken: signedIn.string("access_token")) == annID)
        }
    }

    /// OIDC Core §3.1.3.7: each ID token the provider signs with one claim wrong is refused, and
    /// nothing is created or signed in.
    @Test(arguments: [
        (#"{"nonce":"a-nonce-from-another-flow"}"#, "id_token_wrong_nonce"),
        (#"{"aud":"someone-else"}"#, "id_token_wrong_audience"),
        (#"{"aud":["tract-client","someone-else"]}"#, "id_token_azp_missing"),
        (#"{"azp":"someone-else"}"#, "id_token_wrong_azp"),
        (#"{"exp":1700000000}"#, "id_token_expired"),
        (#"{"iat":1700000000}"#, "id_token_too_old"),
        (#"{"iss":"https://accounts.google.com"}"#, "id_token_wrong_issuer"),
    ])
    func aTokenWithAWrongClaimIsRefused(extra: String, reason: String) async throws {
        let peer = try OAuthPeer.oidc()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: peer)) { auth in
            let email = Self.email()
            var claims = #"{"email":"\#(email)","email_verified":true"#
            claims += "," + extra.dropFirst()
            let reply = try await auth.oidcSignIn(peer, sub: "mallory", claims: claims)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.string("type") == "https://tract.dev/problems/invalid-id-token")
            #expect(reply.string("detail")?.contains(reason) == true, "\(reply.text)")
            #expect(try await auth.count("SELECT count(*) FROM auth.users") == 0)
            #expect(try await auth.count("SELECT count(*) FROM auth.sessions") == 0)
            #expect(try await auth.sql("SELECT failure_reason FROM auth.login_history WHERE event_type = 'sign_in_failed'") == [reason])
        }
    }

    @Test func aStateWorksOnceAndOnlyForItsProvider() async throws {
        let peer = try OAuthPeer.oidc()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: peer)) { auth in
            try await peer.setUser("rita", claims: #"{"email":"\#(Self.email())","email_verified":true}"#)
            let started = try await auth.authorize()
            let location = try await auth.approve(try #require(started.string("authorization_url")), as: "rita")
            #expect(try await auth.followCallback(location).status == 200)
            let replayed = try await auth.followCallback(location)
            #expect(replayed.status == 400)
            #expect(replayed.string("type") == "https://tract.dev/problems/invalid-state")

            let unknown = try await auth.followCallback("\(AuthFixture.redirectBase)/v1/auth/oauth/acme/callback?code=x&state=\(SecretToken.make())")
            #expect(unknown.status == 400)
            #expect(unknown.string("type") == "https://tract.dev/problems/invalid-state")

            // An expired flow is as good as none.
            let late = try await auth.authorize()
            try await auth.sql("UPDATE auth.oauth_flows SET expires_at = now() - interval '1 second'")
            let expired = try await auth.followCallback(try await auth.approve(try #require(late.string("authorization_url")), as: "rita"))
            #expect(expired.status == 400)
            #expect(expired.string("type") == "https://tract.dev/problems/invalid-state")
        }
    }

    @Test func anUnverifiedProviderEmailNeverCreatesOrMatchesAnAccount() async throws {
        let peer = try OAuthPeer.oidc()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: peer)) { auth in
            let ann = try await auth.verifiedUser()
            for claims in [
                #"{"email":"\#(ann)","email_verified":false}"#, #"{"email":"\#(ann)"}"#, #"{"email":"\#(Self.email())","email_verified":"false"}"#,
                #"{"email_verified":true}"#,
            ] {
                let reply = try await auth.oidcSignIn(peer, sub: "eve-\(UUID().uuidString.prefix(6))", claims: claims)
                #expect(reply.status == 403, "\(claims): \(reply.text)")
                #expect(reply.string("type") == "https://tract.dev/problems/unverified-email")
            }
            #expect(try await auth.count("SELECT count(*) FROM auth.users") == 1)
            #expect(try await auth.count("SELECT count(*) FROM auth.oauth_accounts") == 0)
            #expect(try await auth.count("SELECT count(*) FROM auth.oauth_grants") == 0)
        }
    }

    /// A password sign-up nobody verified does not stand in the way: the provider proved the
    /// address, so the stranger's password and sessions go, as a magic link would make them.
    @Test func anUnprovenSignUpGivesWayToTheProvenAddress() async throws {
        let peer = try OAuthPeer.oidc()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: peer)) { auth in
            let email = Self.email()
            let signUp = try await auth.client.post("/v1/auth/signup", #"{"email":"\#(email)","password":"an attacker's passphrase"}"#)
            #expect(signUp.status == 202)
            let reply = try await auth.oidcSignIn(peer, sub: "victim", claims: #"{"email":"\#(email)","email_verified":true}"#)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(try await auth.sql("SELECT (password_hash IS NULL)::text FROM auth.users WHERE email = '\(email)'") == ["true"])
            #expect(try await auth.signIn(email, password: "an attacker's passphrase").status == 400)
        }
    }

    @Test func aSignedInUserLinksAProviderDirectlyAndOnlyTheirOwnBrowserCan() async throws {
        let peer = try OAuthPeer.oidc()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: peer)) { auth in
            let ann = try await auth.verifiedUser()
            let token = try #require(try await auth.signIn(ann).string("access_token"))
            let anonymous = try await auth.authorize("acme", #"{"intent":"link"}"#)
            #expect(anonymous.status == 401)

            // The signed-in app finishes the flow itself: linked, even with another email.
            let linked = try await auth.oidcSignIn(
                peer, sub: "ann-work", claims: #"{"email":"ann@work.example","email_verified":true}"#, body: #"{"intent":"link"}"#, token: token)
            #expect(linked.status == 201, "\(linked.text)")
            #expect(linked.string("email") == "ann@work.example")

            // A link flow finished in a browser that is not Ann's app (no token) only yields a ticket.
            try await peer.setUser("ann-home", claims: #"{"email":"ann@home.example","email_verified":true}"#)
            let started = try await auth.authorize("acme", #"{"intent":"link","redirect_uri":"https://app.example/linked"}"#, token: token)
            let back = try await auth.followCallback(
                try await auth.approve(try #require(started.string("authorization_url")), as: "ann-home"), json: false)
            #expect(back.status == 303)
            let ticket = try #require(OAuthHTTP.query(back.location)["link_ticket"])
            #expect(try await auth.count("SELECT count(*) FROM auth.oauth_accounts") == 1)
            #expect(try await auth.client.post("/v1/auth/oauth/links", #"{"link_ticket":"\#(ticket)"}"#, token: token).status == 201)
            #expect(try await auth.count("SELECT count(*) FROM auth.oauth_accounts") == 2)

            // An identity that is someone else's cannot be linked again.
            let bob = try await auth.verifiedUser()
            let bobToken = try #require(try await auth.signIn(bob).string("access_token"))
            let taken = try await auth.oidcSignIn(
                peer, sub: "ann-work", claims: #"{"email":"ann@work.example","email_verified":true}"#, body: #"{"intent":"link"}"#, token: bobToken)
            #expect(taken.status == 409, "\(taken.text)")
            #expect(taken.string("type") == "https://tract.dev/problems/identity-linked-elsewhere")
        }
    }

    @Test func unlinkingKeepsTheLastWayToSignIn() async throws {
        let peer = try OAuthPeer.oidc()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: peer)) { auth in
            // An account made by the provider has no password: its identity is its only method.
            let only = try await auth.oidcSignIn(peer, sub: "solo", claims: #"{"email":"\#(Self.email())","email_verified":true}"#)
            let soloToken = try #require(only.string("access_token"))
            let soloIdentity = try #require(try await auth.sql("SELECT id::text FROM auth.oauth_accounts").first)
            let refused = try await auth.client.send(.DELETE, "/v1/auth/identities/\(soloIdentity)", token: soloToken)
            #expect(refused.status == 409)
            #expect(refused.string("type") == "https://tract.dev/problems/last-sign-in-method")

            // Someone else's identity is not found; with a password left, unlinking works.
            let ann = try await auth.verifiedUser()
            let annToken = try #require(try await auth.signIn(ann).string("access_token"))
            #expect(try await auth.client.send(.DELETE, "/v1/auth/identities/\(soloIdentity)", token: annToken).status == 404)
            let linked = try await auth.oidcSignIn(
                peer, sub: "ann-extra", claims: #"{"email":"x@y.example","email_verified":true}"#, body: #"{"intent":"link"}"#, token: annToken)
            let annIdentity = try #require(linked.string("id"))
            #expect(try await auth.client.send(.DELETE, "/v1/auth/identities/\(annIdentity)", token: annToken).status == 204)
            #expect(try await auth.count("SELECT count(*) FROM auth.oauth_accounts WHERE id = '\(annIdentity)'") == 0)
            #expect(try await auth.sql("SELECT auth_method FROM auth.login_history WHERE event_type = 'identity_unlinked'") == ["oauth:acme"])
        }
    }

    /// Apple and others answer with `response_mode=form_post`: the browser POSTs the form.
    @Test func aFormPostCallbackIsReadLikeAQuery() async throws {
        let peer = try OAuthPeer.oidc()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: peer)) { auth in
            try await peer.setUser("poster", claims: #"{"email":"\#(Self.email())","email_verified":true}"#)
            let started = try await auth.authorize()
            let location = try await auth.approve(try #require(started.string("authorization_url")), as: "poster")
            let returned = OAuthHTTP.query(location)
            let form =
                "code=\(try #require(returned["code"]))&state=\(try #require(returned["state"]))&user=%7B%22name%22%3A%7B%22firstName%22%3A%22Pat%22%7D%7D"
            let reply = try await OAuthHTTP.send(
                .POST, "\(auth.client.baseURL)/v1/auth/oauth/acme/callback", body: form, headers: [("Accept", "application/json")])
            #expect(reply.status == 200, "\(reply.text)")
            let wrongType = try await OAuthHTTP.send(
                .POST, "\(auth.client.baseURL)/v1/auth/oauth/acme/callback", body: #"{"state":"x"}"#, contentType: "application/json")
            #expect(wrongType.status == 415)
        }
    }

    @Test func hostileInputsAreProblemsNotCrashes() async throws {
        let peer = try OAuthPeer.oidc()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: peer)) { auth in
            #expect(try await auth.authorize("nope").status == 404)
            #expect(try await auth.authorize("acme", #"{"intent":"take_over"}"#).status == 422)
            for redirect in [
                "https://evil.example/", "https://app.example.evil.net/", "https://app.example@evil.net/", "http://app.example/",
                "https://app.example:8443/", "javascript:alert(1)", "https://app.example/#frag", "//evil.example",
            ] {
                let reply = try await auth.authorize("acme", #"{"redirect_uri":"\#(redirect)"}"#)
                #expect(reply.status == 422, "\(redirect): \(reply.text)")
            }
            #expect(try await auth.authorize("acme", "not json").status == 400)
            #expect(try await auth.authorize("acme", #"{"source":"nowhere"}"#).status == 422)
            let base = "\(AuthFixture.redirectBase)/v1/auth/oauth/acme/callback"
            for query in ["", "?code=x", "?state=short&code=x", "?state=\(SecretToken.make())&state=\(SecretToken.make())"] {
                let reply = try await auth.followCallback(base + query)
                #expect((400..<500).contains(reply.status), "\(query): \(reply.text)")
                #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
            }
            // The flow is spent by a callback that carries the provider's error, not retried.
            let started = try await auth.authorize()
            let state = try #require(started.string("state"))
            let denied = try await auth.followCallback(base + "?error=access_denied&state=\(state)")
            #expect(denied.status == 400)
            #expect(denied.string("type") == "https://tract.dev/problems/provider-refused")
            #expect(try await auth.count("SELECT count(*) FROM auth.oauth_flows") == 0)
            let huge = try await auth.authorize()
            let oversized = try await auth.followCallback(
                base + "?state=\(try #require(huge.string("state")))&code=\(String(repeating: "a", count: 5000))")
            #expect(oversized.status == 422)
            #expect(try await auth.client.post("/v1/auth/oauth/links", #"{"link_ticket":"forged"}"#, token: nil).status == 401)
            let ann = try await auth.verifiedUser()
            let token = try #require(try await auth.signIn(ann).string("access_token"))
            #expect(try await auth.client.post("/v1/auth/oauth/links", #"{"link_ticket":"forged"}"#, token: token).status == 400)
            #expect(try await auth.client.post("/v1/auth/oauth/links", #"{}"#, token: token).status == 422)
            #expect(try await auth.client.send(.DELETE, "/v1/auth/identities/not-a-uuid", token: token).status == 404)
            #expect(try await auth.client.get("/v1/auth/identities?limit=0", token: token).status == 422)
            #expect(try await auth.client.get("/v1/auth/identities").status == 401)
            #expect(try await auth.client.postForm("/v1/auth/token", "grant_type=urn:tract:params:oauth:grant-type:sign-in-code").status == 422)
        }
    }

    @Test func authorizeAndCallbackAreRateLimitedPerIP() async throws {
        let peer = try OAuthPeer.oidc()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: peer, requestsPerIP: TokenBucket(2, per: .seconds(3600)))) { auth in
            #expect(try await auth.authorize().status == 200)
            #expect(try await auth.authorize().status == 200)
            let limited = try await auth.authorize()
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "Retry-After") != nil)
        }
    }
}
