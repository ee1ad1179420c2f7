import Foundation

/// The shape of a personal API token (issue 16; GitHub's fine-grained tokens are the model):
/// `tract_` + an 8-character lookup prefix + `_` + a 43-character base64url secret (256 random
/// bits). The `tract_` start lets every service tell it from a JWT at a glance, and lets secret
/// scanners (GitHub push protection, gitleaks) spot a leaked one; the lookup prefix is stored in
/// clear so auth finds the row with an index and users can tell their tokens apart; only the
/// SHA-256 of the whole token is stored.
public enum APITokenFormat {
    public static let start = "tract_"
    public static let prefixLength = 8
    /// `tract_` + 8 + `_` + 43.
    public static let length = 6 + 8 + 1 + 43
    /// Lower-case letters and digits: the prefix reads aloud and survives any case-folding UI.
    static let prefixAlphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// Whether `token` claims to be an API token (verified or not): anything starting `tract_`.
    /// A JWT starts with its base64url header (`eyJ`), so the two never meet.
    public static func claims(_ token: String) -> Bool { token.hasPrefix(Self.start) }

    /// A new token and its lookup prefix.
    public static func make() -> (token: String, prefix: String) {
        var generator = SystemRandomNumberGenerator()
        let prefix = String(
            decoding: (0..<Self.prefixLength).map { _ in Self.prefixAlphabet[Int.random(in: 0..<Self.prefixAlphabet.count, using: &generator)] },
            as: UTF8.self)
        return ("\(Self.start)\(prefix)_\(SecretToken.make())", prefix)
    }

    /// The lookup prefix of a well-formed token, or nil: anything else is refused before a query.
    public static func lookupPrefix(of token: String) -> String? {
        let bytes = Array(token.utf8)
        guard bytes.count == Self.length, token.hasPrefix(Self.start), bytes[14] == UInt8(ascii: "_") else { return nil }
        let prefix = bytes[6..<14]
        guard prefix.allSatisfy(Self.prefixAlphabet.contains),
            SecretToken.isWellFormed(String(decoding: bytes[15...], as: UTF8.self))
        else { return nil }
        return String(decoding: prefix, as: UTF8.self)
    }

    /// What is stored in place of the token. A fast hash is enough: the token carries 256 random
    /// bits, so unlike a password there is nothing to guess and no dictionary to slow down;
    /// Argon2 would only add ~50 ms and a memory spike to every API call (as for `SecretToken`).
    public static func hash(_ token: String) -> String { SecretToken.hash(token) }
}
