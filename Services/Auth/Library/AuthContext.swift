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

    /// The one way a session starts, whatever proved the user's identity: open the session, stamp
    /// the login, record history and the event in the same transaction, then sign the access token.
    func signIn(_ user: User, _ proof: SignInProof, source: String?, device: Sessions.Device, logger: Logger) async throws -> TokenResponse {
        let method = proof.method
        let opened = try await self.postgres.transaction(logger: logger) { connection in
            try await self.mail.warnOfNewDevice(user, device: device, on: connection, logger: logger)
            let opened = try await self.sessions.open(userID: user.id, method: method, device: device, on: connection, logger: logger)
            try await connection.query("UPDATE auth.users SET last_login_at = now() WHERE id = \(user.id)", logger: logger)
            try await self.history.record(
                .signInSucceeded, userID: user.id, email: user.email, method: method, ip: device.ip, userAgent: device.userAgent, success: true,
                on: connection, logger: logger)
            try await self.outbox.publish(
                UserSignedIn(userId: user.id, sessionId: opened.sessionID, authMethod: method, source: source ?? user.firstAuthSource),
                on: connection, logger: logger)
            return opened
        }
        let accessToken = try await self.accessTokens.issue(
            subject: user.id.uuidString.lowercased(),
            sessionID: opened.sessionID,
            roles: user.currentRole.tokenRoles,
            scopes: [Scope.user],
            logger: logger
        )
        return TokenResponse(accessToken: accessToken, expiresIn: self.accessTokens.expiresIn, refreshToken: opened.refreshToken)
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
}
