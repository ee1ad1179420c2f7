import Foundation
import JWTKit

/// The claims of a Tract access token (ARCHITECTURE.md, "Identity"): `sub`, `sid`, `roles`, `org`,
/// `scope`, `aud`, `iss`, `exp`. `auth` signs them; every service verifies them.
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var sid: String?
    public var roles: [String]?
    public var org: String?
    /// Space-separated, as in OAuth 2.0 (RFC 6749 §3.3).
    public var scope: String?
    public var aud: AudienceClaim
    public var iss: IssuerClaim
    public var exp: ExpirationClaim
    public var nbf: NotBeforeClaim?
    public var iat: IssuedAtClaim?
    public var jti: IDClaim?

    public init(
        subject: String,
        sessionID: String? = nil,
        roles: [String] = [],
        organizationID: String? = nil,
        scopes: [String],
        audience: [String],
        issuer: String,
        issuedAt: Date,
        expiresAt: Date,
        notBefore: Date? = nil,
        tokenID: String? = nil
    ) {
        self.sub = SubjectClaim(value: subject)
        self.sid = sessionID
        self.roles = roles
        self.org = organizationID
        self.scope = scopes.joined(separator: " ")
        self.aud = AudienceClaim(value: audience)
        self.iss = IssuerClaim(value: issuer)
        self.exp = ExpirationClaim(value: expiresAt)
        self.nbf = notBefore.map { NotBeforeClaim(value: $0) }
        self.iat = IssuedAtClaim(value: issuedAt)
        self.jti = tokenID.map { IDClaim(value: $0) }
    }

    /// Time checks only; issuer and audience depend on the verifier's configuration.
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try self.exp.verifyNotExpired()
        try self.nbf?.verifyNotBefore()
    }
}
