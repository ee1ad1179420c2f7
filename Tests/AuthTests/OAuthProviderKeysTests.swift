import Crypto
import Foundation
import Hummingbird
import JWTKit
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceKit
import TestSupport
import Testing

@testable import AuthService

/// `ProviderKeys` against a provider served over real HTTP, whose key set the test rotates: the
/// signature checks and the cache's bounds (a new `kid` is fetched once, made-up ones do not
/// become a flood), which oidc-provider-mock's single fixed key cannot show.
@Suite struct OAuthProviderKeysTests {
    /// A provider publishing the public halves of `keys` (kid → key) at its JWKS.
    final class Provider: Sendable {
        let keys = NIOLockedValueBox<[String: ES256PrivateKey]>([:])
        let base = NIOLockedValueBox<String>("")
        let issuer = NIOLockedValueBox<String?>(nil)
        let jwksFetches = NIOLockedValueBox(0)

        var router: Router<BasicRequestContext> {
            let router = Router()
            router.get(".well-known/openid-configuration") { _, _ -> Response in
                let base = self.base.withLockedValue { $0 }
                let issuer = self.issuer.withLockedValue { $0 } ?? base
                return Self.json(
                    #"{"issuer":"\#(issuer)","authorization_endpoint":"\#(base)/authorize","token_endpoint":"\#(base)/token","jwks_uri":"\#(base)/jwks","id_token_signing_alg_values_supported":["ES256","RS256"]}"#
                )
            }
            router.get("jwks") { _, _ -> Response in
                self.jwksFetches.withLockedValue { $0 += 1 }
                let keys = self.keys.withLockedValue { $0 }.map { kid, key in
                    let parameters = key.publicKey.parameters!
                    return #"{"kty":"EC","crv":"P-256","use":"sig","kid":"\#(kid)","x":"\#(parameters.x)","y":"\#(parameters.y)"}"#
                }
                return Self.json(#"{"keys":[\#(keys.joined(separator: ",")),{"kty":"oct","kid":"symmetric","k":"c2VjcmV0"}]}"#)
            }
            return router
        }

        static func json(_ text: String) -> Response {
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }

        func sign(kid: String?, with key: ES256PrivateKey, sub: String = "user-1") async throws -> String {
            let collection = JWTKeyCollection()
            await collection.add(ecdsa: key, kid: kid.map { JWKIdentifier(string: $0) })
            let claims = IDTokenClaims(
                iss: self.base.withLockedValue { $0 }, sub: sub, aud: ["tract"], exp: Date().addingTimeInterval(300), iat: Date(), nonce: "n")
            return try await collection.sign(claims, kid: kid.map { JWKIdentifier(string: $0) })
        }
    }

    static func failure(_ keys: ProviderKeys, _ token: String) async -> IDTokenSignatureFailure? {
        do {
            _ = try await keys.verifySignature(token)
            return nil
        } catch {
            return error
        }
    }

    static func forged(alg: String, kid: String, payloadFrom token: String) -> String {
        let header = SecretToken.base64URL(Array(#"{"alg":"\#(alg)","kid":"\#(kid)"}"#.utf8))
        let payload = token.split(separator: ".")[1]
        return
            "\(header).\(payload).\(SecretToken.base64URL(Array(HMAC<SHA256>.authenticationCode(for: Data("\(header).\(payload)".utf8), using: SymmetricKey(data: Data("c2VjcmV0".utf8))))))"
    }

    @Test func signaturesAreCheckedAndANewKeyIsFetchedOnceNotOnEveryMadeUpKid() async throws {
        let provider = Provider()
        let first = ES256PrivateKey()
        provider.keys.withLockedValue { $0 = ["k1": first] }
        try await withLocalServer(provider.router) { base in
            provider.base.withLockedValue { $0 = base.absoluteString.hasSuffix("/") ? String(base.absoluteString.dropLast()) : base.absoluteString }
            let keys = ProviderKeys(
                provider: "local", discoveryURL: OAuthSettings.discoveryDocument(base), logger: Logger(label: "test.provider-keys"))

            let good = try await provider.sign(kid: "k1", with: first)
            #expect(try await keys.verifySignature(good).sub == "user-1")
            #expect(provider.jwksFetches.withLockedValue { $0 } == 1)

            // Another key claiming to be k1; no signature; the HMAC-with-a-public-key trick; none.
            #expect(await Self.failure(keys, try await provider.sign(kid: "k1", with: ES256PrivateKey())) == .badSignature)
            #expect(await Self.failure(keys, String(good.prefix(upTo: good.lastIndex(of: ".")!)) + ".") == .badSignature)
            #expect(await Self.failure(keys, Self.forged(alg: "HS256", kid: "symmetric", payloadFrom: good)) == .algorithmRefused)
            #expect(await Self.failure(keys, Self.forged(alg: "none", kid: "k1", payloadFrom: good)) == .algorithmRefused)
            // RS256 is declared by the provider but k1 is an EC key.
            #expect(await Self.failure(keys, Self.forged(alg: "RS256", kid: "k1", payloadFrom: good)) == .algorithmRefused)
            #expect(await Self.failure(keys, "not.a.jwt") == .malformed)
            #expect(await Self.failure(keys, String(repeating: "a", count: 20_000)) == .malformed)

            // The provider rotates: a token under the new kid makes one fetch and verifies.
            let second = ES256PrivateKey()
            provider.keys.withLockedValue { $0["k2"] = second }
            #expect(try await keys.verifySignature(try await provider.sign(kid: "k2", with: second)).sub == "user-1")
            #expect(provider.jwksFetches.withLockedValue { $0 } == 2)

            // Made-up kids within a minute of that refetch cost the provider nothing more.
            for index in 0..<20 {
                #expect(await Self.failure(keys, try await provider.sign(kid: "made-up-\(index)", with: second)) == .unknownKey)
            }
            #expect(provider.jwksFetches.withLockedValue { $0 } == 2)

            // Without a kid every key is tried.
            #expect(try await keys.verifySignature(try await provider.sign(kid: nil, with: second)).sub == "user-1")
        }
    }

    @Test func aDiscoveryDocumentNamingAnotherIssuerIsRefused() async throws {
        let provider = Provider()
        provider.issuer.withLockedValue { $0 = "https://accounts.google.com" }
        try await withLocalServer(provider.router) { base in
            provider.base.withLockedValue { $0 = base.absoluteString }
            let keys = ProviderKeys(provider: "local", discoveryURL: OAuthSettings.discoveryDocument(base), logger: Logger(label: "test"))
            await #expect(throws: Problem.self) { try await keys.discovery() }
        }
    }
}
