import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// How auth asks `communications` for mail: an `email.requested` event in the same transaction as
/// the token it carries, so the mail is sent if and only if the token exists, even when
/// `communications` is down for a while. The envelope is redacted from the outbox once delivered.
struct AuthMail: Sendable {
    let outbox: OutboxPublisher
    let limiter: RateLimiter
    let limits: RateLimits
    let publicURL: URL

    /// Per-IP and per-destination limits for anything that sends mail. The per-destination bucket
    /// is taken whether or not the address has an account, so its answer reveals nothing.
    func checkLimits(to email: String, ip: String?, logger: Logger) async throws {
        try await self.limiter.take("email_ip", for: ip ?? "unknown", bucket: self.limits.emailSendsPerIP, logger: logger)
        try await self.limiter.take("email_address", for: email, bucket: self.limits.emailSendsPerAddress, logger: logger)
    }

    func request(
        _ template: String, to email: String, variables: [String: String], about user: UUID? = nil, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await self.outbox.publish(
            EmailRequested(email: EmailRequest(templateKey: template, to: email, variables: variables, userId: user)),
            on: connection,
            sensitive: true,
            logger: logger
        )
    }

    /// The mail a sign-in sends when it comes from a kind of device (type, browser, OS) none of
    /// the user's sessions, live or ended, has used before; the first sign-in ever is not news.
    /// `SessionOpeningStatement` decides, in the session's statement, and queues it then.
    func newDeviceMail(to user: User, device: Sessions.Device) -> EmailRequested {
        let agent = device.userAgent
        var variables = [
            "email": user.email,
            "device": "\(agent.browser) on \(agent.os) (\(agent.deviceType))",
            "reset_link": self.publicURL.appendingPathComponent("reset-password").absoluteString,
        ]
        if let ip = device.ip { variables["ip_address"] = ip }
        // With the user's id, communications makes it a critical security notification (issue 14).
        return EmailRequested(email: EmailRequest(templateKey: "new_device_sign_in", to: user.email, variables: variables, userId: user.id))
    }

    /// Tokens are base64url (`OpaqueToken`), so they go into the query as they are.
    func link(_ path: String, token: String) -> String {
        self.publicURL.appendingPathComponent(path).absoluteString + "?token=" + token
    }
}

/// Single-use tokens mailed to users (`auth.email_tokens`).
struct EmailTokens: Sendable {
    let ids: IDGenerator

    enum Purpose: String, Sendable {
        case verifyEmail = "verify_email"
        case passwordReset = "password_reset"

        var lifetime: Duration {
            switch self {
            case .verifyEmail: .seconds(24 * 3600)
            case .passwordReset: .seconds(30 * 60)
            }
        }
    }

    /// Makes a token for `userID`; only its hash is stored. A verification token carries the
    /// password hash of the sign-up it was mailed for (see `Users.verifyEmail`).
    func issue(
        _ purpose: Purpose,
        userID: UUID,
        signUpPasswordHash: String? = nil,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> String {
        let token = SecretToken.make()
        let seconds = Double(purpose.lifetime.components.seconds)
        try await connection.query(
            """
            INSERT INTO auth.email_tokens (id, user_id, purpose, token_hash, password_hash, expires_at)
            VALUES (\(self.ids.next()), \(userID), \(purpose.rawValue), \(SecretToken.hash(token)), \(signUpPasswordHash),
                    now() + make_interval(secs => \(seconds)))
            """,
            logger: logger
        )
        return token
    }

    struct Spent: Sendable {
        var userID: UUID
        var signUpPasswordHash: String?
    }

    /// Spends a token once (compare-and-swap on `used_at`); what it was for, or nil. A token of a
    /// closed account (an expired unverified sign-up) is as dead as an expired one.
    func consume(_ purpose: Purpose, token: String, on connection: PostgresConnection, logger: Logger) async throws -> Spent? {
        let rows = try await connection.query(
            """
            UPDATE auth.email_tokens SET used_at = now()
            WHERE token_hash = \(SecretToken.hash(token)) AND purpose = \(purpose.rawValue) AND used_at IS NULL AND expires_at > now()
              AND user_id IN (SELECT id FROM auth.users WHERE deleted_at IS NULL)
            RETURNING user_id, password_hash
            """,
            logger: logger
        )
        for try await (userID, passwordHash) in rows.decode((UUID, String?).self) {
            return Spent(userID: userID, signUpPasswordHash: passwordHash)
        }
        return nil
    }
}
