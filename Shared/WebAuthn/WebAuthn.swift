import CBOR
import Crypto

/// WebAuthn Level 3 relying-party verification: registration (§7.1) and authentication (§7.2)
/// ceremonies, knowing nothing of accounts or storage. Challenges are found and spent by the
/// caller; this checks everything the authenticator and the browser signed.
public enum WebAuthn {}

/// Who the relying party is and where its pages run.
public struct RelyingParty: Sendable {
    public var id: String
    /// Exact origins (scheme, host, port) clientDataJSON may name.
    public var origins: Set<String>
    /// Top-level origins allowed to embed a ceremony in a cross-origin iframe; none by default.
    public var allowedTopOrigins: Set<String>

    public init(id: String, origins: Set<String>, allowedTopOrigins: Set<String> = []) {
        self.id = id
        self.origins = origins
        self.allowedTopOrigins = allowedTopOrigins
    }

    var idHash: [UInt8] { Array(SHA256.hash(data: Array(self.id.utf8))) }
}

/// A credential the registration ceremony accepted: what the RP stores.
public struct RegisteredCredential: Sendable {
    public var credentialID: [UInt8]
    /// The COSE_Key bytes as the authenticator encoded them.
    public var publicKey: [UInt8]
    public var algorithm: COSEKey.Algorithm
    public var signCount: UInt32
    public var aaguid: [UInt8]
    public var format: String
    public var attestation: AttestationType
    public var userVerified: Bool
    public var backupEligible: Bool
    public var backedUp: Bool
}

/// What an accepted assertion tells the RP to update.
public struct VerifiedAuthentication: Sendable, Equatable {
    public var signCount: UInt32
    public var userVerified: Bool
    public var backupEligible: Bool
    public var backedUp: Bool
}

extension WebAuthn {
    public static let maximumAttestationObjectSize = 16 * 1024

    /// Registration (§7.1 steps 5–24, without the RP's own policy on which attestations to
    /// trust): client data, RP ID hash, flags, the credential key and the attestation statement.
    public static func verifyRegistration(
        clientDataJSON: [UInt8], attestationObject: [UInt8], expectedChallenge: [UInt8], relyingParty: RelyingParty, requireUserVerification: Bool
    ) throws(WebAuthnError) -> RegisteredCredential {
        let clientData = try ClientData(clientDataJSON)
        try clientData.check(type: "webauthn.create", challenge: expectedChallenge, relyingParty: relyingParty)
        guard attestationObject.count <= Self.maximumAttestationObjectSize else { throw .malformed("attestation object is too large") }
        let object: CBOR
        do {
            object = try CBORDecoder(maximumDepth: 8, maximumItems: 512, maximumInputSize: Self.maximumAttestationObjectSize).decode(
                attestationObject)
        } catch {
            throw .malformed("attestation object is not valid CBOR")
        }
        guard let format = object["fmt"]?.textString, let statement = object["attStmt"], statement.mapEntries != nil,
            let rawAuthenticatorData = object["authData"]?.byteString
        else {
            throw .malformed("attestation object needs fmt, attStmt and authData")
        }
        let authenticatorData = try AuthenticatorData(rawAuthenticatorData)
        try Self.checkFlags(authenticatorData, relyingParty: relyingParty, requireUserVerification: requireUserVerification)
        guard authenticatorData.flags.contains(.attestedCredentialData), let credential = authenticatorData.attestedCredential else {
            throw .missingAttestedCredential
        }
        let key = try COSEKey(credential.publicKey)
        let attestation = try Attestation.verify(
            format: format, statement: statement, authenticatorData: authenticatorData, rawAuthenticatorData: rawAuthenticatorData,
            clientDataHash: Array(SHA256.hash(data: clientDataJSON)), credentialKey: key)
        return RegisteredCredential(
            credentialID: credential.credentialID, publicKey: credential.publicKey, algorithm: key.algorithm, signCount: authenticatorData.signCount,
            aaguid: credential.aaguid, format: format, attestation: attestation,
            userVerified: authenticatorData.flags.contains(.userVerified),
            backupEligible: authenticatorData.flags.contains(.backupEligible), backedUp: authenticatorData.flags.contains(.backedUp))
    }

    /// Authentication (§7.2 steps 10–22): client data, RP ID hash, flags, the signature over
    /// authenticatorData || SHA-256(clientDataJSON) by the stored key, and the sign-count rule.
    public static func verifyAuthentication(
        clientDataJSON: [UInt8], authenticatorData rawAuthenticatorData: [UInt8], signature: [UInt8], expectedChallenge: [UInt8],
        relyingParty: RelyingParty, publicKey: COSEKey, storedSignCount: UInt32, requireUserVerification: Bool
    ) throws(WebAuthnError) -> VerifiedAuthentication {
        let clientData = try ClientData(clientDataJSON)
        try clientData.check(type: "webauthn.get", challenge: expectedChallenge, relyingParty: relyingParty)
        guard rawAuthenticatorData.count <= 4096 else { throw .malformed("authenticator data is too large") }
        let authenticatorData = try AuthenticatorData(rawAuthenticatorData)
        try Self.checkFlags(authenticatorData, relyingParty: relyingParty, requireUserVerification: requireUserVerification)
        guard signature.count <= 1024, publicKey.isValidSignature(signature, for: rawAuthenticatorData + SHA256.hash(data: clientDataJSON)) else {
            throw .invalidSignature
        }
        // §7.2 step 21: a counter that is in use must move forward; a counter stuck at zero on
        // both sides means the authenticator does not keep one (passkeys synced across devices).
        let received = authenticatorData.signCount
        if (received != 0 || storedSignCount != 0) && received <= storedSignCount {
            throw .signCountRegressed(stored: storedSignCount, received: received)
        }
        return VerifiedAuthentication(
            signCount: received, userVerified: authenticatorData.flags.contains(.userVerified),
            backupEligible: authenticatorData.flags.contains(.backupEligible), backedUp: authenticatorData.flags.contains(.backedUp))
    }

    static func checkFlags(_ data: AuthenticatorData, relyingParty: RelyingParty, requireUserVerification: Bool) throws(WebAuthnError) {
        guard Constant.equal(data.rpIDHash, relyingParty.idHash) else { throw .relyingPartyMismatch }
        guard data.flags.contains(.userPresent) else { throw .userNotPresent }
        if requireUserVerification && !data.flags.contains(.userVerified) { throw .userNotVerified }
        if data.flags.contains(.backedUp) && !data.flags.contains(.backupEligible) { throw .inconsistentBackupFlags }
    }
}
