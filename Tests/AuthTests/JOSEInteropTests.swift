import Foundation
import TestSupport
import Testing

/// Issue 20: access tokens as third-party clients check them — two independent JOSE libraries
/// from PyPI (joserfc, PyJWT) verify a token right after it is issued against the JWKS auth
/// publishes, with `iss`, `aud`, `exp` and `iat` (no leeway).
@Suite struct JOSEInteropTests {
    @Test func joserfcAndPyJWTVerifyAFreshAccessTokenAgainstThePublishedKeySet() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            // Several tokens, each checked the instant it is issued: a fractional `iat` would fail
            // joserfc for most of them.
            for _ in 0..<3 {
                let token = try #require(try await auth.signIn(email).string("access_token"))
                let header = try #require(Data(base64URL: String(token.split(separator: ".")[0])))
                #expect(String(decoding: header, as: UTF8.self).contains(#""alg":"Ed25519""#))
                let payload = String(decoding: try #require(Data(base64URL: String(token.split(separator: ".")[1]))), as: UTF8.self)
                #expect(payload.range(of: #""iat":\d+[,}]"#, options: .regularExpression) != nil, "iat is a whole number: \(payload)")
                #expect(payload.range(of: #""exp":\d+[,}]"#, options: .regularExpression) != nil, "exp is a whole number: \(payload)")

                let (status, output) = try await RepositoryScripts.run(
                    RepositoryScripts.python,
                    [
                        RepositoryScripts.root.appendingPathComponent("scripts/verify-access-token.py").path,
                        auth.client.baseURL + "/.well-known/jwks.json", "tract-auth", "tract", token,
                    ])
                #expect(status == 0, "both libraries verify the token: \(output)")
                #expect(output.contains(#""jwks_alg": "Ed25519""#), "\(output)")
            }
        }
    }
}

extension Data {
    /// Base64url without padding, as JWS segments are written.
    fileprivate init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
