import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import Models
import NIOCore
import ServiceKit
import TestSupport
import Testing

/// The JWT guard every service uses, against a JWKS served over real HTTP.
@Suite struct TokenVerificationTests {
    func withFixture(
        acceptsEdDSAAlgorithmName: Bool = true,
        _ test: @escaping @Sendable (TestIssuer, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await TestDatabase.with(services: [.analytics]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                var configuration = ServiceConfiguration.forTesting(.analytics, database: database, jwksURL: jwksURL)
                configuration.identity.acceptsEdDSAAlgorithmName = acceptsEdDSAAlgorithmName
                let app = try await buildServiceApplication(configuration, definition: FixtureService.definition)
                try await app.test(.router) { client in try await test(issuer, client) }
            }
        }
    }

    func status(_ client: any TestClientProtocol, _ uri: String, token: String?) async throws -> (Int, String) {
        try await client.execute(uri: uri, method: .get, headers: token.map { [.authorization: "Bearer \($0)"] } ?? [:]) { response async throws in
            (Int(response.status.code), String(buffer: response.body))
        }
    }

    @Test func aValidTokenIdentifiesTheCaller() async throws {
        try await self.withFixture { issuer, client async throws in
            let token = try await issuer.token(subject: "user-1", roles: [.investor, .developer])
            let (code, body) = try await self.status(client, "/v1/whoami", token: token)
            #expect(code == 200)
            #expect(body == #"{"roles":["developer","investor"],"subject":"user-1"}"#)
            // Anonymous callers are allowed on this route and stay anonymous.
            #expect(try await self.status(client, "/v1/whoami", token: nil) == (200, #"{"roles":[]}"#))
        }
    }

    @Test func badTokensAre401EvenWhereAnonymousIsAllowed() async throws {
        try await self.withFixture { issuer, client async throws in
            let good = try await issuer.token()
            let parts = good.split(separator: ".").map(String.init)
            let none = Self.base64URL(#"{"alg":"none","kid":"key-1","typ":"JWT"}"#) + "." + parts[1] + "."
            var signature = Array(parts[2])
            signature[5] = signature[5] == "A" ? "B" : "A"
            let tampered = parts[0] + "." + parts[1] + "." + String(signature)
            let forgedPayload =
                parts[0] + "." + Self.base64URL(#"{"sub":"admin","roles":["admin"],"aud":["tract"],"iss":"tract-auth","exp":4102444800}"#) + "."
                + parts[2]
            let cases: [(String, String)] = [
                ("expired", try await issuer.token(expiresIn: -120)),
                ("wrong audience", try await issuer.token(audience: "someone-else")),
                ("wrong issuer", try await issuer.token(issuer: "evil-auth")),
                ("unknown key", try await issuer.token(kid: "key-unknown", signingKey: try EdDSA.PrivateKey())),
                ("alg none", none),
                ("tampered signature", tampered),
                ("forged payload", forgedPayload),
                ("garbage", "not-a-jwt"),
            ]
            for (name, token) in cases {
                let (code, body) = try await self.status(client, "/v1/whoami", token: token)
                #expect(code == 401, "\(name) should be rejected")
                #expect(body.contains(#""status":401"#), "\(name) should be a problem")
            }
        }
    }

    /// RFC 9864: auth signs as `Ed25519` and publishes its keys so; a token from before the upgrade
    /// (`"alg":"EdDSA"`, same key) passes while the transition setting is on, and not after.
    @Test func theDeprecatedEdDSANameIsAcceptedOnlyDuringTheTransition() async throws {
        try await self.withFixture { issuer, client async throws in
            #expect(try await self.status(client, "/v1/whoami", token: try await issuer.token(algorithm: "Ed25519")).0 == 200)
            #expect(try await self.status(client, "/v1/whoami", token: try await issuer.token(algorithm: "EdDSA")).0 == 200)
            #expect(try await self.status(client, "/v1/whoami", token: try await issuer.token(algorithm: "Ed448")).0 == 401)
        }
        try await self.withFixture(acceptsEdDSAAlgorithmName: false) { issuer, client async throws in
            #expect(try await self.status(client, "/v1/whoami", token: try await issuer.token(algorithm: "Ed25519")).0 == 200)
            let (code, body) = try await self.status(client, "/v1/whoami", token: try await issuer.token(algorithm: "EdDSA"))
            #expect(code == 401)
            #expect(body.contains(#"algorithm \"EdDSA\" is not accepted"#), "\(body)")
        }
    }

    @Test func anUnknownKeyIDTriggersOneRefetchAndRotationWorks() async throws {
        try await self.withFixture { issuer, client async throws in
            #expect(try await self.status(client, "/v1/whoami", token: try await issuer.token()).0 == 200)
            #expect(issuer.fetchCount == 1)
            // Cached: more tokens, no more fetches.
            #expect(try await self.status(client, "/v1/whoami", token: try await issuer.token()).0 == 200)
            #expect(issuer.fetchCount == 1)
            // auth rotates: a token with the new kid makes exactly one refetch and is accepted.
            try issuer.rotate(kid: "key-2")
            #expect(try await self.status(client, "/v1/whoami", token: try await issuer.token(kid: "key-2")).0 == 200)
            #expect(issuer.fetchCount == 2)
            // A made-up kid right after is refused without hammering the JWKS endpoint.
            let bogus = try await issuer.token(kid: "key-bogus", signingKey: try EdDSA.PrivateKey())
            #expect(try await self.status(client, "/v1/whoami", token: bogus).0 == 401)
            #expect(try await self.status(client, "/v1/whoami", token: bogus).0 == 401)
            #expect(issuer.fetchCount == 2)
        }
    }

    @Test func guardsCheckSignInRoleAndScope() async throws {
        try await self.withFixture { issuer, client async throws in
            #expect(try await self.status(client, "/v1/admin-only", token: nil).0 == 401)
            #expect(try await self.status(client, "/v1/admin-only", token: try await issuer.token(roles: [.investor])).0 == 403)
            #expect(try await self.status(client, "/v1/admin-only", token: try await issuer.token(roles: [.admin])).0 == 200)
            // /internal/ routes need the service scope, which user tokens lack.
            let envelope = #"{"id":"0190c1a0-0000-7000-8000-000000000001","type":"x","source":"t","occurred_at":"2026-01-01T00:00:00Z","payload":{}}"#
            let userToken = try await issuer.token(roles: [.admin])
            try await client.execute(
                uri: "/internal/events", method: .post, headers: [.authorization: "Bearer \(userToken)", .contentType: "application/json"],
                body: .init(string: envelope)
            ) { response async throws in
                #expect(response.status == .forbidden)
            }
            try await client.execute(
                uri: "/internal/events", method: .post, headers: [.contentType: "application/json"], body: .init(string: envelope)
            ) { response async throws in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == #"Bearer error="invalid_request""#)
            }
        }
    }

    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// Issue 11, item 7: a cache past its lifetime keeps verifying while auth cannot be reached.
@Suite struct StaleKeySetTests {
    @Test func staleKeysKeepVerifyingWhileAuthIsDown() async throws {
        let issuer = try TestIssuer()
        let verifier = try await issuer.serve { url in
            let verifier = TokenVerifier(
                configuration: issuer.identityConfiguration(url),
                cacheLifetime: .milliseconds(50),
                logger: Logger(label: "test.verifier")
            )
            _ = try await verifier.verify(try await issuer.token())
            return verifier
        }
        // The JWKS server is gone and the cache is past its lifetime.
        try await Task.sleep(for: .milliseconds(150))
        let identity = try await verifier.verify(try await issuer.token(subject: "user-2"))
        #expect(identity.subject == "user-2")
        // A made-up kid still gets a 401, not a 503 from the failed refetch... nor a pass.
        await #expect(throws: Problem.self) {
            try await verifier.verify(try await issuer.token(kid: "key-bogus", signingKey: try EdDSA.PrivateKey()))
        }
    }
}

/// Issue 19: verified tokens are answered from a cache, and what refused them before still does.
@Suite struct CachedTokenTests {
    func verifier(_ issuer: TestIssuer, _ url: URL, cacheLifetime: Duration = .seconds(300)) -> TokenVerifier {
        TokenVerifier(configuration: issuer.identityConfiguration(url), cacheLifetime: cacheLifetime, logger: Logger(label: "test.verifier"))
    }

    @Test func aCachedTokenIsRefusedOnceItHasExpired() async throws {
        let issuer = try TestIssuer()
        try await issuer.serve { url in
            let verifier = self.verifier(issuer, url)
            // Three seconds of life, so the two verifications fit in it on a loaded CI machine (with
            // one second, the first once came after the token had expired); then wait until just
            // past its expiry, counted from when it was made.
            let token = try await issuer.token(subject: "user-1", expiresIn: 3)
            let issued = ContinuousClock.now
            #expect(try await verifier.verify(token).subject == "user-1")
            #expect(try await verifier.verify(token).subject == "user-1")
            try await Task.sleep(until: issued + .milliseconds(3100))
            let refusal = await #expect(throws: Problem.self) { try await verifier.verify(token) }
            #expect(refusal?.status == .unauthorized)
            #expect(refusal?.detail == "The access token has expired.")
        }
    }

    /// A key auth stops publishing stops verifying at the key set's next refresh, as without the
    /// cache: cached tokens signed with it are not answered past that refresh.
    @Test func aCachedTokenIsRefusedOnceItsKeyIsNoLongerPublished() async throws {
        let issuer = try TestIssuer()
        try await issuer.serve { url in
            let verifier = self.verifier(issuer, url, cacheLifetime: .milliseconds(200))
            let token = try await issuer.token(subject: "user-1")
            #expect(try await verifier.verify(token).subject == "user-1")
            try issuer.rotate(kid: "key-2")
            issuer.retire(kid: "key-1")
            try await Task.sleep(for: .milliseconds(300))
            // The first use past the refresh time may still pass on the old set while the new one
            // downloads in the background; within moments the token is refused, and stays so.
            var refused = false
            for _ in 0..<40 where !refused {
                do {
                    _ = try await verifier.verify(token)
                    try await Task.sleep(for: .milliseconds(50))
                } catch let problem as Problem {
                    #expect(problem.status == .unauthorized)
                    refused = true
                }
            }
            #expect(refused)
            await #expect(throws: Problem.self) { try await verifier.verify(token) }
            #expect(try await verifier.verify(try await issuer.token(subject: "user-2")).subject == "user-2")
        }
    }

    @Test func aForgedTokenNeverMatchesACachedOne() async throws {
        let issuer = try TestIssuer()
        try await issuer.serve { url in
            let verifier = self.verifier(issuer, url)
            let token = try await issuer.token(subject: "user-1", roles: [.investor])
            #expect(try await verifier.verify(token).subject == "user-1")
            let parts = token.split(separator: ".").map(String.init)
            let forged =
                parts[0] + "."
                + TokenVerificationTests.base64URL(#"{"sub":"admin","roles":["admin"],"aud":["tract"],"iss":"tract-auth","exp":4102444800}"#)
                + "." + parts[2]
            await #expect(throws: Problem.self) { try await verifier.verify(forged) }
            #expect(try await verifier.verify(token).roles == [.investor])
        }
    }
}
