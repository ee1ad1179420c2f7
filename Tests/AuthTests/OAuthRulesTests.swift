import Crypto
import Foundation
import JWTKit
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import AuthService

/// The OAuth / OIDC rules that need no provider: ID-token claim checks (OIDC Core §3.1.3.7),
/// Microsoft's multi-tenant issuer, Apple's client secret, PKCE, the redirect allow-list, the
/// callback's parameters and the configuration.
@Suite struct OAuthRulesTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let expected = IDTokenRules.Expectations(issuer: "https://id.example", clientID: "tract", nonce: "n-123", now: now)

    static func claims(_ change: (inout IDTokenClaims) -> Void = { _ in }) -> IDTokenClaims {
        var claims = IDTokenClaims(
            iss: "https://id.example", sub: "user-1", aud: ["tract"], exp: now.addingTimeInterval(600), iat: now.addingTimeInterval(-5),
            nonce: "n-123")
        change(&claims)
        return claims
    }

    static func rejection(_ claims: IDTokenClaims, _ expected: IDTokenRules.Expectations = Self.expected) -> IDTokenRejection? {
        do {
            try IDTokenRules.check(claims, expected)
            return nil
        } catch {
            return error
        }
    }

    @Test func aGoodTokenPassesAndEachBrokenRuleIsNamed() {
        #expect(Self.rejection(Self.claims()) == nil)
        #expect(Self.rejection(Self.claims { $0.azp = "tract" }) == nil)
        #expect(
            Self.rejection(
                Self.claims {
                    $0.aud = ["tract", "tract"]
                    $0.azp = "tract"
                }) == nil)
        // Within the two minutes of skew either way.
        #expect(Self.rejection(Self.claims { $0.exp = Self.now.addingTimeInterval(-60) }) == nil)
        #expect(Self.rejection(Self.claims { $0.iat = Self.now.addingTimeInterval(60) }) == nil)

        let cases: [(IDTokenClaims, IDTokenRejection)] = [
            (Self.claims { $0.iss = "https://id.example/" }, .wrongIssuer),
            (Self.claims { $0.sub = "" }, .noSubject),
            (Self.claims { $0.sub = String(repeating: "s", count: 256) }, .noSubject),
            (Self.claims { $0.aud = ["other"] }, .wrongAudience),
            (Self.claims { $0.aud = [] }, .wrongAudience),
            (Self.claims { $0.aud = ["tract", "other"] }, .missingAuthorizedParty),
            (
                Self.claims {
                    $0.aud = ["tract", "other"]
                    $0.azp = "tract"
                }, .wrongAudience
            ),
            (Self.claims { $0.azp = "other" }, .wrongAuthorizedParty),
            (Self.claims { $0.exp = Self.now.addingTimeInterval(-121) }, .expired),
            (Self.claims { $0.nbf = Self.now.addingTimeInterval(300) }, .notYetValid),
            (Self.claims { $0.iat = Self.now.addingTimeInterval(300) }, .issuedInTheFuture),
            (Self.claims { $0.iat = Self.now.addingTimeInterval(-3600) }, .tooOld),
            (Self.claims { $0.nonce = nil }, .wrongNonce),
            (Self.claims { $0.nonce = "n-124" }, .wrongNonce),
            (Self.claims { $0.nonce = "n-12" }, .wrongNonce),
        ]
        for (claims, expected) in cases {
            #expect(Self.rejection(claims) == expected, "\(claims)")
        }
    }

    /// Microsoft's `common` discovery names `https://login.microsoftonline.com/{tenantid}/v2.0`;
    /// a token is from the tenant its `tid` names, and only that issuer is accepted for it.
    @Test func microsoftsTenantIssuerTakesTheTokensOwnTenant() {
        let template = "https://login.microsoftonline.com/{tenantid}/v2.0"
        let tenant = "9188040d-6c67-4c5b-b112-36a304b66dad"
        let other = "72f988bf-86f1-41af-91ab-2d7cd011db47"
        #expect(IDTokenRules.issuerMatches(expected: template, actual: "https://login.microsoftonline.com/\(tenant)/v2.0", tenantID: tenant))
        #expect(!IDTokenRules.issuerMatches(expected: template, actual: "https://login.microsoftonline.com/\(tenant)/v2.0", tenantID: other))
        #expect(!IDTokenRules.issuerMatches(expected: template, actual: "https://login.microsoftonline.com/\(tenant)/v2.0", tenantID: nil))
        #expect(!IDTokenRules.issuerMatches(expected: template, actual: "https://evil.example/v2.0", tenantID: "evil.example"))
        #expect(!IDTokenRules.issuerMatches(expected: template, actual: "https://login.microsoftonline.com/{tenantid}/v2.0", tenantID: "{tenantid}"))
        #expect(IDTokenRules.issuerMatches(expected: "https://accounts.google.com", actual: "https://accounts.google.com", tenantID: tenant))
        #expect(!IDTokenRules.issuerMatches(expected: "https://accounts.google.com", actual: "accounts.google.com", tenantID: nil))

        var claims = Self.claims {
            $0.iss = "https://login.microsoftonline.com/\(tenant)/v2.0"
            $0.tid = tenant
        }
        var expected = Self.expected
        expected.issuer = template
        #expect(Self.rejection(claims, expected) == nil)
        claims.tid = other
        #expect(Self.rejection(claims, expected) == .wrongIssuer)
    }

    /// Microsoft lets tenant admins set any `email`; only `xms_edov` proves it. Elsewhere
    /// `email_verified`, as JSON `true` or Apple's string `"true"`.
    @Test func whichProviderEmailsCountAsVerified() throws {
        let microsoft = OAuthProvider(
            name: "microsoft", kind: .openIDConnect(discoveryURL: URL(string: "https://m.example")!), clientID: "c", clientSecret: "s", scopes: [])
        let msIssuer = "https://login.microsoftonline.com/{tenantid}/v2.0"
        #expect(!OAuthProviders.emailIsVerified(Self.claims { $0.emailVerified = true }, provider: microsoft, issuer: msIssuer))
        #expect(OAuthProviders.emailIsVerified(Self.claims { $0.xmsEdov = true }, provider: microsoft, issuer: msIssuer))
        #expect(OAuthProviders.emailIsVerified(Self.claims { $0.emailVerified = true }, provider: microsoft, issuer: "https://accounts.google.com"))
        #expect(!OAuthProviders.emailIsVerified(Self.claims(), provider: microsoft, issuer: "https://accounts.google.com"))

        let apple = try JSONDecoder().decode(
            IDTokenClaims.self,
            from: Data(
                #"{"iss":"https://appleid.apple.com","sub":"001.abc","aud":"tract","exp":1800000600,"iat":1800000000,"email_verified":"true","is_private_email":"true"}"#
                    .utf8))
        #expect(apple.emailVerified == true)
        #expect(apple.aud == ["tract"])
        let refused = try JSONDecoder().decode(
            IDTokenClaims.self, from: Data(#"{"iss":"i","sub":"s","aud":["a","b"],"exp":1,"iat":1,"email_verified":"false"}"#.utf8))
        #expect(refused.emailVerified == false)
        #expect(refused.aud == ["a", "b"])
    }

    /// Apple, "Creating a client secret": ES256, `kid` the key id, `iss` the team, `sub` the client
    /// id, `aud` https://appleid.apple.com, expiring within six months. Checked with the public key.
    @Test func applesClientSecretIsAnES256JWTItsPublicKeyVerifies() async throws {
        let key = P256.Signing.PrivateKey()
        let secret = try AppleClientSecret(
            teamID: "TEAM123456", keyID: "KEY1234567", clientID: "dev.tract.web",
            privateKeyPEM: key.pemRepresentation.replacingOccurrences(of: "\n", with: "\\n"))
        let jwt = try await secret.make(now: Date())
        let header = try #require(IDTokenHeader.parse(jwt))
        #expect(header == IDTokenHeader(alg: "ES256", kid: "KEY1234567"))

        let keys = JWTKeyCollection()
        await keys.add(ecdsa: try ES256PublicKey(backing: key.publicKey), kid: JWKIdentifier(string: "KEY1234567"))
        let claims = try await keys.verify(jwt, as: AppleClientSecret.Claims.self)
        #expect(claims.iss.value == "TEAM123456")
        #expect(claims.sub.value == "dev.tract.web")
        #expect(claims.aud.value == ["https://appleid.apple.com"])
        let lifetime = claims.exp.value.timeIntervalSince(claims.iat.value)
        #expect(lifetime > 0 && lifetime <= AppleClientSecret.maximumLifetime)

        // Another key's signature does not verify.
        let stranger = JWTKeyCollection()
        await stranger.add(ecdsa: try ES256PublicKey(backing: P256.Signing.PrivateKey().publicKey), kid: JWKIdentifier(string: "KEY1234567"))
        await #expect(throws: (any Error).self) { try await stranger.verify(jwt, as: AppleClientSecret.Claims.self) }
        #expect(throws: (any Error).self) { try AppleClientSecret(teamID: "T", keyID: "K", clientID: "c", privateKeyPEM: "not a key") }
    }

    @Test func pkceUsesS256WithAVerifierOnlyAuthCanRecompute() {
        // RFC 7636 Appendix B.
        #expect(PKCE.challenge(forVerifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        let pkce = PKCE(key: SymmetricKey(data: Data(repeating: 1, count: 32)))
        let verifier = pkce.verifier(forState: "state-a")
        #expect(verifier.count == 43)
        #expect(SecretToken.isWellFormed(verifier))
        #expect(pkce.verifier(forState: "state-a") == verifier)
        #expect(pkce.verifier(forState: "state-b") != verifier)
        #expect(PKCE(key: SymmetricKey(data: Data(repeating: 2, count: 32))).verifier(forState: "state-a") != verifier)
    }

    @Test func redirectsGoOnlyWhereTheAppIsAllowed() {
        let allowed = [URL(string: "https://app.example")!, URL(string: "http://127.0.0.1:3000/auth/done")!]
        for good in ["https://app.example/", "https://app.example/signed-in?x=1", "https://APP.example:443/a", "http://127.0.0.1:3000/auth/done"] {
            #expect(RedirectAllowList.allows(good, in: allowed), "\(good)")
        }
        for bad in [
            "https://app.example.evil.net/", "https://app.example@evil.net/", "https://evil.net/?https://app.example/", "http://app.example/",
            "https://app.example:8443/", "https://app.example/#x", "javascript:alert(1)", "//app.example/", "http://127.0.0.1:3000/auth/done/x",
            "http://127.0.0.1:3000/", "https://user:pw@app.example/", "https://app.example/" + String(repeating: "a", count: 2100),
        ] {
            #expect(!RedirectAllowList.allows(bad, in: allowed), "\(bad)")
        }
        #expect(RedirectAllowList.origin(of: URL(string: "https://Tract.Example:8443/app/x?y")!).absoluteString == "https://tract.example:8443")
    }

    @Test func theCallbackReadsTheQueryOrApplesFormPost() {
        let query = OAuthController.CallbackParameters.parse(query: ["state": "s", "code": "c"], form: [:])
        #expect(query == .init(state: "s", code: "c", error: nil, appleUser: nil))
        // A form post is read from its body alone: a query cannot smuggle in another state.
        let form = OAuthController.CallbackParameters.parse(
            query: ["state": "from-query"],
            form: ["state": "s", "code": "c", "user": #"{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"a@b.c"}"#])
        #expect(form.state == "s")
        #expect(form.appleName == "Ada Lovelace")
        #expect(OAuthController.CallbackParameters(appleUser: "not json").appleName == nil)
        #expect(OAuthController.CallbackParameters(appleUser: #"{"name":{}}"#).appleName == nil)
    }

    @Test func providersComeFromTheEnvironment() throws {
        let key = P256.Signing.PrivateKey().pemRepresentation
        let settings = try OAuthSettings.fromEnvironment(
            EnvironmentReader([
                "PUBLIC_URL": "https://tract.example/app",
                "OAUTH_PROVIDERS": "google, microsoft,apple,github,acme-sso",
                "OAUTH_GOOGLE_CLIENT_ID": "g", "OAUTH_GOOGLE_CLIENT_SECRET": "gs",
                "OAUTH_MICROSOFT_CLIENT_ID": "m", "OAUTH_MICROSOFT_CLIENT_SECRET": "ms",
                "OAUTH_APPLE_CLIENT_ID": "dev.tract.web", "OAUTH_APPLE_TEAM_ID": "TEAM", "OAUTH_APPLE_KEY_ID": "KEY", "OAUTH_APPLE_PRIVATE_KEY": key,
                "OAUTH_GITHUB_CLIENT_ID": "h", "OAUTH_GITHUB_CLIENT_SECRET": "hs", "OAUTH_GITHUB_API_URL": "http://127.0.0.1:9/api",
                "OAUTH_ACME_SSO_CLIENT_ID": "a", "OAUTH_ACME_SSO_CLIENT_SECRET": "as",
                "OAUTH_ACME_SSO_DISCOVERY_URL": "https://sso.acme.example/realms/x",
                "OAUTH_ACME_SSO_SCOPES": "openid email",
            ]))
        #expect(settings.providers.keys.sorted() == ["acme-sso", "apple", "github", "google", "microsoft"])
        #expect(
            settings.providers["google"]?.kind
                == .openIDConnect(discoveryURL: URL(string: "https://accounts.google.com/.well-known/openid-configuration")!))
        #expect(
            settings.providers["microsoft"]?.kind
                == .openIDConnect(discoveryURL: URL(string: "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration")!))
        #expect(
            settings.providers["acme-sso"]?.kind
                == .openIDConnect(discoveryURL: URL(string: "https://sso.acme.example/realms/x/.well-known/openid-configuration")!))
        #expect(settings.providers["acme-sso"]?.scopes == ["openid", "email"])
        #expect(settings.providers["apple"]?.usesFormPost == true)
        #expect(settings.providers["apple"]?.clientSecret == nil)
        #expect(settings.providers["github"]?.kind == .gitHub(GitHubEndpoints(apiURL: URL(string: "http://127.0.0.1:9/api")!)))
        #expect(settings.redirectBase.absoluteString == "https://tract.example/app")
        #expect(settings.allowedRedirects.map(\.absoluteString) == ["https://tract.example"])
        #expect(settings.flowLifetime == .seconds(600))

        #expect(try OAuthSettings.fromEnvironment(EnvironmentReader([:])).providers.isEmpty)
        for (environment, variable) in [
            (["OAUTH_PROVIDERS": "acme"], "OAUTH_ACME_CLIENT_ID"),
            (["OAUTH_PROVIDERS": "acme", "OAUTH_ACME_CLIENT_ID": "a", "OAUTH_ACME_CLIENT_SECRET": "s"], "OAUTH_ACME_DISCOVERY_URL"),
            (["OAUTH_PROVIDERS": "google", "OAUTH_GOOGLE_CLIENT_ID": "g"], "OAUTH_GOOGLE_CLIENT_SECRET"),
            (["OAUTH_PROVIDERS": "Bad Name"], "OAUTH_PROVIDERS"),
            (
                ["OAUTH_PROVIDERS": "apple", "OAUTH_APPLE_CLIENT_ID": "a", "OAUTH_APPLE_TEAM_ID": "T", "OAUTH_APPLE_KEY_ID": "K"],
                "OAUTH_APPLE_PRIVATE_KEY"
            ),
            (
                [
                    "OAUTH_PROVIDERS": "apple", "OAUTH_APPLE_CLIENT_ID": "a", "OAUTH_APPLE_TEAM_ID": "T", "OAUTH_APPLE_KEY_ID": "K",
                    "OAUTH_APPLE_PRIVATE_KEY": "x",
                ],
                "OAUTH_APPLE_PRIVATE_KEY"
            ),
            (["OAUTH_ALLOWED_REDIRECTS": "https://a.example/#x"], "OAUTH_ALLOWED_REDIRECTS"),
            (["OAUTH_FLOW_TTL_SECONDS": "3600"], "OAUTH_FLOW_TTL_SECONDS"),
        ] {
            #expect(throws: ConfigurationError.self, "\(variable)") { try OAuthSettings.fromEnvironment(EnvironmentReader(environment)) }
            do {
                _ = try OAuthSettings.fromEnvironment(EnvironmentReader(environment))
            } catch let error as ConfigurationError {
                #expect(error.variable == variable)
            }
        }
    }

    /// Every variable OAuthSettings reads is in `auth --help` and the README's table.
    @Test func everyOAuthSettingIsDocumented() throws {
        let readme = try String(contentsOf: RepositoryScripts.root.appendingPathComponent("README.md"), encoding: .utf8)
        let names = [
            "OAUTH_PROVIDERS", "OAUTH_APPLE_TEAM_ID", "OAUTH_APPLE_KEY_ID", "OAUTH_APPLE_PRIVATE_KEY", "OAUTH_GITHUB_AUTHORIZE_URL",
            "OAUTH_GITHUB_TOKEN_URL", "OAUTH_GITHUB_API_URL", "OAUTH_REDIRECT_BASE", "OAUTH_ALLOWED_REDIRECTS", "OAUTH_FLOW_TTL_SECONDS",
            "RATE_LIMIT_OAUTH_PER_5MIN_PER_IP", "OAUTH_<NAME>_CLIENT_ID", "OAUTH_<NAME>_CLIENT_SECRET", "OAUTH_<NAME>_DISCOVERY_URL",
            "OAUTH_<NAME>_SCOPES",
        ]
        let help = Set(AuthEntryPoint.settingsHelp.split(whereSeparator: { $0.isWhitespace || $0 == "," }).map(String.init))
        for name in names {
            #expect(help.contains(name), "--help lists \(name)")
            #expect(readme.contains("`\(name)`"), "README lists \(name)")
        }
    }
}
