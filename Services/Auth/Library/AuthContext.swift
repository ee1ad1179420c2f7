import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// What the auth routes share: stores, limits, token machinery and settings.
struct AuthContext: Sendable {
    let settings: AuthSettings
    let postgres: PostgresClient
    let outbox: OutboxPublisher
    let users: Users
    let sessions: Sessions
    let history: LoginHistory
    let limiter: RateLimiter
    let lockout: Lockout
    let clients: ServiceClients
    let keys: SigningKeys
    let accessTokens: AccessTokens
    let hasher: PasswordHasher
    let policy: PasswordPolicy
    let mail: AuthMail
    let emailTokens: EmailTokens
    let mfaTickets: MFATickets
    let trustedProxies: TrustedProxies
    /// A real Argon2id hash of a random password, verified against when an account does not exist
    /// so that "no such email" costs the same time as "wrong password".
    let decoyHash: String
    /// New rows' ids, from the service's dependencies (the stores take the clock and ids too).
    let ids: IDGenerator

    func clientIP(_ request: Request, _ context: some RequestContext & Sendable) -> String? {
        let remote = (context as? TractRequestContext)?.remoteAddress ?? (context as? AuthenticatedContext)?.remoteAddress
        return ClientAddress.of(request, remote: remote, trustedProxies: self.trustedProxies)
    }

    /// The one way a sign-in ends, whatever proved the user's identity. A user with a second
    /// factor (`MFAFactors.any`) whose proof is single-factor gets no session: the 403
    /// `mfa-required` problem carries a ticket for `POST /v1/auth/mfa/verify` instead. Otherwise
    /// the session opens (`openSession`). `factors`: the user's, when the caller has just read them.
    /// `clearingLockoutOf`: the address whose failed-attempt counts the session clears (a password
    /// sign-in without a second factor), in its transaction.
    func signIn(
        _ user: User, _ proof: SignInProof, factors known: MFAFactors? = nil, clearingLockoutOf lockoutEmail: String? = nil, source: String?,
        device: Sessions.Device, logger: Logger
    ) async throws -> TokenResponse {
        let factors: MFAFactors
        if let known {
            factors = known
        } else {
            factors = try await MFAFactors.of(user.id, postgres: self.postgres, logger: logger)
        }
        if factors.any, !proof.isMultiFactor {
            let ticket = try await self.mfaTickets.issue(userID: user.id, proof: proof, source: source, logger: logger)
            try await self.history.record(
                .mfaRequired, userID: user.id, email: user.email, method: proof.method, ip: device.ip, userAgent: device.userAgent, success: true,
                logger: logger)
            throw Problem.mfaRequired(ticket: ticket, methods: factors.methods, expiresIn: self.settings.mfa.ticketLifetime)
        }
        let amr = proof.isMultiFactor ? SignInProof.union(proof.amr, ["mfa"]) : proof.amr
        return try await self.openSession(
            user, method: proof.method, amr: amr, multiFactor: proof.isMultiFactor, mfaEnrolled: factors.any, clearingLockoutOf: lockoutEmail,
            source: source, device: device, logger: logger)
    }

    /// Opens the session once every factor the user needs is proven: stamp the login, record
    /// history and the events with it (one statement, `SessionOpeningStatement`), then sign the
    /// access token. `multiFactor`: a second factor was part of the proof, so the session's
    /// `mfa_at` is now.
    ///
    /// Every sign-in method ends here, so this is where a suspended account (issue 16, staff
    /// admin) is refused, read under the same statement that stamps the login: a suspension
    /// committed a moment ago cannot slip between a check and the session.
    func openSession(
        _ user: User, method: String, amr: [String], multiFactor: Bool, mfaEnrolled: Bool, clearingLockoutOf lockoutEmail: String? = nil,
        source: String?, device: Sessions.Device, logger: Logger
    ) async throws -> TokenResponse {
        let opening = try await self.sessions.open(
            user, method: method, amr: amr, multiFactor: multiFactor, device: device, clearingLockoutOf: lockoutEmail,
            signedIn: { sessionID in
                try self.outbox.queued(
                    UserSignedIn(userId: user.id, sessionId: sessionID, authMethod: method, source: source ?? user.firstAuthSource))
            },
            newDeviceMail: try self.outbox.queued(self.mail.newDeviceMail(to: user, device: device), sensitive: true),
            logger: logger)
        guard let (session, account) = opening else { throw Problem.forbidden("This account is suspended or closed; contact support.") }
        let roles =
            account.present
            ? HeldRoles.roles(
                account: account.account, investorActivity: account.investorActivity, developerActivity: account.developerActivity,
                active: account.activeRole)
            : []
        DomainMetrics.signedIn(method: method)
        let accessToken = try await self.accessTokens.issue(
            subject: user.id.uuidString.lowercased(),
            sessionID: session.sessionID,
            roles: roles,
            scopes: [Scope.user],
            authentication: session.proof.authentication(mfaEnrolled: mfaEnrolled),
            logger: logger
        )
        return TokenResponse(accessToken: accessToken, expiresIn: self.accessTokens.expiresIn, refreshToken: session.refreshToken)
    }
}

/// How a user proved who they are in one sign-in: the session's `auth_method` and the access
/// token's `amr` (RFC 8176 values).
struct SignInProof: Sendable, Equatable {
    /// `auth.sessions.auth_method` and the `user.signed_in` event's method: `password`,
    /// `magic_link`, `passkey`, `oauth:<provider>`.
    var method: String
    /// RFC 8176 authentication method references, e.g. `["pwd"]`, `["hwk", "user"]`.
    var amr: [String]
    /// The proof is itself multi-factor (a passkey with user verification), so no second step.
    var isMultiFactor: Bool

    static let password = SignInProof(method: "password", amr: ["pwd"], isMultiFactor: false)
    static let magicLink = SignInProof(method: "magic_link", amr: ["email"], isMultiFactor: false)

    /// `first` then what `second` adds, each value once, order kept (amr lists are short).
    static func union(_ first: [String], _ second: [String]) -> [String] {
        var seen = Set<String>()
        return (first + second).filter { seen.insert($0).inserted }
    }
}
