import Crypto
import Foundation

/// Bearer secrets handed to clients (refresh tokens, email links, client secrets): 256 random bits,
/// base64url. Only their SHA-256 is stored, so a database leak yields nothing usable; a fast hash is
/// right here because the secret itself has full entropy (unlike a password).
public enum OpaqueToken {
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return base64URL(bytes)
    }

    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The refresh token that replaces `parent`: HMAC(key, parent). Deterministic, so concurrent
    /// refreshes of one token inside the grace window all receive the same successor without the
    /// server ever storing a token in the clear, and unforgeable without the key.
    public static func successor(of parent: String, key: SymmetricKey) -> String {
        base64URL(Array(HMAC<SHA256>.authenticationCode(for: Data(parent.utf8), using: key)))
    }

    /// A six-digit one-time code, uniformly drawn (no modulo bias).
    public static func sixDigitCode() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%06d", Int.random(in: 0...999_999, using: &generator))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
