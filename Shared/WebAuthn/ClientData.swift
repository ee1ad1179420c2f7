import Foundation

/// The collected client data (WebAuthn §5.8.1) the browser wrote and the authenticator signed a
/// hash of. Parsed from the exact bytes, which are also what gets hashed.
public struct ClientData: Sendable, Equatable {
    public var type: String
    public var challenge: [UInt8]
    public var origin: String
    public var crossOrigin: Bool?
    public var topOrigin: String?

    struct Wire: Decodable {
        var type: String
        var challenge: String
        var origin: String
        var crossOrigin: Bool?
        var topOrigin: String?
    }

    public init(_ json: [UInt8]) throws(WebAuthnError) {
        guard json.count <= 4096 else { throw .malformed("clientDataJSON is too large") }
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(json))
        } catch {
            throw .malformed("clientDataJSON is not the expected JSON object")
        }
        // The challenge must be exactly what the RP sent, so its text is decoded strictly.
        guard let challenge = Base64URL.decode(wire.challenge), !wire.challenge.hasSuffix("=") else {
            throw .malformed("clientDataJSON.challenge is not base64url")
        }
        self.type = wire.type
        self.challenge = challenge
        self.origin = wire.origin
        self.crossOrigin = wire.crossOrigin
        self.topOrigin = wire.topOrigin
    }

    /// The checks of WebAuthn §7.1 steps 7–10 and §7.2 steps 10–13 (token binding is obsolete).
    func check(type expected: String, challenge: [UInt8], relyingParty: RelyingParty) throws(WebAuthnError) {
        guard self.type == expected else { throw .wrongType(expected: expected) }
        guard Constant.equal(self.challenge, challenge) else { throw .challengeMismatch }
        guard relyingParty.origins.contains(self.origin) else { throw .originNotAllowed(self.origin) }
        if self.crossOrigin == true || self.topOrigin != nil {
            // A ceremony run in an iframe is accepted only from a top-level origin the RP lists.
            guard let top = self.topOrigin, relyingParty.allowedTopOrigins.contains(top) else { throw .crossOriginRefused }
        }
    }
}

/// Comparisons whose time does not depend on where the inputs differ.
public enum Constant {
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
