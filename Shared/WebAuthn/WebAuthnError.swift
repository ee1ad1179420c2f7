/// Why the relying party refused a ceremony. Each case names the check that failed, for logs and
/// tests; clients are told only that the passkey was refused (and, for a clone, that it was).
public enum WebAuthnError: Error, Equatable, Sendable {
    case malformed(String)
    case wrongType(expected: String)
    case challengeMismatch
    case originNotAllowed(String)
    case crossOriginRefused
    case relyingPartyMismatch
    case userNotPresent
    case userNotVerified
    /// Backed up without being backup-eligible (WebAuthn §6.1: BS requires BE).
    case inconsistentBackupFlags
    case missingAttestedCredential
    case unsupportedAlgorithm(Int)
    case unsupportedAttestationFormat(String)
    case invalidAttestation(String)
    case invalidSignature
    /// The authenticator's counter did not move forward: a cloned authenticator, or a replay.
    case signCountRegressed(stored: UInt32, received: UInt32)
}
