import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

struct SignUpRequest: Decodable, Sendable {
    var email: String
    var password: String
    var source: String?
    /// The version of the terms of service the sign-up form showed (optional, so older clients
    /// keep working): recorded as the account's terms consent (`/v1/auth/me/consents`).
    var termsVersion: String?
}

struct SignUpAccepted: ResponseGenerator, Encodable, Sendable {
    var status = "verification_sent"
    var email: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try TractResponseEncoder().encode(self, from: request, context: context)
        response.status = .accepted
        return response
    }
}

/// The signed-in user's own account (`GET/PATCH /v1/auth/me`).
struct Profile: Codable, ResponseEncodable, Sendable {
    var id: UUID
    var email: String
    var emailVerified: Bool
    var currentRole: String
    var firstAuthSource: String?
    var firstName: String?
    var lastName: String?
    var avatarUrl: String?
    var timezone: String
    var privacySettings: JSONValue
    var lastLoginAt: Date?
    var createdAt: Date

    init(_ user: User) {
        self.id = user.id
        self.email = user.email
        self.emailVerified = user.emailVerifiedAt != nil
        self.currentRole = user.currentRole.rawValue
        self.firstAuthSource = user.firstAuthSource
        self.firstName = user.firstName
        self.lastName = user.lastName
        self.avatarUrl = user.avatarURL
        self.timezone = user.timezone
        self.privacySettings = (try? JSONDecoder().decode(JSONValue.self, from: Data(user.privacySettings.utf8))) ?? .object([:])
        self.lastLoginAt = user.lastLoginAt
        self.createdAt = user.createdAt
    }
}

struct ProfileChanges: Decodable, Sendable {
    var firstName: String?
    var lastName: String?
    var avatarUrl: String?
    var timezone: String?
    var privacySettings: JSONValue?

    /// Every invalid field at once, so a form can show them together.
    func check() throws {
        var errors = FieldErrors()
        for (field, value) in [("first_name", self.firstName), ("last_name", self.lastName)] {
            if let value, value.count > 100 || value.contains(where: \.isNewline) {
                errors.add(field, "must be one line of at most 100 characters")
            }
        }
        if let avatar = self.avatarUrl, !avatar.isEmpty {
            if avatar.count > 2048 || URL(string: avatar)?.scheme != "https" || URL(string: avatar)?.host == nil {
                errors.add("avatar_url", "must be an https URL")
            }
        }
        if let timezone = self.timezone, TimeZone(identifier: timezone) == nil {
            errors.add("timezone", "must be an IANA time zone such as America/New_York")
        }
        if let privacy = self.privacySettings, let problem = Self.problem(withPrivacySettings: privacy) {
            errors.add("privacy_settings", problem)
        }
        try errors.check()
    }

    /// Privacy settings are switches and short choices (`{"show_portfolio": false}`), kept on every
    /// user row and returned with every profile: a flat object of at most 50 named settings, each a
    /// boolean, number, null or string of at most 100 characters. Without a shape a client could
    /// park most of a megabyte on the row.
    static func problem(withPrivacySettings value: JSONValue) -> String? {
        guard case .object(let settings) = value else { return "must be an object" }
        if settings.count > 50 { return "has more than 50 settings" }
        for (name, setting) in settings {
            guard name.wholeMatch(of: /[a-z][a-z0-9_]{0,63}/) != nil else {
                return "has a setting named \"\(name.prefix(64))\"; names are 1 to 64 of a-z, 0-9 and _, starting with a letter"
            }
            switch setting {
            case .null, .bool, .number: continue
            case .string(let text) where text.count <= 100: continue
            default: return "setting \(name) must be a boolean, a number, null or a string of at most 100 characters"
            }
        }
        return nil
    }
}

struct PasswordChange: Decodable, Sendable {
    var currentPassword: String
    var newPassword: String
}

/// Sign-up (`/v1/auth/signup`) and the signed-in user's own account (`/v1/auth/me`).
struct AccountController: RouteController {
    let auth: AuthContext

    /// Mounted at `/v1/auth/signup`.
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .post(use: self.signUp)
    }

    /// Mounted at `/v1/auth/me`.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.show).patch(use: self.update)
            .post("password", use: self.changePassword)
            .get("login-history", use: self.loginHistory)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Profile {
        try await Profile(self.user(context))
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> Profile {
        let changes = try await request.decode(as: ProfileChanges.self, context: context)
        try changes.check()
        let user = try await self.user(context)
        try await self.auth.users.update(user.id, with: changes, logger: context.logger)
        return try await Profile(self.user(context))
    }

    @Sendable func loginHistory(_ request: Request, context: AuthenticatedContext) async throws -> Page<LoginHistoryEntry> {
        let page = try PageRequest(request, order: .newestFirst)
        return try await self.auth.history.page(userID: self.user(context).id, page, logger: context.logger)
    }

    func user(_ context: AuthenticatedContext) async throws -> User {
        guard let id = context.identity.userID, let user = try await self.auth.users.find(id: id, logger: context.logger) else {
            throw Problem.unauthorized("This token does not belong to a user account.")
        }
        return user
    }

    /// Answers the same whether or not the email already has an account (no enumeration): the
    /// owner of an existing account gets a mail instead of a second account.
    @Sendable func signUp(_ request: Request, context: TractRequestContext) async throws -> SignUpAccepted {
        var body = try await request.decode(as: SignUpRequest.self, context: context)
        body.source = AuthSource.canonical(body.source)
        let email = EmailAddress.normalize(body.email)
        var errors = FieldErrors()
        if !EmailAddress.isValid(email) { errors.add("email", "must be a valid email address") }
        if let problem = self.auth.policy.problem(with: body.password, email: email) { errors.add("password", problem) }
        errors.add(source: body.source)
        if let version = body.termsVersion, let problem = ConsentVersion.problem(with: version) { errors.add("terms_version", problem) }
        try errors.check()
        let ip = self.auth.clientIP(request, context)
        // Counted only for well-formed requests, so a client's typos do not burn its quota, and
        // per IP, so nobody can exhaust another person's sign-ups by using their email.
        try await self.auth.limiter.take("sign_up", for: ip ?? "unknown", bucket: self.auth.settings.limits.signUpsPerIP, logger: context.logger)
        try await self.auth.mail.checkLimits(to: email, ip: ip, logger: context.logger)
        let passwordHash = try await self.auth.hasher.hash(body.password)
        try await self.auth.postgres.transaction(logger: context.logger) { connection in
            try await self.auth.users.expireUnverified(
                email: email, lifetime: self.auth.settings.unverifiedAccountLifetime, on: connection, logger: context.logger)
            let userID: UUID
            if let created = try await self.auth.users.create(
                email: email, passwordHash: passwordHash, source: body.source, verified: false, on: connection, logger: context.logger)
            {
                try await self.auth.history.record(
                    .signUp, userID: created, email: email, method: "password", ip: ip, success: true, on: connection, logger: context.logger)
                try await self.auth.outbox.publish(
                    UserCreated(
                        userId: created, email: email, currentRole: AccountRole.investor.rawValue, firstAuthSource: body.source,
                        authMethod: "password"),
                    on: connection,
                    logger: context.logger
                )
                userID = created
            } else if let pending = try await self.auth.users.unverifiedID(email: email, on: connection, logger: context.logger) {
                // Nobody has proven this address yet, and this may be its owner after a stranger
                // signed it up: they get a link of their own, which keeps *their* password.
                try await self.auth.history.record(
                    .signUp, userID: pending, email: email, method: "password", ip: ip, success: true, reason: "repeated_for_unverified_address",
                    on: connection, logger: context.logger)
                userID = pending
            } else {
                return
            }
            if let version = body.termsVersion {
                try await Consents(postgres: self.auth.postgres, ids: self.auth.ids).record(
                    .terms, ConsentStatement(version: version, granted: true), userID: userID, ip: ip, on: connection, logger: context.logger)
            }
            let token = try await self.auth.emailTokens.issue(
                .verifyEmail, userID: userID, signUpPasswordHash: passwordHash, on: connection, logger: context.logger)
            try await self.auth.mail.request(
                "verify_email", to: email,
                variables: ["email": email, "link": self.auth.mail.link("verify-email", token: token), "expires_in_minutes": "1440"],
                on: connection, logger: context.logger
            )
        }
        return SignUpAccepted(email: email)
    }

    /// Changing the password signs out every other session: whoever knew the old one is locked out.
    /// An account-security change: a user with a second factor must have proven it recently.
    @Sendable func changePassword(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let body = try await request.decode(as: PasswordChange.self, context: context)
        let user = try await self.user(context)
        try await self.auth.requireStepUp(context.identity, logger: context.logger)
        let ip = self.auth.clientIP(request, context)
        // Taken before the current password is checked: each try is a guess at it.
        let limits = self.auth.settings.limits
        try await self.auth.limiter.take(
            "password_change_user", for: user.id.uuidString.lowercased(), bucket: limits.passwordChangesPerUser, logger: context.logger)
        try await self.auth.limiter.take("password_change_ip", for: ip ?? "unknown", bucket: limits.passwordChangesPerIP, logger: context.logger)
        guard let stored = user.passwordHash, try await self.auth.hasher.verify(body.currentPassword, against: stored) else {
            throw Problem.validation(field: "current_password", "is not your current password")
        }
        if let problem = self.auth.policy.problem(with: body.newPassword, email: user.email) {
            throw Problem.validation(field: "new_password", problem)
        }
        let newHash = try await self.auth.hasher.hash(body.newPassword)
        let current = context.identity.sessionID.flatMap(UUID.init(uuidString:))
        try await self.auth.postgres.transaction(logger: context.logger) { connection in
            try await connection.query(
                "UPDATE auth.users SET password_hash = \(newHash), password_changed_at = now(), updated_at = now() WHERE id = \(user.id)",
                logger: context.logger)
            let revoked = try await self.auth.sessions.revokeAll(
                userID: user.id, except: current, reason: "password_changed", on: connection, logger: context.logger)
            for sessionID in revoked {
                try await self.auth.outbox.publish(
                    SessionRevoked(userId: user.id, sessionId: sessionID, reason: "password_changed"), on: connection, logger: context.logger)
            }
            try await self.auth.history.record(
                .passwordChanged, userID: user.id, method: "password", ip: ip, success: true, on: connection, logger: context.logger)
        }
        return .noContent
    }
}

extension FieldErrors {
    /// `source`: where a new user came from (seed 000 `first_auth_source`), when given; an old
    /// spelling (`AuthSource.aliases`) passes.
    mutating func add(source: String?) {
        if let source, AuthSource(rawValue: source) == nil, AuthSource.aliases[source] == nil {
            self.add("source", "must be one of \(AuthSource.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }
}
