import Crypto
import Foundation
import ServiceKit

/// TOTP MFA, recovery codes, MFA tickets and step-up (issue 15; README, "MFA and step-up").
/// The TOTP secrets and recovery-code hashes are keyed from `SIGNING_KEY_ENCRYPTION_KEY` by HKDF
/// (`AuthSettings.totpSecretKey`, `.recoveryCodeKey`), so there is no second key to manage.
public struct MFASettings: Sendable {
    /// `MFA_ISSUER` (default `Tract`): the issuer and label prefix authenticator apps show.
    public var issuer: String
    /// `MFA_TICKET_TTL_SECONDS` (default 300, at most 300): how long the second step of a sign-in
    /// may take.
    public var ticketLifetime: Duration
    /// `MFA_TICKET_ATTEMPTS` (default 5): wrong codes one ticket allows before a new sign-in.
    public var ticketAttempts: Int
    /// `RATE_LIMIT_MFA_PER_5MIN_PER_IP` (30): second-factor checks (verify, step-up, confirm) from
    /// one address.
    public var checksPerIP: TokenBucket
    /// `RATE_LIMIT_MFA_PER_5MIN_PER_USER` (10): second-factor checks for one signed-in user
    /// (step-up, confirm, and verify per ticket's user), whatever address they come from.
    public var checksPerUser: TokenBucket

    public init(
        issuer: String = "Tract",
        ticketLifetime: Duration = .seconds(300),
        ticketAttempts: Int = 5,
        checksPerIP: TokenBucket = TokenBucket(30, per: .seconds(300)),
        checksPerUser: TokenBucket = TokenBucket(10, per: .seconds(300))
    ) {
        self.issuer = issuer
        self.ticketLifetime = ticketLifetime
        self.ticketAttempts = ticketAttempts
        self.checksPerIP = checksPerIP
        self.checksPerUser = checksPerUser
    }

    static func fromEnvironment(_ environment: EnvironmentReader) throws -> MFASettings {
        let issuer = environment.string("MFA_ISSUER", default: "Tract")
        // The issuer is the label prefix of the otpauth URI (`Issuer:email`), so no colon.
        guard (1...40).contains(issuer.count), !issuer.contains(":") else {
            throw ConfigurationError(variable: "MFA_ISSUER", reason: "must be 1 to 40 characters without a colon")
        }
        return MFASettings(
            issuer: issuer,
            ticketLifetime: .seconds(try environment.integer("MFA_TICKET_TTL_SECONDS", default: 300, range: 30...300)),
            ticketAttempts: try environment.integer("MFA_TICKET_ATTEMPTS", default: 5, range: 1...10),
            checksPerIP: TokenBucket(try environment.integer("RATE_LIMIT_MFA_PER_5MIN_PER_IP", default: 30, range: 1...100_000), per: .seconds(300)),
            checksPerUser: TokenBucket(
                try environment.integer("RATE_LIMIT_MFA_PER_5MIN_PER_USER", default: 10, range: 1...10_000), per: .seconds(300))
        )
    }
}

extension AuthSettings {
    /// Seals TOTP secrets (AES-GCM), kept apart from the signing-key sealing key by HKDF.
    var totpSecretKey: SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: self.keyEncryptionKey, info: Data("tract totp-secret v1".utf8), outputByteCount: 32)
    }

    /// Keys the recovery-code hashes (HMAC-SHA-256), so a copy of the table cannot test guesses.
    var recoveryCodeKey: SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: self.keyEncryptionKey, info: Data("tract recovery-code v1".utf8), outputByteCount: 32)
    }
}
