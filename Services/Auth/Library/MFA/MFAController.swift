import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// A second factor as a request offers it: exactly one of `code` (TOTP), `recovery_code`,
/// `passkey` (a WebAuthn assertion, as `navigator.credentials.get` returns it).
struct SecondFactorBody: Decodable, Sendable {
    var mfaToken: String?
    var code: String?
    var recoveryCode: String?
    var passkey: PasskeyCredential?
}

enum OfferedFactor: Sendable {
    case totp(String)
    case recoveryCode(String)
    case passkey(PasskeyCredential)

    /// The one factor `body` offers, well-formed, or a 422 naming the field; refused before any
    /// attempt is counted, so a typo costs nothing.
    init(_ body: SecondFactorBody) throws {
        let offered = [body.code != nil, body.recoveryCode != nil, body.passkey != nil].filter { $0 }.count
        guard offered == 1 else { throw Problem.validation(field: "code", "send exactly one of code, recovery_code or passkey") }
        if let code = body.code {
            guard let digits = TOTPCode.normalize(code) else {
                throw Problem.validation(field: "code", "must be the 6 digits your authenticator shows")
            }
            self = .totp(digits)
        } else if let code = body.recoveryCode {
            guard let normalized = RecoveryCodes.normalize(code) else {
                throw Problem.validation(field: "recovery_code", "must be one of your recovery codes (xxxx-xxxx-xxxx-xxxx)")
            }
            self = .recoveryCode(normalized)
        } else if let passkey = body.passkey {
            self = .passkey(passkey)
        } else {
            throw Problem.validation(field: "passkey", "must be a WebAuthn assertion")
        }
    }

    /// The RFC 8176 values the factor adds to the session's `amr` (a recovery code is a one-time
    /// password too).
    var amr: [String] {
        switch self {
        case .totp, .recoveryCode: ["otp"]
        case .passkey: ["hwk", "user"]
        }
    }

    var name: String {
        switch self {
        case .totp: "totp"
        case .recoveryCode: "recovery_code"
        case .passkey: "passkey"
        }
    }
}

struct TOTPEnrolment: Encodable, ResponseGenerator, Sendable {
    var secret: String
    var otpauthUri: String
    var confirm = "POST /v1/auth/mfa/totp/confirm"

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try TractResponseEncoder().encode(self, from: request, context: context)
        response.status = .created
        // The secret is as sensitive as a password.
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

/// Recovery codes, shown once, and (after confirming an authenticator) fresh tokens that carry
/// the new second factor.
struct RecoveryCodesReply: Encodable, ResponseGenerator, Sendable {
    var recoveryCodes: [String]
    var accessToken: String?
    var tokenType: String?
    var expiresIn: Int?

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try TractResponseEncoder().encode(self, from: request, context: context)
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

struct MFAStatus: Encodable, ResponseEncodable, Sendable {
    var totpEnabled: Bool
    var passkeys: Int
    var recoveryCodesRemaining: Int
    var methods: [String]
}

extension Problem {
    static let mfaCodeInvalidType = "https://tract.dev/problems/mfa-code-invalid"

    static func mfaTicketInvalid() -> Problem {
        Problem(
            .badRequest, detail: "This MFA ticket is invalid, used, expired or out of attempts. Sign in again.",
            type: "https://tract.dev/problems/invalid-mfa-token")
    }

    static func mfaCodeInvalid(_ factor: OfferedFactor, attemptsLeft: Int?) -> Problem {
        let what =
            switch factor {
            case .totp: "The code is not valid (or was already used)."
            case .recoveryCode: "The recovery code is not valid or was already used."
            case .passkey: "The passkey could not be verified."
            }
        return Problem(
            .badRequest, detail: what, type: Self.mfaCodeInvalidType,
            extensions: attemptsLeft.map { ["attempts_left": JSONValue.number(Double($0))] } ?? [:])
    }
}

/// TOTP enrolment, recovery codes, the second step of sign-in and step-up (issue 15; README,
/// "MFA and step-up"). Mounted at `/v1/auth/mfa`.
struct MFAController: RouteController {
    let auth: AuthContext
    let totp: TOTPCredentials
    let recoveryCodes: RecoveryCodes

    init(auth: AuthContext) {
        self.auth = auth
        self.totp = TOTPCredentials(postgres: auth.postgres, key: auth.settings.totpSecretKey, clock: auth.accessTokens.clock)
        self.recoveryCodes = RecoveryCodes(postgres: auth.postgres, key: auth.settings.recoveryCodeKey, ids: auth.ids)
    }

    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .post("verify", use: self.verify)
            .post("verify/passkey-options", use: self.verifyPasskeyOptions)
    }

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.status)
            .post("totp", use: self.startTOTP)
            .post("totp/confirm", use: self.confirmTOTP)
            .delete("totp", use: self.removeTOTP)
            .post("recovery-codes", use: self.regenerateRecoveryCodes)
            .post("step-up", use: self.stepUp)
            .post("step-up/passkey-options", use: self.stepUpPasskeyOptions)
    }

    static let userOnly = "MFA belongs to users, not service clients."

    @Sendable func status(_ request: Request, context: AuthenticatedContext) async throws -> MFAStatus {
        let userID = try context.identity.requireUser(Self.userOnly)
        let factors = try await MFAFactors.of(userID, postgres: self.auth.postgres, logger: context.logger)
        return MFAStatus(
            totpEnabled: factors.totp, passkeys: factors.passkeys, recoveryCodesRemaining: factors.unusedRecoveryCodes, methods: factors.methods)
    }

    /// Step-up first when the user already has a second factor: otherwise a stolen session could
    /// add an authenticator of its own.
    @Sendable func startTOTP(_ request: Request, context: AuthenticatedContext) async throws -> TOTPEnrolment {
        let user = try await self.user(context)
        try await self.auth.requireStepUp(context.identity, logger: context.logger)
        let code = try await self.totp.start(userID: user.id, logger: context.logger)
        return TOTPEnrolment(secret: code.base32Secret, otpauthUri: code.authenticatorURI(account: user.email, issuer: self.auth.settings.mfa.issuer))
    }

    /// The first code proves the app holds the secret. The session has just shown a second factor,
    /// so it gets `mfa_at` now and fresh tokens saying so.
    @Sendable func confirmTOTP(_ request: Request, context: AuthenticatedContext) async throws -> RecoveryCodesReply {
        let user = try await self.user(context)
        let body = try await request.decode(as: SecondFactorBody.self, context: context)
        guard let raw = body.code else { throw Problem.validation(field: "code", "is required") }
        guard let code = TOTPCode.normalize(raw) else { throw Problem.validation(field: "code", "must be the 6 digits your authenticator shows") }
        let ip = self.auth.clientIP(request, context)
        try await self.takeChecks(userID: user.id, ip: ip, logger: context.logger)
        let sessionID = context.identity.sessionID.flatMap(UUID.init(uuidString:))
        let logger = context.logger
        let (codes, proof) = try await self.auth.postgres.transaction(logger: logger) { connection -> ([String], Sessions.Proof?) in
            switch try await self.totp.check(code, userID: user.id, pending: true, on: connection, logger: logger) {
            case .accepted:
                break
            case .notEnrolled:
                throw Problem(
                    .conflict, detail: "There is no authenticator being set up. Start with POST /v1/auth/mfa/totp.",
                    type: "https://tract.dev/problems/totp-not-started")
            case .wrong, .replayed:
                throw Problem.validation(field: "code", "is not the code your authenticator shows now")
            }
            try await self.totp.confirm(userID: user.id, on: connection, logger: logger)
            let codes = try await self.recoveryCodes.replace(for: user.id, on: connection, logger: logger)
            let proof = try await sessionID.asyncMap {
                try await self.auth.sessions.proveSecondFactor($0, userID: user.id, amr: ["otp", "mfa"], on: connection, logger: logger)
            }
            try await self.auth.history.record(.totpEnabled, userID: user.id, method: "totp", ip: ip, success: true, on: connection, logger: logger)
            try await self.auth.audit(
                "mfa.totp_enabled", actor: .user(user.id), target: .user(user.id), after: ["totp": "enabled"], request: request,
                context: context, on: connection)
            return (codes, proof ?? nil)
        }
        guard let sessionID, let proof else { return RecoveryCodesReply(recoveryCodes: codes) }
        let organization = try await ActiveOrganization.of(session: sessionID, postgres: self.auth.postgres, logger: logger)
        let accessToken = try await self.auth.accessTokens.issue(
            subject: user.id.uuidString.lowercased(), sessionID: sessionID,
            roles: try await self.auth.heldRoles.tokenRoles(of: user.id, logger: logger),
            scopes: [Scope.user],
            authentication: proof.authentication(mfaEnrolled: true), organization: organization, logger: logger)
        return RecoveryCodesReply(recoveryCodes: codes, accessToken: accessToken, tokenType: "Bearer", expiresIn: self.auth.accessTokens.expiresIn)
    }

    @Sendable func removeTOTP(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let user = try await self.user(context)
        try await self.auth.requireStepUp(context.identity, logger: context.logger)
        let ip = self.auth.clientIP(request, context)
        let removed = try await self.auth.postgres.transaction(logger: context.logger) { connection in
            let removed = try await self.totp.remove(userID: user.id, on: connection, logger: context.logger)
            if removed {
                try await self.auth.history.record(
                    .totpDisabled, userID: user.id, method: "totp", ip: ip, success: true, on: connection, logger: context.logger)
                try await self.auth.audit(
                    "mfa.totp_removed", actor: .user(user.id), target: .user(user.id), before: ["totp": "enabled"], request: request,
                    context: context, on: connection)
            }
            return removed
        }
        guard removed else { throw Problem.notFound("There is no authenticator to remove.") }
        return .noContent
    }

    @Sendable func regenerateRecoveryCodes(_ request: Request, context: AuthenticatedContext) async throws -> RecoveryCodesReply {
        let user = try await self.user(context)
        try await self.auth.requireStepUp(context.identity, logger: context.logger)
        let ip = self.auth.clientIP(request, context)
        let codes = try await self.auth.postgres.transaction(logger: context.logger) { connection -> [String] in
            guard try await MFAFactors.of(user.id, on: connection, logger: context.logger).totp else {
                throw Problem(
                    .conflict, detail: "Recovery codes come with an authenticator; set one up first (POST /v1/auth/mfa/totp).",
                    type: "https://tract.dev/problems/totp-not-enabled")
            }
            let codes = try await self.recoveryCodes.replace(for: user.id, on: connection, logger: context.logger)
            try await self.auth.history.record(
                .recoveryCodesRegenerated, userID: user.id, method: "totp", ip: ip, success: true, on: connection, logger: context.logger)
            try await self.auth.audit(
                "mfa.recovery_codes_regenerated", actor: .user(user.id), target: .user(user.id), request: request, context: context,
                on: connection)
            return codes
        }
        return RecoveryCodesReply(recoveryCodes: codes)
    }

    /// The second step of a sign-in: the ticket from the `mfa-required` problem and one factor.
    @Sendable func verify(_ request: Request, context: TractRequestContext) async throws -> TokenResponse {
        let body = try await request.decode(as: SecondFactorBody.self, context: context)
        guard let ticket = body.mfaToken, !ticket.isEmpty else { throw Problem.validation(field: "mfa_token", "is required") }
        let factor = try OfferedFactor(body)
        let ip = self.auth.clientIP(request, context)
        let device = Sessions.Device(ip: ip, userAgentHeader: request.headers[.userAgent])
        try await self.auth.limiter.take("mfa_check_ip", for: ip ?? "unknown", bucket: self.auth.settings.mfa.checksPerIP, logger: context.logger)
        guard let pending = try await self.auth.mfaTickets.attempt(ticket, logger: context.logger) else { throw Problem.mfaTicketInvalid() }
        guard let user = try await self.auth.users.find(id: pending.userID, logger: context.logger) else { throw Problem.mfaTicketInvalid() }
        try await self.auth.limiter.take(
            "mfa_check_user", for: user.id.uuidString.lowercased(), bucket: self.auth.settings.mfa.checksPerUser, logger: context.logger)
        try await self.admit(user, method: factor.name, device: device, logger: context.logger)
        guard try await self.prove(factor, user: user, purpose: .secondFactor, device: device, logger: context.logger) else {
            throw Problem.mfaCodeInvalid(factor, attemptsLeft: pending.attemptsLeft)
        }
        guard try await self.auth.mfaTickets.complete(pending.id, logger: context.logger) else { throw Problem.mfaTicketInvalid() }
        try await self.auth.lockout.reset(email: user.email, logger: context.logger)
        guard user.status == "active" else { throw Problem.forbidden("This account is \(user.status).") }
        return try await self.auth.openSession(
            user, method: pending.method, amr: SignInProof.union(SignInProof.union(pending.amr, factor.amr), ["mfa"]), multiFactor: true,
            mfaEnrolled: true, source: pending.source, device: device, logger: context.logger)
    }

    /// A fresh second factor for the current session: a new access token whose `mfa_at` is now,
    /// and the session row updated so its refreshes say the same.
    @Sendable func stepUp(_ request: Request, context: AuthenticatedContext) async throws -> TokenResponse {
        let user = try await self.user(context)
        guard let sessionID = context.identity.sessionID.flatMap(UUID.init(uuidString:)) else {
            throw Problem.forbidden("Only a signed-in session can step up.")
        }
        let body = try await request.decode(as: SecondFactorBody.self, context: context)
        let factor = try OfferedFactor(body)
        // A signed-out session's token lives on for minutes; it must not spend a code.
        guard try await self.auth.sessions.isActive(sessionID, of: user.id, logger: context.logger) else {
            throw Problem.unauthorized("This session has ended. Sign in again.")
        }
        let ip = self.auth.clientIP(request, context)
        let device = Sessions.Device(ip: ip, userAgentHeader: request.headers[.userAgent])
        try await self.takeChecks(userID: user.id, ip: ip, logger: context.logger)
        try await self.admit(user, method: factor.name, device: device, logger: context.logger)
        guard try await self.prove(factor, user: user, purpose: .stepUp, device: device, logger: context.logger) else {
            throw Problem.mfaCodeInvalid(factor, attemptsLeft: nil)
        }
        try await self.auth.lockout.reset(email: user.email, logger: context.logger)
        let proof = try await self.auth.postgres.transaction(logger: context.logger) { connection -> Sessions.Proof? in
            let proof = try await self.auth.sessions.proveSecondFactor(
                sessionID, userID: user.id, amr: SignInProof.union(factor.amr, ["mfa"]), on: connection, logger: context.logger)
            try await self.auth.history.record(
                .mfaStepUp, userID: user.id, method: factor.name, ip: ip, userAgent: device.userAgent, success: true, on: connection,
                logger: context.logger)
            return proof
        }
        guard let proof else { throw Problem.unauthorized("This session has ended. Sign in again.") }
        let organization = try await ActiveOrganization.of(session: sessionID, postgres: self.auth.postgres, logger: context.logger)
        let accessToken = try await self.auth.accessTokens.issue(
            subject: user.id.uuidString.lowercased(), sessionID: sessionID,
            roles: try await self.auth.heldRoles.tokenRoles(of: user.id, logger: context.logger),
            scopes: [Scope.user],
            authentication: proof.authentication(mfaEnrolled: true), organization: organization, logger: context.logger)
        return TokenResponse(accessToken: accessToken, expiresIn: self.auth.accessTokens.expiresIn)
    }

    /// Assertion options for the second step of a sign-in: a challenge for the ticket's user and
    /// their passkeys. Looking the ticket up spends no attempt; answering the challenge does.
    @Sendable func verifyPasskeyOptions(_ request: Request, context: TractRequestContext) async throws -> PasskeyOptions {
        let body = try await request.decode(as: SecondFactorBody.self, context: context)
        guard let ticket = body.mfaToken, !ticket.isEmpty else { throw Problem.validation(field: "mfa_token", "is required") }
        let ip = self.auth.clientIP(request, context)
        try await self.auth.limiter.take("mfa_options_ip", for: ip ?? "unknown", bucket: self.auth.settings.mfa.checksPerIP, logger: context.logger)
        guard let userID = try await self.auth.mfaTickets.user(of: ticket, logger: context.logger) else { throw Problem.mfaTicketInvalid() }
        return try await self.auth.passkeys.assertionOptions(for: userID, purpose: .secondFactor, logger: context.logger)
    }

    /// Assertion options for stepping up with a passkey in the current session.
    @Sendable func stepUpPasskeyOptions(_ request: Request, context: AuthenticatedContext) async throws -> PasskeyOptions {
        let user = try await self.user(context)
        let ip = self.auth.clientIP(request, context)
        try await self.auth.limiter.take("mfa_options_ip", for: ip ?? "unknown", bucket: self.auth.settings.mfa.checksPerIP, logger: context.logger)
        return try await self.auth.passkeys.assertionOptions(for: user.id, purpose: .stepUp, logger: context.logger)
    }

    // MARK: - Checking a factor

    enum Purpose { case secondFactor, stepUp }

    /// Whether `factor` is the user's. Wrong and replayed codes are recorded in the login history
    /// (a replay as its own security event).
    func prove(_ factor: OfferedFactor, user: User, purpose: Purpose, device: Sessions.Device, logger: Logger) async throws -> Bool {
        var failure: (event: LoginEvent, reason: String)?
        switch factor {
        case .totp(let code):
            let check = try await self.auth.postgres.transaction(logger: logger) { connection in
                try await self.totp.check(code, userID: user.id, on: connection, logger: logger)
            }
            switch check {
            case .accepted: break
            case .wrong: failure = (.mfaFailed, "wrong_code")
            case .replayed: failure = (.mfaCodeReplayed, "code_already_used")
            case .notEnrolled: failure = (.mfaFailed, "no_authenticator")
            }
        case .recoveryCode(let code):
            if try await self.recoveryCodes.use(code, userID: user.id, logger: logger) {
                try await self.auth.history.record(
                    .recoveryCodeUsed, userID: user.id, method: "recovery_code", ip: device.ip, userAgent: device.userAgent, success: true,
                    logger: logger)
            } else {
                failure = (.mfaFailed, "wrong_recovery_code")
            }
        case .passkey(let credential):
            // Part A's verifier: the challenge must be one issued for this purpose to this user
            // (`passkey-options` below), and the passkey theirs, with user verification.
            do {
                _ = try await self.auth.passkeys.verifyAssertion(
                    credential, purpose: purpose == .stepUp ? .stepUp : .secondFactor, expectedUser: user.id, device: device, logger: logger)
            } catch let problem as Problem where problem.type == Passkeys.refused.type {
                failure = (.mfaFailed, "passkey_refused")
            }
        }
        guard let failure else { return true }
        try await self.auth.history.record(
            failure.event, userID: user.id, email: user.email, method: factor.name, ip: device.ip, userAgent: device.userAgent, success: false,
            reason: failure.reason, logger: logger)
        return false
    }

    /// Failed second factors count in the lockout like failed passwords (issue 15), under the same
    /// address, and wait out the same delays.
    func admit(_ user: User, method: String, device: Sessions.Device, logger: Logger) async throws {
        switch try await self.auth.lockout.admit(email: user.email, source: device.ip, logger: logger) {
        case .admitted:
            return
        case .wait(let seconds):
            try await self.auth.history.record(
                .lockedOut, userID: user.id, email: user.email, method: method, ip: device.ip, userAgent: device.userAgent, success: false,
                reason: "progressive_delay", logger: logger)
            throw Problem.tooManyRequests(retryAfterSeconds: seconds, detail: "Too many failed attempts. Try again later.")
        case .lockedUntilReset:
            throw Problem.tooManyRequests(retryAfterSeconds: 3600, detail: "Too many failed attempts. Reset your password to sign in again.")
        }
    }

    func takeChecks(userID: UUID, ip: String?, logger: Logger) async throws {
        try await self.auth.limiter.take("mfa_check_ip", for: ip ?? "unknown", bucket: self.auth.settings.mfa.checksPerIP, logger: logger)
        try await self.auth.limiter.take(
            "mfa_check_user", for: userID.uuidString.lowercased(), bucket: self.auth.settings.mfa.checksPerUser, logger: logger)
    }

    func user(_ context: AuthenticatedContext) async throws -> User {
        let id = try context.identity.requireUser(Self.userOnly)
        guard let user = try await self.auth.users.find(id: id, logger: context.logger) else {
            throw Problem.unauthorized("This token does not belong to a user account.")
        }
        return user
    }
}

extension AuthContext {
    /// Account-security changes (password, MFA, passkeys, linked identities) need a recent second
    /// factor when the user has one. The kit's check, judged by the factors the user has now rather
    /// than the token's `mfa_enrolled`, which can be a few minutes old.
    func requireStepUp(_ identity: Identity, logger: Logger) async throws {
        guard let userID = identity.userID else { return }
        var current = identity
        current.mfaEnrolled = try await MFAFactors.of(userID, postgres: self.postgres, logger: logger).any
        // The wall clock, as the kit's check uses everywhere: `mfa_at` is the database's time.
        try current.requireRecentMFA()
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
