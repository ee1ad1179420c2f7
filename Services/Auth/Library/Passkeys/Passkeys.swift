import Crypto
import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import ServiceKit
import WebAuthn

/// The passkey ceremonies over auth's tables: challenges issued and spent once, credentials
/// registered and verified. Routes (PasskeyController) and part C's second factor and step-up
/// both go through here.
struct Passkeys: Sendable {
    let auth: AuthContext

    var settings: PasskeySettings { self.auth.settings.passkeys }

    var relyingParty: RelyingParty {
        RelyingParty(id: self.settings.relyingPartyID, origins: Set(self.settings.origins))
    }

    /// Every ceremony asks for user verification, so a passkey alone is two factors.
    static let userVerification = "required"

    static let refused = Problem(
        .unauthorized, detail: "The passkey was not accepted.", type: "https://tract.dev/problems/passkey-refused")
    static let invalidChallenge = Problem(
        .badRequest, detail: "This passkey challenge is invalid, used or expired; ask for new options.",
        type: "https://tract.dev/problems/invalid-challenge")
    static let signCountRegressed = Problem(
        .forbidden, detail: "This passkey's signature counter went backwards, which is what a cloned authenticator does. It was not accepted.",
        type: "https://tract.dev/problems/passkey-sign-count-regressed")

    // MARK: Challenges

    enum Ceremony: String {
        case registration
        case signIn = "sign_in"
        case secondFactor = "second_factor"
        case stepUp = "step_up"

        init(_ purpose: PasskeyPurpose) { self.init(rawValue: purpose.rawValue)! }
    }

    /// A fresh 32-byte challenge bound to its ceremony (and user); only its hash is stored.
    func issueChallenge(_ ceremony: Ceremony, userID: UUID?, logger: Logger) async throws -> (id: UUID, challenge: [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        let challenge = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let id = self.auth.ids.next()
        let seconds = Double(self.settings.challengeLifetime.components.seconds)
        try await self.auth.postgres.query(
            """
            INSERT INTO auth.passkey_challenges (id, challenge_hash, ceremony, user_id, expires_at)
            VALUES (\(id), \(Self.hash(challenge)), \(ceremony.rawValue), \(userID), now() + make_interval(secs => \(seconds)))
            """,
            logger: logger
        )
        return (id, challenge)
    }

    /// Spends the challenge `clientDataJSON` answers, once, for this ceremony and user. Spent
    /// before the signature is checked, so a failed answer also uses it up.
    func consumeChallenge(_ clientDataJSON: [UInt8], _ ceremony: Ceremony, userID: UUID?, logger: Logger) async throws -> [UInt8] {
        let challenge: [UInt8]
        do {
            challenge = try ClientData(clientDataJSON).challenge
        } catch {
            throw Problem.validation(field: "response.clientDataJSON", "is not WebAuthn client data")
        }
        let rows = try await self.auth.postgres.query(
            """
            UPDATE auth.passkey_challenges SET used_at = now()
            WHERE challenge_hash = \(Self.hash(challenge)) AND ceremony = \(ceremony.rawValue)
              AND user_id IS NOT DISTINCT FROM \(userID) AND used_at IS NULL AND expires_at > now()
            RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return challenge }
        throw Self.invalidChallenge
    }

    static func hash(_ bytes: [UInt8]) -> Data { Data(SHA256.hash(data: bytes)) }

    // MARK: Authentication (and part C's API)

    /// `PublicKeyCredentialRequestOptions` for `purpose`. Sign-in is discoverable (no user, empty
    /// `allowCredentials`); the second factor and step-up name `userID` and list their passkeys.
    func assertionOptions(for userID: UUID?, purpose: PasskeyPurpose, logger: Logger) async throws -> PasskeyOptions {
        if purpose != .signIn && userID == nil { throw Problem.unauthorized("A second factor or step-up needs a signed-in user.") }
        let ceremonyUser = purpose == .signIn ? nil : userID
        var allowed: [PasskeyOptions.Descriptor] = []
        if let ceremonyUser {
            allowed = try await self.auth.passkeyStore.descriptors(userID: ceremonyUser, logger: logger)
            guard !allowed.isEmpty else {
                throw Problem(.conflict, detail: "This account has no passkey.", type: "https://tract.dev/problems/no-passkey")
            }
        }
        let (id, challenge) = try await self.issueChallenge(Ceremony(purpose), userID: ceremonyUser, logger: logger)
        let options = PasskeyOptions.Assertion(
            challenge: Base64URL.encode(challenge), timeout: self.timeoutMilliseconds, rpId: self.settings.relyingPartyID,
            allowCredentials: allowed, userVerification: Self.userVerification)
        return try PasskeyOptions(challengeID: id, expiresIn: self.timeoutMilliseconds / 1000, publicKey: options)
    }

    var timeoutMilliseconds: Int { Int(self.settings.challengeLifetime.components.seconds) * 1000 }

    /// Verifies an assertion for `purpose`: spends its challenge, checks the signature with the
    /// stored key, the user handle and the sign count, and records the use. For the second factor
    /// and step-up the passkey must be `expectedUser`'s. A counter that went backwards is
    /// recorded as a security event and refused (403), leaving the passkey as it was.
    func verifyAssertion(
        _ credential: PasskeyCredential, purpose: PasskeyPurpose, expectedUser: UUID?, device: Sessions.Device, logger: Logger
    ) async throws -> VerifiedAssertion {
        if purpose != .signIn && expectedUser == nil { throw Problem.unauthorized("A second factor or step-up needs a signed-in user.") }
        let credentialID = try credential.credentialID()
        let clientDataJSON = try credential.clientDataJSON()
        let authenticatorData = try credential.authenticatorData()
        let signature = try credential.signature()
        let userHandle = try credential.userHandle()
        let challenge = try await self.consumeChallenge(
            clientDataJSON, Ceremony(purpose), userID: purpose == .signIn ? nil : expectedUser, logger: logger)
        guard let stored = try await self.auth.passkeyStore.find(credentialID: credentialID, logger: logger) else {
            throw Self.refused
        }
        if let expectedUser, stored.userID != expectedUser { throw Self.refused }
        // A discoverable sign-in must carry the handle, and it must be the credential's owner's.
        if let userHandle {
            guard let handle = stored.userHandle, Constant.equal(handle, userHandle) else { throw Self.refused }
        } else if purpose == .signIn {
            throw Self.refused
        }
        let key: COSEKey
        do {
            key = try COSEKey(stored.publicKey)
        } catch {
            logger.error("stored passkey key does not parse", metadata: ["passkey_id": "\(stored.id)"])
            throw Self.refused
        }
        // A Result rather than do/catch: Swift 6.3 crashes on a typed-throws catch binding.
        let outcome = Result<VerifiedAuthentication, WebAuthnError> { () throws(WebAuthnError) -> VerifiedAuthentication in
            try WebAuthn.verifyAuthentication(
                clientDataJSON: clientDataJSON, authenticatorData: authenticatorData, signature: signature, expectedChallenge: challenge,
                relyingParty: self.relyingParty, publicKey: key, storedSignCount: stored.signCount, requireUserVerification: true)
        }
        let verified: VerifiedAuthentication
        switch outcome {
        case .success(let result): verified = result
        case .failure(.signCountRegressed(let old, let new)):
            try await self.recordRegression(stored, stored: old, received: new, device: device, logger: logger)
            throw Self.signCountRegressed
        case .failure(let error):
            logger.notice("passkey assertion refused", metadata: ["reason": "\(error)", "passkey_id": "\(stored.id)"])
            try await self.auth.history.record(
                .signInFailed, userID: stored.userID, method: "passkey", ip: device.ip, userAgent: device.userAgent, success: false,
                reason: "passkey_\(Self.reason(error))", logger: logger)
            throw Self.refused
        }
        // WebAuthn §7.2 step 18: backup eligibility is fixed when the credential is made; a change
        // means this is not the authenticator that registered it.
        guard verified.backupEligible == stored.backupEligible else {
            try await self.auth.history.record(
                .signInFailed, userID: stored.userID, method: "passkey", ip: device.ip, userAgent: device.userAgent, success: false,
                reason: "passkey_backup_eligibility_changed", logger: logger)
            throw Self.refused
        }
        // The counter moves only forward, even against a concurrent assertion with the same count.
        guard try await self.auth.passkeyStore.recordUse(stored.id, verified, logger: logger) else {
            try await self.recordRegression(stored, stored: stored.signCount, received: verified.signCount, device: device, logger: logger)
            throw Self.signCountRegressed
        }
        return VerifiedAssertion(userID: stored.userID, passkeyID: stored.id, userVerified: verified.userVerified)
    }

    func recordRegression(_ passkey: StoredPasskey, stored: UInt32, received: UInt32, device: Sessions.Device, logger: Logger) async throws {
        logger.warning(
            "passkey sign count went backwards",
            metadata: ["passkey_id": "\(passkey.id)", "stored": "\(stored)", "received": "\(received)"])
        try await self.auth.history.record(
            .passkeySignCountRegressed, userID: passkey.userID, method: "passkey", ip: device.ip, userAgent: device.userAgent, success: false,
            reason: "sign count \(received) after \(stored) on passkey \(passkey.id.uuidString.lowercased())", logger: logger)
    }

    static func reason(_ error: WebAuthnError) -> String {
        switch error {
        case .malformed: "malformed"
        case .wrongType: "wrong_type"
        case .challengeMismatch: "challenge_mismatch"
        case .originNotAllowed: "origin_not_allowed"
        case .crossOriginRefused: "cross_origin"
        case .relyingPartyMismatch: "rp_id_mismatch"
        case .userNotPresent: "user_not_present"
        case .userNotVerified: "user_not_verified"
        case .inconsistentBackupFlags: "backup_flags"
        case .missingAttestedCredential: "no_credential"
        case .unsupportedAlgorithm: "unsupported_algorithm"
        case .unsupportedAttestationFormat: "unsupported_attestation"
        case .invalidAttestation: "invalid_attestation"
        case .invalidSignature: "invalid_signature"
        case .signCountRegressed: "sign_count_regressed"
        }
    }
}

extension AuthContext {
    /// Passkey ceremonies for this context (part C calls `assertionOptions` and `verifyAssertion`).
    var passkeys: Passkeys { Passkeys(auth: self) }
    var passkeyStore: PasskeyStore { PasskeyStore(postgres: self.postgres, ids: self.ids) }
}
