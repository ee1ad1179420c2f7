import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import ServiceKit
import WebAuthn

extension Passkeys {
    /// `PublicKeyCredentialCreationOptions` for a signed-in user adding a passkey: a resident key
    /// with user verification, any of EdDSA, ES256, RS256, and the user's existing passkeys
    /// excluded so one authenticator is not registered twice.
    func registrationOptions(for user: User, logger: Logger) async throws -> PasskeyOptions {
        let handle = try await self.auth.passkeyStore.userHandle(user.id, logger: logger)
        let existing = try await self.auth.passkeyStore.descriptors(userID: user.id, logger: logger)
        let (id, challenge) = try await self.issueChallenge(.registration, userID: user.id, logger: logger)
        let name = [user.firstName, user.lastName].compactMap { $0 }.joined(separator: " ")
        let options = PasskeyOptions.Creation(
            challenge: Base64URL.encode(challenge),
            rp: .init(id: self.settings.relyingPartyID, name: self.settings.relyingPartyName),
            user: .init(id: Base64URL.encode(handle), name: user.email, displayName: name.isEmpty ? user.email : name),
            pubKeyCredParams: COSEKey.Algorithm.allCases.map { .init(alg: $0.rawValue) },
            timeout: self.timeoutMilliseconds,
            excludeCredentials: existing)
        return try PasskeyOptions(challengeID: id, expiresIn: self.timeoutMilliseconds / 1000, publicKey: options)
    }

    /// Verifies a new credential against the user's registration challenge and stores it.
    func register(_ credential: PasskeyCredential, for user: User, device: Sessions.Device, requestID: String?, logger: Logger) async throws
        -> PasskeyView
    {
        let name = (credential.deviceName ?? "Passkey").trimmingCharacters(in: .whitespacesAndNewlines)
        var errors = FieldErrors()
        if name.isEmpty || name.count > 100 { errors.add("device_name", "must be 1 to 100 characters") }
        try errors.check()
        let credentialID = try credential.credentialID()
        let clientDataJSON = try credential.clientDataJSON()
        let attestationObject = try credential.attestationObject()
        let challenge = try await self.consumeChallenge(clientDataJSON, .registration, userID: user.id, logger: logger)
        // A Result rather than do/catch: Swift 6.3 crashes on a typed-throws catch binding here.
        let outcome = Result<RegisteredCredential, WebAuthnError> { () throws(WebAuthnError) -> RegisteredCredential in
            try WebAuthn.verifyRegistration(
                clientDataJSON: clientDataJSON, attestationObject: attestationObject, expectedChallenge: challenge,
                relyingParty: self.relyingParty, requireUserVerification: true)
        }
        let registered: RegisteredCredential
        switch outcome {
        case .success(let credential): registered = credential
        case .failure(let error):
            logger.notice("passkey registration refused", metadata: ["reason": "\(error)"])
            throw Self.registrationRefused(error)
        }
        guard registered.credentialID == credentialID else {
            throw Problem.validation(field: "rawId", "is not the credential the authenticator created")
        }
        return try await self.auth.postgres.transaction(logger: logger) { connection in
            guard
                let view = try await self.auth.passkeyStore.insert(
                    registered, userID: user.id, deviceName: name, transports: credential.transports, on: connection, logger: logger)
            else {
                throw Problem(
                    .conflict, detail: "This passkey is already registered.", type: "https://tract.dev/problems/passkey-already-registered")
            }
            try await self.auth.history.record(
                .passkeyAdded, userID: user.id, email: user.email, method: "passkey", ip: device.ip, userAgent: device.userAgent, success: true,
                reason: name, on: connection, logger: logger)
            try await AuditLog.record(
                AuditEntry(
                    action: "mfa.passkey_added", actor: .user(user.id), target: .resource(type: "passkey", id: view.id),
                    request: AuditRequest(requestID: requestID, ip: device.ip)),
                on: connection, logger: logger)
            return view
        }
    }

    /// A refused registration names what was wrong with the credential (unlike sign-in, nothing
    /// about an account is revealed: the user is already signed in).
    static func registrationRefused(_ error: WebAuthnError) -> Problem {
        let detail: String =
            switch error {
            case .unsupportedAlgorithm(let alg): "The authenticator's key algorithm \(alg) is not supported (use ES256, EdDSA or RS256)."
            case .unsupportedAttestationFormat(let format): "Attestation format \"\(format)\" is not supported (use none or packed)."
            case .userNotVerified: "The authenticator did not verify the user (PIN or biometric)."
            case .originNotAllowed, .crossOriginRefused: "The passkey was created for another site."
            case .relyingPartyMismatch: "The passkey was created for another relying party."
            case .malformed(let what): "The credential is malformed: \(what)."
            default: "The passkey was not accepted."
            }
        return Problem(.badRequest, detail: detail, type: "https://tract.dev/problems/passkey-refused")
    }
}
