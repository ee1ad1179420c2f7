import Foundation
import Hummingbird
import ServiceKit

/// Ceremony options as the client hands them to `navigator.credentials.create/get` (through
/// `PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON`), so
/// `public_key` keeps WebAuthn's camelCase names, while the envelope follows Tract's snake_case:
/// `{"challenge_id": "...", "expires_in": 300, "public_key": {...}}`.
struct PasskeyOptions: ResponseGenerator, Sendable {
    var challengeID: UUID
    /// The `public_key` object's JSON text.
    var publicKey: String
    var expiresIn: Int

    init(challengeID: UUID, expiresIn: Int, publicKey: some Encodable) throws {
        self.challengeID = challengeID
        self.expiresIn = expiresIn
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.publicKey = String(decoding: try encoder.encode(publicKey), as: UTF8.self)
    }

    var json: String {
        "{\"challenge_id\":\"\(self.challengeID.uuidString.lowercased())\",\"expires_in\":\(self.expiresIn),\"public_key\":\(self.publicKey)}"
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        // A challenge is single-use: never cached.
        try JSONDocument(self.json, headers: [.cacheControl: "no-store"]).response(from: request, context: context)
    }

    struct Descriptor: Encodable, Sendable {
        var type = "public-key"
        var id: String
        var transports: [String]?
    }

    /// `PublicKeyCredentialRequestOptionsJSON` (WebAuthn §5.1.9).
    struct Assertion: Encodable, Sendable {
        var challenge: String
        var timeout: Int
        var rpId: String
        var allowCredentials: [Descriptor]
        var userVerification: String
    }

    /// `PublicKeyCredentialCreationOptionsJSON` (WebAuthn §5.1.8).
    struct Creation: Encodable, Sendable {
        struct RelyingParty: Encodable, Sendable {
            var id: String
            var name: String
        }
        struct User: Encodable, Sendable {
            var id: String
            var name: String
            var displayName: String
        }
        struct Parameter: Encodable, Sendable {
            var type = "public-key"
            var alg: Int
        }
        struct Selection: Encodable, Sendable {
            var residentKey = "required"
            var requireResidentKey = true
            var userVerification = Passkeys.userVerification
        }
        var challenge: String
        var rp: RelyingParty
        var user: User
        var pubKeyCredParams: [Parameter]
        var timeout: Int
        var excludeCredentials: [Descriptor]
        var authenticatorSelection = Selection()
        /// "none": Tract trusts no attestation roots, so asking for one would only add a consent
        /// prompt; `packed` is still verified when an authenticator sends it.
        var attestation = "none"
        var hints: [String] = []
    }
}
