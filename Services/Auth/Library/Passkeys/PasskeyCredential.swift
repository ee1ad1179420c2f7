import Foundation
import HTTPTypes
import ServiceKit
import WebAuthn

/// Why a passkey is asked for. A challenge is issued for one purpose and spent only for it, and
/// for the second factor and step-up only by the user it was issued to.
enum PasskeyPurpose: String, Sendable, Codable, CaseIterable {
    /// Discoverable sign-in: nobody is known until the authenticator names the credential.
    case signIn = "sign_in"
    /// The second step of a sign-in that began with a password, a link or a provider (part C).
    case secondFactor = "second_factor"
    /// Proving again, within a session, before a money move or a security change (part C).
    case stepUp = "step_up"
}

/// A `PublicKeyCredential` as browsers serialise it (`toJSON()`, WebAuthn §5.1.8/§5.1.9):
/// binary fields are base64url. The same shape answers registration and authentication; each
/// reads the response fields it needs and refuses the body when they are missing.
struct PasskeyCredential: Decodable, Sendable {
    var id: String
    var rawId: String
    var type: String
    var response: Response
    var authenticatorAttachment: String?
    /// Registration only: what the user calls this passkey (1–100 characters).
    var deviceName: String?

    struct Response: Decodable, Sendable {
        var clientDataJSON: String
        /// Registration.
        var attestationObject: String?
        var transports: [String]?
        /// Authentication.
        var authenticatorData: String?
        var signature: String?
        var userHandle: String?
    }

    /// Limits on the decoded sizes, checked before anything is parsed.
    static let maximumClientDataSize = 4096
    static let maximumAttestationSize = WebAuthn.maximumAttestationObjectSize
    static let maximumAuthenticatorDataSize = 4096
    static let maximumSignatureSize = 1024

    /// The credential id, which must be the same in `id` and `rawId`.
    func credentialID() throws -> [UInt8] {
        var errors = FieldErrors()
        if self.type != "public-key" { errors.add("type", "must be \"public-key\"") }
        let raw = Base64URL.decode(self.rawId)
        if raw == nil || raw!.isEmpty || raw!.count > AuthenticatorData.maximumCredentialIDLength {
            errors.add("rawId", "must be a base64url credential id of 1 to 1023 bytes")
        } else if Base64URL.decode(self.id) != raw {
            errors.add("id", "must be the same credential id as rawId")
        }
        try errors.check()
        return raw!
    }

    func clientDataJSON() throws -> [UInt8] {
        try Self.field(self.response.clientDataJSON, "response.clientDataJSON", limit: Self.maximumClientDataSize)
    }

    func attestationObject() throws -> [UInt8] {
        try Self.field(self.response.attestationObject, "response.attestationObject", limit: Self.maximumAttestationSize)
    }

    func authenticatorData() throws -> [UInt8] {
        try Self.field(self.response.authenticatorData, "response.authenticatorData", limit: Self.maximumAuthenticatorDataSize)
    }

    func signature() throws -> [UInt8] {
        try Self.field(self.response.signature, "response.signature", limit: Self.maximumSignatureSize)
    }

    /// The user handle when sent; an empty string counts as absent (some clients send it so).
    func userHandle() throws -> [UInt8]? {
        guard let text = self.response.userHandle, !text.isEmpty else { return nil }
        return try Self.field(text, "response.userHandle", limit: 64)
    }

    /// Transports the authenticator reported, kept as hints for the next ceremony.
    var transports: [String] {
        let known: Set = ["usb", "nfc", "ble", "smart-card", "hybrid", "internal", "cable"]
        return Array((self.response.transports ?? []).filter { known.contains($0) }.prefix(8))
    }

    static func field(_ text: String?, _ name: String, limit: Int) throws -> [UInt8] {
        guard let text else { throw Problem.validation(field: name, "is required") }
        // Base64 takes four characters for three bytes; refusing long text first bounds the decoding.
        guard text.utf8.count <= (limit * 4 + 2) / 3, let bytes = Base64URL.decode(text), !bytes.isEmpty, bytes.count <= limit else {
            throw Problem.validation(field: name, "must be base64url of at most \(limit) bytes")
        }
        return bytes
    }
}

/// What part C learns from a verified assertion.
struct VerifiedAssertion: Sendable, Equatable {
    var userID: UUID
    var passkeyID: UUID
    var userVerified: Bool
}
