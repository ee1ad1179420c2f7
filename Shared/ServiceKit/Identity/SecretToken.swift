import Crypto
import Foundation

/// Bearer secrets handed to clients (refresh tokens, email links, share links, dashboard links):
/// 256 random bits, base64url. Only their SHA-256 is stored, so a database leak yields nothing
/// usable; a fast hash is right here because the secret itself has full entropy (unlike a password).
public enum SecretToken {
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return self.base64URL((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// The hex SHA-256 that is stored in place of the secret.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).hexString
    }

    /// Whether `secret` has the shape `make()` gives (43 base64url characters), so anything else
    /// is refused before a query.
    public static func isWellFormed(_ secret: String) -> Bool {
        secret.utf8.count == 43
            && secret.utf8.allSatisfy { byte in
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45 || byte == 95
            }
    }

    /// Compares two secrets (or digests of them) in time that depends only on their length, so a
    /// caller learns nothing from how long a wrong guess took. The one compare every service uses.
    public static func constantTimeEquals(_ left: String, _ right: String) -> Bool {
        let a = Array(left.utf8)
        let b = Array(right.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// Unpadded base64url (RFC 4648 §5), the encoding of every token and signed link.
    public static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Base64URL.encode(bytes)
    }

    /// The bytes of unpadded base64url `text`, or nil when it is anything else.
    public static func bytes(base64URL text: some StringProtocol) -> Data? {
        Base64URL.decode(text)
    }
}
