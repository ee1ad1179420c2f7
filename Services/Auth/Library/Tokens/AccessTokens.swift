import Foundation
import JWTKit
import Logging
import Models
import ServiceKit

/// Signs access tokens: short-lived JWTs any service verifies offline against the JWKS.
struct AccessTokens: Sendable {
    let keys: SigningKeys
    let issuer: String
    let audience: String
    let lifetime: Duration
    let clock: ServiceClock
    let ids: IDGenerator

    /// `authentication`: how the session was proven (user tokens); service tokens have none.
    /// `organization`: the session's active organisation and the member's current role there.
    func issue(
        subject: String,
        sessionID: UUID?,
        roles: [Role],
        scopes: [String],
        authentication: SessionAuthentication? = nil,
        organization: ActiveOrganization? = nil,
        logger: Logger
    ) async throws -> String {
        let now = self.clock.now
        let key = try await self.keys.current(logger: logger)
        let claims = AccessTokenClaims(
            subject: subject,
            sessionID: sessionID?.uuidString.lowercased(),
            roles: roles.map(\.rawValue),
            organizationID: organization?.id.uuidString.lowercased(),
            organizationRole: organization?.role.rawValue,
            scopes: scopes,
            audience: [self.audience],
            issuer: self.issuer,
            issuedAt: now,
            expiresAt: now.addingTimeInterval(Double(self.lifetime.components.seconds)),
            tokenID: self.ids.next().uuidString.lowercased(),
            authentication: authentication
        )
        // `Ed25519`, the fully specified name RFC 9864 gives what jwt-kit still calls `EdDSA`.
        return try await key.keys.sign(claims, kid: JWKIdentifier(string: key.kid), header: ["typ": "at+jwt", "alg": "Ed25519"])
    }

    var expiresIn: Int { Int(self.lifetime.components.seconds) }
}
