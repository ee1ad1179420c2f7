import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

struct MagicLinkRequest: Decodable, Sendable {
    var email: String
    var source: String?
}

struct MagicLinkVerification: Decodable, Sendable {
    var token: String?
    var email: String?
    var code: String?
    var source: String?
}

/// The confirm step a link opens: it tells the page what the link is for and spends nothing.
struct MagicLinkPreview: Encodable, ResponseEncodable, Sendable {
    var status: String
    var email: String
    var expiresAt: Date
    var confirm: String
}

/// Passwordless sign-in (seed 004 `magic_links`): a link and a six-digit code, single-use, valid 15
/// minutes, bound to the address that asked; a new link ends the earlier ones, and code attempts
/// are limited per link, per IP and per address. Opening the link (GET) only confirms it, because mail
/// scanners open links (supabase/auth#1214, kratos#1142); the POST spends it. Signing in this way
/// creates the account when there is none, recording where the user came from.
struct MagicLinkController: RouteController {
    static let lifetime: Duration = .seconds(15 * 60)
    static let maximumCodeAttempts = 5

    let auth: AuthContext

    /// Codes are six digits: hashed with a keyed HMAC so a leaked table cannot be brute-forced
    /// offline in a million tries.
    var codeKey: SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: self.auth.settings.keyEncryptionKey, info: Data("tract magic-link code v1".utf8), outputByteCount: 32)
    }

    func codeHash(_ code: String, email: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data("\(email):\(code)".utf8), using: self.codeKey).hexString
    }

    /// Mounted at `/v1/auth/magic-links`.
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .post(use: self.send)
            .get(":token", use: self.preview)
            .post("verify", use: self.verify)
    }

    @Sendable func send(_ request: Request, context: TractRequestContext) async throws -> StatusReply {
        var body = try await request.decode(as: MagicLinkRequest.self, context: context)
        body.source = AuthSource.canonical(body.source)
        let email = EmailAddress.normalize(body.email)
        var errors = FieldErrors()
        if !EmailAddress.isValid(email) { errors.add("email", "must be a valid email address") }
        errors.add(source: body.source)
        try errors.check()
        let ip = self.auth.clientIP(request, context)
        try await self.auth.mail.checkLimits(to: email, ip: ip, logger: context.logger)
        let token = SecretToken.make()
        let code = OpaqueToken.sixDigitCode()
        let seconds = Double(Self.lifetime.components.seconds)
        try await self.auth.postgres.transaction(logger: context.logger) { connection in
            // Only the newest link and code work: earlier ones cannot add to the guesses.
            try await connection.query(
                "UPDATE auth.magic_links SET expires_at = now() WHERE email = \(email) AND used_at IS NULL AND expires_at > now()",
                logger: context.logger
            )
            try await connection.query(
                """
                INSERT INTO auth.magic_links (id, email, token_hash, code_hash, source, ip_address, expires_at)
                VALUES (\(self.auth.ids.next()), \(email), \(SecretToken.hash(token)), \(self.codeHash(code, email: email)), \(body.source),
                        \(ip)::inet, now() + make_interval(secs => \(seconds)))
                """,
                logger: context.logger
            )
            try await self.auth.mail.request(
                "magic_link", to: email,
                variables: ["link": self.auth.mail.link("magic-link", token: token), "code": code, "expires_in_minutes": "15"],
                on: connection, logger: context.logger
            )
        }
        return StatusReply(status: "magic_link_sent", statusCode: .accepted)
    }

    /// Opening the link only confirms it; the POST spends it.
    @Sendable func preview(_ request: Request, context: TractRequestContext) async throws -> MagicLinkPreview {
        let token = try context.parameters.require("token")
        let rows = try await self.auth.postgres.query(
            """
            SELECT email, expires_at FROM auth.magic_links
            WHERE token_hash = \(SecretToken.hash(token)) AND used_at IS NULL AND expires_at > now()
            """,
            logger: context.logger
        )
        for try await (email, expiresAt) in rows.decode((String, Date).self) {
            return MagicLinkPreview(status: "valid", email: email, expiresAt: expiresAt, confirm: "POST /v1/auth/magic-links/verify")
        }
        throw Problem(.notFound, detail: "This sign-in link is invalid, used or expired.", type: "https://tract.dev/problems/invalid-token")
    }

    @Sendable func verify(_ request: Request, context: TractRequestContext) async throws -> TokenResponse {
        var body = try await request.decode(as: MagicLinkVerification.self, context: context)
        body.source = AuthSource.canonical(body.source)
        let ip = self.auth.clientIP(request, context)
        try await self.auth.limiter.take("verify", for: ip ?? "unknown", bucket: self.auth.settings.limits.verificationsPerIP, logger: context.logger)
        let (email, source) = try await self.consume(body, logger: context.logger)
        let device = Sessions.Device(ip: ip, userAgentHeader: request.headers[.userAgent])
        let user = try await self.findOrCreate(email: email, source: body.source ?? source, ip: ip, logger: context.logger)
        guard user.status == "active" else { throw Problem.forbidden("This account is \(user.status).") }
        return try await self.auth.signIn(user, .magicLink, source: body.source ?? source, device: device, logger: context.logger)
    }

    /// Spends the link or the code, once. Code attempts are counted in the same statement that
    /// checks them, so five is five even under concurrent guesses.
    func consume(_ body: MagicLinkVerification, logger: Logger) async throws -> (email: String, source: String?) {
        let invalid = Problem(
            .badRequest, detail: "This sign-in link or code is invalid, used or expired.", type: "https://tract.dev/problems/invalid-token")
        if let token = body.token {
            let rows = try await self.auth.postgres.query(
                """
                UPDATE auth.magic_links SET used_at = now()
                WHERE token_hash = \(SecretToken.hash(token)) AND used_at IS NULL AND expires_at > now()
                RETURNING email, source
                """,
                logger: logger
            )
            for try await (email, source) in rows.decode((String, String?).self) { return (email, source) }
            throw invalid
        }
        guard let rawEmail = body.email, let code = body.code else {
            throw Problem.validation(field: "token", "or email and code are required")
        }
        let email = EmailAddress.normalize(rawEmail)
        // Five tries per link alone would let a new link every minute add five more guesses; this
        // bucket bounds the guesses at one address whatever the links and IPs.
        try await self.auth.limiter.take("code_attempt", for: email, bucket: self.auth.settings.limits.codeAttemptsPerAddress, logger: logger)
        let attempt = try await self.auth.postgres.query(
            """
            UPDATE auth.magic_links SET code_attempts = code_attempts + 1,
                used_at = CASE WHEN code_hash = \(self.codeHash(code, email: email)) THEN now() END
            WHERE id = (
                SELECT id FROM auth.magic_links
                WHERE email = \(email) AND used_at IS NULL AND expires_at > now()
                ORDER BY created_at DESC LIMIT 1 FOR UPDATE
            ) AND code_attempts < \(Self.maximumCodeAttempts)
            RETURNING used_at IS NOT NULL, source
            """,
            logger: logger
        )
        for try await (matched, source) in attempt.decode((Bool, String?).self) where matched { return (email, source) }
        throw invalid
    }

    /// Passwordless sign-up: the first magic-link sign-in creates the account, already verified.
    ///
    /// An account that exists but was never verified was made by a password sign-up from someone
    /// who may not own the address (account pre-hijacking): the link proves the address, not that
    /// password, so the password goes and any session ends in the statement that verifies it.
    func findOrCreate(email: String, source: String?, ip: String?, logger: Logger) async throws -> User {
        try await self.auth.postgres.transaction(logger: logger) { connection in
            try await self.auth.users.expireUnverified(
                email: email, lifetime: self.auth.settings.unverifiedAccountLifetime, on: connection, logger: logger)
            guard let pending = try await self.auth.users.unverifiedID(email: email, on: connection, logger: logger) else { return }
            let revoked = try await self.auth.users.verifyEmail(
                userID: pending, password: .cleared, reason: "email_verified_by_magic_link", on: connection, logger: logger)
            for sessionID in revoked {
                try await self.auth.outbox.publish(
                    SessionRevoked(userId: pending, sessionId: sessionID, reason: "email_verified_by_magic_link"), on: connection, logger: logger)
            }
            try await self.auth.history.record(
                .emailVerified, userID: pending, email: email, method: "magic_link", ip: ip, success: true, reason: "password_cleared",
                on: connection, logger: logger)
        }
        if let user = try await self.auth.users.find(email: email, logger: logger) {
            return user
        }
        try await self.auth.postgres.transaction(logger: logger) { connection in
            guard
                let userID = try await self.auth.users.create(
                    email: email, passwordHash: nil, source: source, verified: true, on: connection, logger: logger)
            else { return }
            try await self.auth.history.record(
                .signUp, userID: userID, email: email, method: "magic_link", ip: ip, success: true, on: connection, logger: logger)
            try await self.auth.outbox.publish(
                UserCreated(
                    userId: userID, email: email, currentRole: AccountRole.investor.rawValue, firstAuthSource: source, authMethod: "magic_link"),
                on: connection, logger: logger
            )
        }
        guard let user = try await self.auth.users.find(email: email, logger: logger) else { throw Problem(.internalServerError) }
        return user
    }
}
