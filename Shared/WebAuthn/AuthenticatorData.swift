import CBOR

/// Authenticator data (WebAuthn §6.1): what the authenticator itself asserts, signed with the
/// credential's key in every ceremony.
public struct AuthenticatorData: Sendable, Equatable {
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let userPresent = Flags(rawValue: 0x01)
        public static let userVerified = Flags(rawValue: 0x04)
        public static let backupEligible = Flags(rawValue: 0x08)
        public static let backedUp = Flags(rawValue: 0x10)
        public static let attestedCredentialData = Flags(rawValue: 0x40)
        public static let extensionData = Flags(rawValue: 0x80)
    }

    /// Present when the AT flag is set (registration).
    public struct AttestedCredential: Sendable, Equatable {
        public var aaguid: [UInt8]
        public var credentialID: [UInt8]
        /// The COSE_Key exactly as encoded, which is what the RP stores.
        public var publicKey: [UInt8]
    }

    public var rpIDHash: [UInt8]
    public var flags: Flags
    public var signCount: UInt32
    public var attestedCredential: AttestedCredential?
    public var extensions: CBOR?

    public static let maximumCredentialIDLength = 1023

    public init(_ bytes: [UInt8]) throws(WebAuthnError) {
        guard bytes.count >= 37 else { throw .malformed("authenticator data is shorter than 37 bytes") }
        self.rpIDHash = Array(bytes[0..<32])
        self.flags = Flags(rawValue: bytes[32])
        self.signCount = bytes[33..<37].reduce(0) { $0 << 8 | UInt32($1) }
        var position = 37
        let decoder = CBORDecoder(maximumDepth: 8, maximumItems: 256, maximumInputSize: bytes.count)
        if self.flags.contains(.attestedCredentialData) {
            guard bytes.count >= position + 18 else { throw .malformed("attested credential data is truncated") }
            let aaguid = Array(bytes[position..<position + 16])
            let length = Int(bytes[position + 16]) << 8 | Int(bytes[position + 17])
            position += 18
            guard length >= 1, length <= Self.maximumCredentialIDLength, bytes.count >= position + length else {
                throw .malformed("credential id length is out of range")
            }
            let credentialID = Array(bytes[position..<position + length])
            position += length
            let key: (item: CBOR, consumed: Int)
            do {
                key = try decoder.decodePrefix(bytes[position...])
            } catch {
                throw .malformed("credential public key is not valid CBOR")
            }
            guard key.item.mapEntries != nil else { throw .malformed("credential public key is not a COSE_Key map") }
            self.attestedCredential = AttestedCredential(
                aaguid: aaguid, credentialID: credentialID, publicKey: Array(bytes[position..<position + key.consumed]))
            position += key.consumed
        }
        if self.flags.contains(.extensionData) {
            do {
                let (item, consumed) = try decoder.decodePrefix(bytes[position...])
                guard item.mapEntries != nil else { throw WebAuthnError.malformed("extensions are not a map") }
                self.extensions = item
                position += consumed
            } catch {
                throw .malformed("extensions are not valid CBOR")
            }
        }
        // Anything left over means the flags and the bytes disagree.
        guard position == bytes.count else { throw .malformed("authenticator data has trailing bytes") }
    }
}
