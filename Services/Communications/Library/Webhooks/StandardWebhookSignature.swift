import Crypto
import Foundation
import HTTPTypes
import ServiceKit

/// Standard Webhooks v1 signatures (https://www.standardwebhooks.com, "Signature scheme"): the one
/// code path for webhooks Tract sends (Webhooks/) and the ones it receives (bounce intake,
/// Suppressions/). Pure: no clock, no I/O; the caller passes `now`.
enum StandardWebhookSignature {
    /// The spec's header names.
    static let idHeader = HTTPField.Name("webhook-id")!
    static let timestampHeader = HTTPField.Name("webhook-timestamp")!
    static let signatureHeader = HTTPField.Name("webhook-signature")!

    /// The spec's recommended tolerance: a timestamp further than this from now, either way, is
    /// refused, so a captured request cannot be replayed later.
    static let defaultTolerance: Duration = .seconds(5 * 60)

    /// A symmetric signing secret: `whsec_` + base64 of its bytes. The spec asks for 24 to 64
    /// bytes; we generate 32.
    struct Secret: Sendable, Equatable {
        static let prefix = "whsec_"
        static let generatedByteCount = 32
        static let allowedByteCounts = 24...64

        let bytes: [UInt8]

        init(bytes: [UInt8]) { self.bytes = bytes }

        /// Reads `whsec_<base64>` (the prefix is optional, as in the reference libraries, so a
        /// provider's bare base64 secret works too).
        init(parsing text: String) throws(SecretMalformed) {
            let encoded = text.hasPrefix(Self.prefix) ? String(text.dropFirst(Self.prefix.count)) : text
            guard let data = Data(base64Encoded: encoded), Self.allowedByteCounts.contains(data.count) else { throw SecretMalformed() }
            self.bytes = Array(data)
        }

        static func generate() -> Secret {
            var generator = SystemRandomNumberGenerator()
            return Secret(bytes: (0..<Self.generatedByteCount).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }

        /// The form shown to the endpoint's owner, once.
        var encoded: String { Self.prefix + Data(self.bytes).base64EncodedString() }
    }

    struct SecretMalformed: Error, Equatable {}

    /// Why a received webhook was refused; the caller answers 401 for all of them without saying which.
    enum VerificationFailure: Error, Equatable {
        case missingHeaders
        case malformedTimestamp
        case timestampTooOld
        case timestampTooNew
        case noMatchingSignature
    }

    /// `v1,<base64 HMAC-SHA256(secret, "id.timestamp.body")>`.
    static func sign(id: String, timestamp: Int64, body: some DataProtocol, secret: Secret) -> String {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: secret.bytes))
        hmac.update(data: Data("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }

    /// The `webhook-signature` value for a message signed with each secret in turn, space separated:
    /// during a rotation's overlap both the new and the previous secret sign, so a receiver that
    /// still has either one verifies.
    static func signatureHeaderValue(id: String, timestamp: Int64, body: some DataProtocol, secrets: [Secret]) -> String {
        secrets.map { self.sign(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }

    /// Checks a received webhook: the timestamp within `tolerance` of `now`, and some `v1`
    /// signature in the (space-separated) header made by one of `secrets`. Other versions are
    /// skipped, as the spec asks. Compares in constant time.
    static func verify(
        id: String, timestamp: String, signatureHeader: String, body: some DataProtocol, secrets: [Secret], now: Date,
        tolerance: Duration = defaultTolerance
    ) throws(VerificationFailure) {
        guard !id.isEmpty, !signatureHeader.isEmpty else { throw .missingHeaders }
        // Digits only (no sign, no spaces) and a sane length, so `Int64` parsing cannot be steered.
        guard (1...12).contains(timestamp.utf8.count), timestamp.utf8.allSatisfy({ (48...57).contains($0) }),
            let seconds = Int64(timestamp)
        else { throw .malformedTimestamp }
        let toleranceSeconds = Double(tolerance.components.seconds)
        let skew = now.timeIntervalSince1970 - Double(seconds)
        if skew > toleranceSeconds { throw .timestampTooOld }
        if skew < -toleranceSeconds { throw .timestampTooNew }
        let offered = signatureHeader.split(separator: " ", omittingEmptySubsequences: true).compactMap { part -> String? in
            guard part.hasPrefix("v1,") else { return nil }
            return String(part.dropFirst(3))
        }
        for secret in secrets {
            let expected = String(self.sign(id: id, timestamp: seconds, body: body, secret: secret).dropFirst(3))
            // Every offered signature is compared even after a match, so timing says nothing about which one matched.
            var matched = false
            for candidate in offered where SecretToken.constantTimeEquals(candidate, expected) { matched = true }
            if matched { return }
        }
        throw .noMatchingSignature
    }

    /// The same, reading the three headers from a request.
    static func verify(
        headers: HTTPFields, body: some DataProtocol, secrets: [Secret], now: Date, tolerance: Duration = defaultTolerance
    ) throws(VerificationFailure) {
        guard let id = headers[self.idHeader], let timestamp = headers[self.timestampHeader], let signature = headers[self.signatureHeader]
        else { throw .missingHeaders }
        try self.verify(id: id, timestamp: timestamp, signatureHeader: signature, body: body, secrets: secrets, now: now, tolerance: tolerance)
    }
}
