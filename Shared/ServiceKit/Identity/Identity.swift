import Foundation
import JWTKit
import Models

/// Who is calling, as proven by a verified access token.
public struct Identity: Sendable, Equatable {
    /// `sub`: a user id for user tokens, a client id for service tokens.
    public var subject: String
    public var sessionID: String?
    public var roles: Set<Role>
    public var organizationID: String?
    /// `org_role`: the caller's role in the active organisation; nil without one, or for a role
    /// this build does not know (which then grants nothing).
    public var organizationRole: OrganizationRole?
    public var scopes: Set<String>
    /// `exp`: when the token stops being accepted. A long-lived response (communications' live
    /// stream) ends here, so a revoked session stops receiving once its last token runs out.
    public var expiresAt: Date?
    /// `amr` (RFC 8176): how the session was proven; empty for service tokens.
    public var amr: [String]
    /// `acr`: `urn:tract:acr:mfa` once the session proved a second factor.
    public var acr: String?
    /// `auth_time`: when the user signed in to this session.
    public var authTime: Date?
    /// `mfa_at`: when the session last proved a second factor (what step-up checks).
    public var mfaAt: Date?
    /// `mfa_enrolled`: the user has a second factor, so money moves and security changes need a
    /// recent one (`requireRecentMFA`).
    public var mfaEnrolled: Bool
    /// Set when the caller presented a personal API token (`tract_…`) rather than an access token:
    /// the token's id. Such a caller may do only what the token's scopes allow
    /// (`APITokenScopeMiddleware`), never reaches `/internal/` routes, and cannot manage tokens,
    /// sessions or second factors.
    public var apiTokenID: UUID?

    public init(
        subject: String,
        sessionID: String? = nil,
        roles: Set<Role> = [],
        organizationID: String? = nil,
        organizationRole: OrganizationRole? = nil,
        scopes: Set<String> = [],
        expiresAt: Date? = nil,
        amr: [String] = [],
        acr: String? = nil,
        authTime: Date? = nil,
        mfaAt: Date? = nil,
        mfaEnrolled: Bool = false,
        apiTokenID: UUID? = nil
    ) {
        self.subject = subject
        self.sessionID = sessionID
        self.roles = roles
        self.organizationID = organizationID
        self.organizationRole = organizationID == nil ? nil : organizationRole
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.amr = amr
        self.acr = acr
        self.authTime = authTime
        self.mfaAt = mfaAt
        self.mfaEnrolled = mfaEnrolled
        self.apiTokenID = apiTokenID
    }

    /// The identity an API token lends its user: their current roles, the token's scopes; no
    /// session and no proof of a second factor.
    public init(apiToken: APITokenIntrospection) {
        self.init(
            subject: apiToken.userId.uuidString.lowercased(),
            roles: Set(apiToken.roles),
            scopes: Set(apiToken.scopes),
            expiresAt: apiToken.expiresAt,
            mfaEnrolled: apiToken.mfaEnrolled,
            apiTokenID: apiToken.tokenId
        )
    }

    init(claims: AccessTokenClaims) {
        self.init(
            subject: claims.sub.value,
            sessionID: claims.sid,
            // Roles this build does not know are dropped rather than trusted.
            roles: Set((claims.roles ?? []).compactMap(Role.init(rawValue:))),
            organizationID: claims.org,
            organizationRole: claims.orgRole.flatMap(OrganizationRole.init(rawValue:)),
            scopes: Set((claims.scope ?? "").split(separator: " ").map(String.init)),
            expiresAt: claims.exp.value,
            amr: claims.amr ?? [],
            acr: claims.acr,
            authTime: claims.authTime?.value,
            mfaAt: claims.mfaAt?.value,
            mfaEnrolled: claims.mfaEnrolled ?? false
        )
    }

    /// The user id, for user tokens.
    public var userID: UUID? { UUID(uuidString: self.subject) }

    public var isService: Bool { self.apiTokenID == nil && self.scopes.contains(Scope.service) }

    /// Refuses a caller that presented an API token: for what only a signed-in person may do
    /// (managing tokens, sessions, second factors), whatever the token's scopes.
    public func requireSession(_ detail: String = "API tokens cannot do this; sign in instead.") throws {
        guard self.apiTokenID == nil else { throw Problem.forbidden(detail) }
    }

    /// The signed-in user's id; a service token (whose subject is a client id) is refused with
    /// `detail`. The one way a route that acts for a person finds who that is.
    public func requireUser(_ detail: String = "This route acts for a signed-in user, not a service client.") throws -> UUID {
        guard let id = self.userID else { throw Problem.forbidden(detail) }
        return id
    }

    /// The caller acts in organisation `id` (its active one) with at least the rights `allows` asks.
    public func acts(in organization: UUID?, _ allows: (OrganizationRole) -> Bool) -> Bool {
        guard let organization, let active = self.organizationID.flatMap(UUID.init(uuidString:)), active == organization,
            let role = self.organizationRole
        else { return false }
        return allows(role)
    }

    public func has(role: Role) -> Bool { self.roles.contains(role) }

    public func requireRole(_ allowed: Role...) throws {
        guard allowed.contains(where: self.roles.contains) else {
            throw Problem.forbidden(
                "This needs one of the roles: \(allowed.map(\.rawValue).joined(separator: ", "))."
            )
        }
    }

    public func requireScope(_ scope: String) throws {
        guard self.scopes.contains(scope) else {
            throw Problem.forbidden("This needs the \"\(scope)\" scope.")
        }
    }
}
