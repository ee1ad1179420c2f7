import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import NIOCore
import PostgresNIO
import ServiceKit

/// `POST /v1/auth/token`: the OAuth 2.0 token endpoint (RFC 6749 §3.2) for the password,
/// refresh-token and client-credentials grants. Accepts JSON or `application/x-www-form-urlencoded`
/// and answers the RFC 6749 §5.1 shape; failures are problem+json whose `type` names the OAuth error.
struct TokenRequest: Decodable, Sendable {
    var grantType: String
    var email: String?
    var password: String?
    var refreshToken: String?
    var clientId: String?
    var clientSecret: String?
    var scope: String?
    var source: String?
    /// The sign-in code of a finished OAuth flow (`urn:tract:params:oauth:grant-type:sign-in-code`).
    var code: String?
    /// Its PKCE verifier, when the app sent a challenge when it started the flow.
    var codeVerifier: String?
}

struct TokenResponse: Encodable, ResponseGenerator, Sendable {
    var accessToken: String
    var tokenType = "Bearer"
    var expiresIn: Int
    var refreshToken: String?
    var scope: String?

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try TractResponseEncoder().encode(self, from: request, context: context)
        // RFC 6749 §5.1: token responses must not be cached.
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

extension Problem {
    static func invalidGrant(_ detail: String) -> Problem {
        Problem(.badRequest, detail: detail, type: "https://tract.dev/problems/invalid-grant")
    }

    static func invalidClient() -> Problem {
        Problem(.unauthorized, detail: "Unknown client or wrong secret.", type: "https://tract.dev/problems/invalid-client")
    }
}

struct TokenController: RouteController {
    let auth: AuthContext

    /// Mounted at `/v1/auth/token`.
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .post(use: self.token)
    }

    @Sendable func token(_ request: Request, context: TractRequestContext) async throws -> TokenResponse {
        let tokenRequest = try await self.decode(request, context: context)
        let ip = self.auth.clientIP(request, context)
        let device = Sessions.Device(ip: ip, userAgentHeader: request.headers[.userAgent])
        switch tokenRequest.grantType {
        case "password":
            return try await self.passwordGrant(tokenRequest, device: device, logger: context.logger)
        case "refresh_token":
            return try await self.refreshGrant(tokenRequest, device: device, logger: context.logger)
        case "client_credentials":
            return try await self.clientCredentialsGrant(tokenRequest, logger: context.logger)
        case OAuthController.signInCodeGrant:
            return try await self.signInCodeGrant(tokenRequest, device: device, logger: context.logger)
        default:
            throw Problem.validation(
                field: "grant_type", "must be password, refresh_token, client_credentials or \(OAuthController.signInCodeGrant)")
        }
    }

    private func decode(_ request: Request, context: TractRequestContext) async throws -> TokenRequest {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            return try await request.decode(as: TokenRequest.self, context: context)
        }
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let fields = try FormBody.parse(body.readableBytesView)
        guard let grantType = fields["grant_type"] else { throw Problem.validation(field: "grant_type", "is required") }
        return TokenRequest(
            grantType: grantType, email: fields["email"] ?? fields["username"], password: fields["password"],
            refreshToken: fields["refresh_token"], clientId: fields["client_id"], clientSecret: fields["client_secret"],
            scope: fields["scope"], source: fields["source"], code: fields["code"],
            codeVerifier: fields["code_verifier"]
        )
    }

    func passwordGrant(_ request: TokenRequest, device: Sessions.Device, logger: Logger) async throws -> TokenResponse {
        guard let rawEmail = request.email else { throw Problem.validation(field: "email", "is required") }
        guard let password = request.password, !password.isEmpty else { throw Problem.validation(field: "password", "is required") }
        let email = EmailAddress.normalize(rawEmail)
        let limit = Sessions.Limit(action: "sign_in", identifier: device.ip ?? "unknown", bucket: self.auth.settings.limits.signInsPerIP)
        let statement = PasswordAttemptStatement(limit: limit, email: email, source: device.ip, lockout: self.auth.lockout)
        var answer: PasswordAttemptStatement.Row?
        for try await row in try await self.auth.postgres.execute(statement, logger: logger) { answer = row }
        guard let attempt = answer else { throw Lockout.notCounted }
        try RateLimiter.admit(attempt.allowed, tokens: attempt.tokens, action: limit.action, bucket: limit.bucket, logger: logger)
        switch attempt.admission ?? .lockedUntilReset {
        case .admitted:
            break
        case .wait(let seconds):
            try await self.auth.history.record(
                .lockedOut, userID: nil, email: email, method: "password", ip: device.ip, userAgent: device.userAgent, success: false,
                reason: "progressive_delay", logger: logger)
            throw Problem.tooManyRequests(retryAfterSeconds: seconds, detail: "Too many failed sign-ins. Try again later or reset your password.")
        case .lockedUntilReset:
            throw Problem.tooManyRequests(retryAfterSeconds: 3600, detail: "Too many failed sign-ins. Reset your password to sign in again.")
        }

        let user = attempt.user
        // Unknown emails and passwordless accounts pay the same hashing cost as a real check.
        let matches = try await self.auth.hasher.verify(password, against: user?.passwordHash ?? self.auth.decoyHash)
        guard let user, matches, user.passwordHash != nil else {
            try await self.auth.history.record(
                .signInFailed, userID: user?.id, email: email, method: "password", ip: device.ip, userAgent: device.userAgent, success: false,
                reason: user == nil ? "unknown_email" : "wrong_password", logger: logger)
            throw Problem.invalidGrant("The email or password is incorrect.")
        }
        // For a user with a second factor the counts clear only when `POST /v1/auth/mfa/verify`
        // succeeds, so wrong codes add up with wrong passwords instead of being wiped by the
        // correct password that precedes each ticket. Otherwise the correct password clears them:
        // in the session's transaction when one opens, on their own when the account cannot sign in.
        let factors = attempt.factors
        let clearedLockout = factors.any ? nil : email
        guard user.status == "active", user.emailVerifiedAt != nil else {
            if let clearedLockout { try await self.auth.lockout.reset(email: clearedLockout, logger: logger) }
            guard user.status == "active" else { throw Problem.forbidden("This account is \(user.status).") }
            throw Problem(
                .forbidden, detail: "Verify your email address before signing in; we sent you a link.",
                type: "https://tract.dev/problems/email-not-verified")
        }
        if self.auth.hasher.needsRehash(user.passwordHash ?? "") {
            let upgraded = try await self.auth.hasher.hash(password)
            try await self.auth.postgres.query("UPDATE auth.users SET password_hash = \(upgraded) WHERE id = \(user.id)", logger: logger)
        }
        return try await self.auth.signIn(
            user, .password, factors: factors, clearingLockoutOf: clearedLockout, source: AuthSource.canonical(request.source), device: device,
            logger: logger)
    }

    func refreshGrant(_ request: TokenRequest, device: Sessions.Device, logger: Logger) async throws -> TokenResponse {
        guard let presented = request.refreshToken, !presented.isEmpty else {
            throw Problem.validation(field: "refresh_token", "is required")
        }
        let limit = Sessions.Limit(action: "refresh", identifier: device.ip ?? "unknown", bucket: self.auth.settings.limits.refreshesPerIP)
        let rotation = try await self.auth.sessions.rotate(presented, limit: limit, device: device, history: self.auth.history, logger: logger)
        switch rotation {
        case .rotated(let sessionID, let userID, let refreshToken, let proof, let holder):
            guard holder.active else { throw Problem.invalidGrant("The refresh token is no longer valid.") }
            // The session's proof carries over unchanged (a refresh proves nothing new); what the
            // user holds (roles, a second factor, the organisation's role) was read afresh with it.
            let accessToken = try await self.auth.accessTokens.issue(
                subject: userID.uuidString.lowercased(), sessionID: sessionID, roles: holder.roles, scopes: [Scope.user],
                authentication: proof.authentication(mfaEnrolled: holder.mfaEnrolled), organization: holder.organization, logger: logger)
            return TokenResponse(accessToken: accessToken, expiresIn: self.auth.accessTokens.expiresIn, refreshToken: refreshToken)
        case .reused(let sessionID, let userID):
            try await self.auth.postgres.transaction(logger: logger) { connection in
                try await self.auth.history.record(
                    .refreshReuseDetected, userID: userID, method: "refresh_token", ip: device.ip, userAgent: device.userAgent, success: false,
                    reason: "rotated_token_presented_again", on: connection, logger: logger)
                try await self.auth.outbox.publish(
                    SessionRevoked(userId: userID, sessionId: sessionID, reason: "refresh_token_reuse"), on: connection, logger: logger)
            }
            throw Problem.invalidGrant("This refresh token was already used; the session has been signed out for safety.")
        case .invalid:
            throw Problem.invalidGrant("The refresh token is not valid.")
        }
    }

    func clientCredentialsGrant(_ request: TokenRequest, logger: Logger) async throws -> TokenResponse {
        guard let clientID = request.clientId, let secret = request.clientSecret else { throw Problem.invalidClient() }
        guard let allowed = try await self.auth.clients.authenticate(clientID: clientID, secret: secret, logger: logger) else {
            throw Problem.invalidClient()
        }
        let requested = request.scope.map { $0.split(separator: " ").map(String.init) } ?? allowed
        guard Set(requested).isSubset(of: Set(allowed)) else {
            throw Problem(.badRequest, detail: "The client may not ask for those scopes.", type: "https://tract.dev/problems/invalid-scope")
        }
        let accessToken = try await self.auth.accessTokens.issue(subject: clientID, sessionID: nil, roles: [], scopes: requested, logger: logger)
        return TokenResponse(accessToken: accessToken, expiresIn: self.auth.accessTokens.expiresIn, scope: requested.joined(separator: " "))
    }
}
