import Foundation
import ServiceKit

/// Passkeys (WebAuthn) settings (issue 15): who the relying party is and which web origins may run
/// its ceremonies. A credential is bound to the RP ID for life, so changing it orphans every passkey.
public struct PasskeySettings: Sendable {
    /// `PASSKEY_RP_ID` (default: `PUBLIC_URL`'s host, or `localhost` when that is an IP address,
    /// which browsers refuse as an RP ID): the registrable domain passkeys are scoped to.
    public var relyingPartyID: String
    /// `PASSKEY_RP_NAME` (default `Tract`): the name authenticators show.
    public var relyingPartyName: String
    /// `PASSKEY_ORIGINS` (comma list, default `PUBLIC_URL`'s origin): the exact origins, scheme and
    /// port included, a ceremony's clientDataJSON may name.
    public var origins: [String]
    /// `PASSKEY_CHALLENGE_TTL_SECONDS` (default 300): how long a challenge can be answered.
    public var challengeLifetime: Duration
    /// `RATE_LIMIT_PASSKEY_PER_5MIN_PER_IP` (60): options and verifications from one address.
    public var ceremoniesPerIP: TokenBucket

    public init(
        relyingPartyID: String = "localhost",
        relyingPartyName: String = "Tract",
        origins: [String] = ["http://localhost:8080"],
        challengeLifetime: Duration = .seconds(300),
        ceremoniesPerIP: TokenBucket = TokenBucket(60, per: .seconds(300))
    ) {
        self.relyingPartyID = relyingPartyID
        self.relyingPartyName = relyingPartyName
        self.origins = origins
        self.challengeLifetime = challengeLifetime
        self.ceremoniesPerIP = ceremoniesPerIP
    }

    static func fromEnvironment(_ environment: EnvironmentReader) throws -> PasskeySettings {
        let publicURL = try environment.url("PUBLIC_URL", default: "http://127.0.0.1:8080")!
        let (defaultID, defaultOrigin) = Self.defaults(publicURL)
        let rpID = environment.string("PASSKEY_RP_ID", default: defaultID).lowercased()
        guard !rpID.isEmpty, rpID.count <= 253, !rpID.contains("/"), !rpID.contains(":") else {
            throw ConfigurationError(variable: "PASSKEY_RP_ID", reason: "must be a domain name such as example.com, got \"\(rpID)\"")
        }
        var origins: [String] = []
        for entry in environment.string("PASSKEY_ORIGINS", default: defaultOrigin).split(separator: ",") {
            let origin = entry.trimmingCharacters(in: .whitespaces)
            guard let url = URL(string: origin), let scheme = url.scheme, ["http", "https"].contains(scheme), let host = url.host,
                url.path.isEmpty, url.query == nil, host == rpID || host.hasSuffix("." + rpID)
            else {
                throw ConfigurationError(
                    variable: "PASSKEY_ORIGINS",
                    reason: "must be origins (scheme://host[:port], no path) on the RP ID \(rpID) or its subdomains; got \"\(origin)\"")
            }
            origins.append(origin)
        }
        return PasskeySettings(
            relyingPartyID: rpID,
            relyingPartyName: environment.string("PASSKEY_RP_NAME", default: "Tract"),
            origins: origins,
            challengeLifetime: .seconds(try environment.integer("PASSKEY_CHALLENGE_TTL_SECONDS", default: 300, range: 30...900)),
            ceremoniesPerIP: TokenBucket(
                try environment.integer("RATE_LIMIT_PASSKEY_PER_5MIN_PER_IP", default: 60, range: 1...1_000_000), per: .seconds(300))
        )
    }

    /// The RP ID and origin `PUBLIC_URL` implies; an IP address host becomes `localhost`.
    static func defaults(_ publicURL: URL) -> (rpID: String, origin: String) {
        let host = (publicURL.host ?? "localhost").lowercased()
        let isAddress = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
        let rpID = isAddress ? "localhost" : host
        let port = publicURL.port.map { ":\($0)" } ?? ""
        return (rpID, "\(publicURL.scheme ?? "https")://\(rpID)\(port)")
    }
}
