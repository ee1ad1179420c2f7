import Foundation
import JWTKit
import ServiceKit

/// Sign in with Apple has no fixed client secret: each token request carries an ES256 JWT signed
/// with a key from the developer account (Apple, "Creating a client secret"): `iss` the team id,
/// `sub` the client (Services) id, `aud` `https://appleid.apple.com`, `kid` the key id, and an
/// expiry at most six months away. Ours live five minutes, made fresh for each exchange, so a
/// leaked one is worth little.
public struct AppleClientSecret: Sendable {
    static let audience = "https://appleid.apple.com"
    /// Apple refuses secrets that expire more than 15,777,000 seconds (six months) after `iat`.
    static let maximumLifetime: TimeInterval = 15_777_000

    public var teamID: String
    public var keyID: String
    public var clientID: String
    let key: ES256PrivateKey
    public var lifetime: TimeInterval

    public init(teamID: String, keyID: String, clientID: String, privateKeyPEM: String, lifetime: TimeInterval = 300) throws {
        self.teamID = teamID
        self.keyID = keyID
        self.clientID = clientID
        // Environments often carry a PEM on one line with literal `\n`s.
        self.key = try ES256PrivateKey(pem: privateKeyPEM.replacingOccurrences(of: "\\n", with: "\n"))
        self.lifetime = min(lifetime, Self.maximumLifetime)
    }

    struct Claims: JWTPayload {
        var iss: IssuerClaim
        var sub: SubjectClaim
        var aud: AudienceClaim
        var iat: IssuedAtClaim
        var exp: ExpirationClaim

        func verify(using algorithm: some JWTAlgorithm) throws {
            try self.exp.verifyNotExpired()
        }
    }

    /// A client secret valid from `now` for `lifetime`.
    func make(now: Date) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: self.key, kid: JWKIdentifier(string: self.keyID))
        let claims = Claims(
            iss: IssuerClaim(value: self.teamID), sub: SubjectClaim(value: self.clientID), aud: AudienceClaim(value: [Self.audience]),
            iat: IssuedAtClaim(value: now), exp: ExpirationClaim(value: now.addingTimeInterval(self.lifetime)))
        return try await keys.sign(claims, kid: JWKIdentifier(string: self.keyID))
    }

    static func fromEnvironment(_ environment: EnvironmentReader, clientID: String) throws -> AppleClientSecret {
        var values: [String: String] = [:]
        for name in ["OAUTH_APPLE_TEAM_ID", "OAUTH_APPLE_KEY_ID", "OAUTH_APPLE_PRIVATE_KEY"] {
            guard let value = environment.optionalString(name) else {
                throw ConfigurationError(variable: name, reason: "is required for the provider \"apple\"")
            }
            values[name] = value
        }
        do {
            return try AppleClientSecret(
                teamID: values["OAUTH_APPLE_TEAM_ID"]!, keyID: values["OAUTH_APPLE_KEY_ID"]!, clientID: clientID,
                privateKeyPEM: values["OAUTH_APPLE_PRIVATE_KEY"]!)
        } catch {
            throw ConfigurationError(variable: "OAUTH_APPLE_PRIVATE_KEY", reason: "must be the PEM of the P-256 key Apple issued (.p8)")
        }
    }
}
