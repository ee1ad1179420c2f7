import Foundation
import HummingbirdOTP
import ServiceKit

/// RFC 6238 codes: SHA-1, six digits, 30-second steps (what every authenticator app defaults to),
/// computed by HummingbirdOTP. No I/O; the store keeps the secret and the last accepted step.
struct TOTPCode: Sendable {
    static let period = 30
    static let digits = 6
    /// RFC 6238 §5.2: one step either side absorbs clock drift and the time a person takes to
    /// type; two steps is refused (a code lives at most 90 seconds).
    static let window = 1

    /// The shared secret. HummingbirdOTP keys its HMAC with the secret's UTF-8 bytes, so the
    /// secret is text: 32 characters from a 62-letter alphabet, about 190 bits (RFC 4226 §4 asks
    /// for at least 128 and recommends 160).
    let secret: String

    static func generateSecret() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// The time step `date` falls in.
    static func step(at date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / Double(Self.period)).rounded(.down))
    }

    /// The code of `step`, zero-padded.
    func code(step: Int64) -> String {
        let value = TOTP(secret: self.secret, length: Self.digits, timeStep: Self.period).compute(
            date: Date(timeIntervalSince1970: Double(step * Int64(Self.period))))
        let text = String(value)
        return String(repeating: "0", count: max(0, Self.digits - text.count)) + text
    }

    /// The latest step within the window whose code is `code`, or nil. Every step of the window
    /// is compared, in constant time, so timing does not say which one matched.
    func matchingStep(_ code: String, at date: Date) -> Int64? {
        let now = Self.step(at: date)
        var matched: Int64?
        for step in (now - Int64(Self.window))...(now + Int64(Self.window)) where SecretToken.constantTimeEquals(self.code(step: step), code) {
            matched = step
        }
        return matched
    }

    /// A code as people type it ("123 456", "123-456"): the six digits, or nil when it is not one.
    static func normalize(_ input: String) -> String? {
        let digits = input.filter { $0 != " " && $0 != "-" }
        guard digits.count == Self.digits, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return digits
    }

    /// The `otpauth://` URI authenticator apps scan (Key Uri Format): HummingbirdOTP's, with the
    /// defaults spelled out because some apps do not assume them.
    func authenticatorURI(account: String, issuer: String) -> String {
        TOTP(secret: self.secret, length: Self.digits, timeStep: Self.period)
            .createAuthenticatorURL(label: "\(issuer):\(account)", issuer: issuer)
            + "&algorithm=SHA1&digits=\(Self.digits)&period=\(Self.period)"
    }

    /// The secret in base32 (RFC 4648, no padding), as typed into an app by hand.
    var base32Secret: String {
        Base32.encode(Array(self.secret.utf8))
    }
}

/// RFC 4648 base32, upper case, without padding (what authenticator apps take).
enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                output.append(Self.alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { output.append(Self.alphabet[(buffer << (5 - bits)) & 31]) }
        return String(decoding: output, as: UTF8.self)
    }
}
