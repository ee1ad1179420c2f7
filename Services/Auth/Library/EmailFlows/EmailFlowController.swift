import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

struct TokenBody: Decodable, Sendable {
    var token: String
}

struct EmailBody: Decodable, Sendable {
    var email: String
}

struct ResetConfirmation: Decodable, Sendable {
    var token: String
    var newPassword: String
}

struct StatusReply: Encodable, ResponseGenerator, Sendable {
    var status: String
    var statusCode: HTTPResponse.Status = .ok

    enum CodingKeys: String, CodingKey { case status }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try TractResponseEncoder().encode(self, from: request, context: context)
        response.status = self.statusCode
        return response
    }
}

/// Email verification and password reset. Mounted at `/v1/auth`.
struct EmailFlowController: RouteController {
    let auth: AuthContext
    var mail: AuthMail { self.auth.mail }

    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .post("verify-email", use: self.verifyEmail)
            .post("password-reset", use: self.requestPasswordReset)
            .post("password-reset/confirm", use: self.confirmPasswordReset)
    }

    @Sendable func verifyEmail(_ request: Request, context: TractRequestContext) async throws -> StatusReply {
        let body = try await request.decode(as: TokenBody.self, context: context)
        let ip = self.auth.clientIP(request, context)
        try await self.auth.limiter.take("verify", for: ip ?? "unknown", bucket: self.auth.settings.limits.verificationsPerIP, logger: context.logger)
        try await self.auth.postgres.transaction(logger: context.logger) { connection in
            guard let spent = try await self.auth.emailTokens.consume(.verifyEmail, token: body.token, on: connection, logger: context.logger) else {
                throw Problem(
                    .badRequest, detail: "This verification link is invalid, used or expired.", type: "https://tract.dev/problems/invalid-token")
            }
            // The one who clicks proved the address for the sign-up this mail was sent for, so
            // that sign-up's password is the one kept (README, "Unverified accounts").
            let revoked = try await self.auth.users.verifyEmail(
                userID: spent.userID, password: .fromSignUp(passwordHash: spent.signUpPasswordHash),
                reason: "email_verified", on: connection, logger: context.logger
            )
            for sessionID in revoked {
                try await self.auth.outbox.publish(
                    SessionRevoked(userId: spent.userID, sessionId: sessionID, reason: "email_verified"), on: connection, logger: context.logger)
            }
            try await self.auth.history.record(.emailVerified, userID: spent.userID, ip: ip, success: true, on: connection, logger: context.logger)
        }
        return StatusReply(status: "verified")
    }

    /// Always the same answer, whether or not the address has an account.
    @Sendable func requestPasswordReset(_ request: Request, context: TractRequestContext) async throws -> StatusReply {
        let body = try await request.decode(as: EmailBody.self, context: context)
        let email = EmailAddress.normalize(body.email)
        guard EmailAddress.isValid(email) else { throw Problem.validation(field: "email", "must be a valid email address") }
        let ip = self.auth.clientIP(request, context)
        try await self.mail.checkLimits(to: email, ip: ip, logger: context.logger)
        if let user = try await self.auth.users.find(email: email, logger: context.logger), user.status == "active" {
            try await self.auth.postgres.transaction(logger: context.logger) { connection in
                let token = try await self.auth.emailTokens.issue(.passwordReset, userID: user.id, on: connection, logger: context.logger)
                try await self.mail.request(
                    "password_reset", to: email,
                    variables: ["email": email, "link": self.mail.link("reset-password", token: token), "expires_in_minutes": "30"],
                    on: connection, logger: context.logger
                )
            }
        }
        return StatusReply(status: "reset_email_sent_if_account_exists", statusCode: .accepted)
    }

    @Sendable func confirmPasswordReset(_ request: Request, context: TractRequestContext) async throws -> HTTPResponse.Status {
        let body = try await request.decode(as: ResetConfirmation.self, context: context)
        let ip = self.auth.clientIP(request, context)
        try await self.auth.limiter.take("verify", for: ip ?? "unknown", bucket: self.auth.settings.limits.verificationsPerIP, logger: context.logger)
        let newHash = try await self.auth.hasher.hash(body.newPassword)
        let email: String = try await self.auth.postgres.transaction(logger: context.logger) { connection in
            guard
                let userID = try await self.auth.emailTokens.consume(.passwordReset, token: body.token, on: connection, logger: context.logger)?
                    .userID
            else {
                throw Problem(.badRequest, detail: "This reset link is invalid, used or expired.", type: "https://tract.dev/problems/invalid-token")
            }
            let rows = try await connection.query("SELECT email FROM auth.users WHERE id = \(userID)", logger: context.logger)
            var email = ""
            for try await value in rows.decode(String.self) { email = value }
            if let problem = self.auth.policy.problem(with: body.newPassword, email: email) {
                throw Problem.validation(field: "new_password", problem)
            }
            // Proving control of the mailbox also verifies it.
            try await connection.query(
                """
                UPDATE auth.users SET password_hash = \(newHash), password_changed_at = now(),
                    email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
                WHERE id = \(userID)
                """,
                logger: context.logger
            )
            for sessionID in try await self.auth.sessions.revokeAll(
                userID: userID, except: nil, reason: "password_reset", on: connection, logger: context.logger)
            {
                try await self.auth.outbox.publish(
                    SessionRevoked(userId: userID, sessionId: sessionID, reason: "password_reset"), on: connection, logger: context.logger)
            }
            try await self.auth.history.record(
                .passwordReset, userID: userID, method: "email_link", ip: ip, success: true, on: connection, logger: context.logger)
            return email
        }
        // A reset is the way out of a hard lockout (NIST SP 800-63B §5.2.2).
        try await self.auth.lockout.reset(email: email, logger: context.logger)
        return .noContent
    }
}
