import Foundation
import JWTKit

/// The claims of a Tract access token (ARCHITECTURE.md, "Identity"): `sub`, `sid`, `roles`, `org`,
/// `org_role`, `scope`, `aud`, `iss`, `exp`, and for user tokens how the session was proven: `amr`, `acr`,
/// `auth_time`, `mfa_at`, `mfa_enrolled` (README, "MFA and step-up"). `auth` signs them; every
/// service verifies them.
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var sid: String?
    public var roles: [String]?
    public var org: String?
    /// The caller's role in `org` (`OrganizationRole`), read afresh at every refresh.
    public var orgRole: String?
    /// Space-separated, as in OAuth 2.0 (RFC 6749 §3.3).
    public var scope: String?
    public var aud: AudienceClaim
    public var iss: IssuerClaim
    public var exp: ExpirationClaim
    public var nbf: NotBeforeClaim?
    public var iat: IssuedAtClaim?
    public var jti: IDClaim?
    /// RFC 8176 authentication method references of the session: `pwd`, `email`, `hwk`, `user`,
    /// `fed`, `otp`, `mfa`.
    public var amr: [String]?
    /// `urn:tract:acr:mfa` once a second factor was proven in the session, else `urn:tract:acr:1fa`.
    public var acr: String?
    /// OIDC Core §2: when the user first proved who they are in this session.
    public var authTime: NumericDateClaim?
    /// When the session last proved a second factor; what step-up checks (RFC 9470 `max_age`).
    public var mfaAt: NumericDateClaim?
    /// The user has a second factor (confirmed TOTP or a passkey), so step-up applies to them.
    public var mfaEnrolled: Bool?

    enum CodingKeys: String, CodingKey {
        case sub, sid, roles, org, scope, aud, iss, exp, nbf, iat, jti, amr, acr
        case orgRole = "org_role"
        case authTime = "auth_time"
        case mfaAt = "mfa_at"
        case mfaEnrolled = "mfa_enrolled"
    }

    public init(
        subject: String,
        sessionID: String? = nil,
        roles: [String] = [],
        organizationID: String? = nil,
        organizationRole: String? = nil,
        scopes: [String],
        audience: [String],
        issuer: String,
        issuedAt: Date,
        expiresAt: Date,
        notBefore: Date? = nil,
        tokenID: String? = nil,
        authentication: SessionAuthentication? = nil
    ) {
        self.sub = SubjectClaim(value: subject)
        self.sid = sessionID
        self.roles = roles
        self.org = organizationID
        self.orgRole = organizationID == nil ? nil : organizationRole
        self.scope = scopes.joined(separator: " ")
        self.aud = AudienceClaim(value: audience)
        self.iss = IssuerClaim(value: issuer)
        // Whole seconds: RFC 7519 allows fractions, but verifiers disagree about them (joserfc
        // calls a fresh `iat` of 1796426363.03 "issued in the future" for its first second).
        self.exp = ExpirationClaim(value: expiresAt.wholeSeconds)
        self.nbf = notBefore.map { NotBeforeClaim(value: $0.wholeSeconds) }
        self.iat = IssuedAtClaim(value: issuedAt.wholeSeconds)
        self.jti = tokenID.map { IDClaim(value: $0) }
        if let authentication {
            self.amr = authentication.amr
            self.acr = authentication.acr
            self.authTime = NumericDateClaim(value: authentication.authTime)
            self.mfaAt = authentication.mfaAt.map { NumericDateClaim(value: $0) }
            self.mfaEnrolled = authentication.mfaEnrolled
        }
    }

    /// Time checks only; issuer and audience depend on the verifier's configuration.
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try self.exp.verifyNotExpired()
        try self.nbf?.verifyNotBefore()
    }
}

/// A JWT NumericDate (RFC 7519 §2): whole seconds since the epoch.
public struct NumericDateClaim: JWTUnixEpochClaim, Equatable {
    public var value: Date

    public init(value: Date) {
        // Whole seconds, so a claim reads back exactly as it was written.
        self.value = value.wholeSeconds
    }
}

/// How a user's session was proven, as its access tokens state it. `auth` keeps it on the session
/// row so a refreshed token says the same (a refresh is not a new proof).
public struct SessionAuthentication: Sendable, Equatable {
    public static let singleFactorACR = "urn:tract:acr:1fa"
    public static let multiFactorACR = "urn:tract:acr:mfa"

    public var amr: [String]
    public var authTime: Date
    public var mfaAt: Date?
    public var mfaEnrolled: Bool

    public init(amr: [String], authTime: Date, mfaAt: Date?, mfaEnrolled: Bool) {
        self.amr = amr
        self.authTime = authTime
        self.mfaAt = mfaAt
        self.mfaEnrolled = mfaEnrolled
    }

    public var acr: String { self.mfaAt == nil ? Self.singleFactorACR : Self.multiFactorACR }
}

extension Date {
    /// This time without its fraction of a second: a JWT NumericDate every verifier reads alike.
    var wholeSeconds: Date { Date(timeIntervalSince1970: self.timeIntervalSince1970.rounded(.down)) }
}
