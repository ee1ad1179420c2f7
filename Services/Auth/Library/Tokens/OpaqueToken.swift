import Crypto
import Foundation
import ServiceKit

/// auth's secrets beyond the kit's `SecretToken` (which makes and hashes refresh tokens, email
/// links and client secrets): refresh-token successors and six-digit codes.
public enum OpaqueToken {
    /// The refresh token that replaces `parent`: HMAC(key, parent). Deterministic, so concurrent
    /// refreshes of one token inside the grace window all receive the same successor without the
    /// server ever storing a token in the clear, and unforgeable without the key.
    public static func successor(of parent: String, key: SymmetricKey) -> String {
        SecretToken.base64URL(Array(HMAC<SHA256>.authenticationCode(for: Data(parent.utf8), using: key)))
    }

    /// A six-digit one-time code, uniformly drawn (no modulo bias).
    public static func sixDigitCode() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%06d", Int.random(in: 0...999_999, using: &generator))
    }
}
