import Foundation
import Hummingbird
import JWTKit
import Models
import NIOConcurrencyHelpers
import ServiceKit

/// Signs access tokens with keys the test makes and publishes them as a JWKS over real HTTP,
/// standing in for `auth` until its own signing exists (issue 3). Counts JWKS fetches so tests can
/// check the verifier's caching.
public final class TestIssuer: Sendable {
    public let issuer = "tract-auth"
    public let audience = "tract"
    private let state: NIOLockedValueBox<State>

    struct State {
        var published: [(kid: String, key: EdDSA.PrivateKey)]
        var fetches = 0
    }

    public init() throws {
        self.state = .init(State(published: [(kid: "key-1", key: try EdDSA.PrivateKey())]))
    }

    public var fetchCount: Int { self.state.withLockedValue { $0.fetches } }

    /// Adds a new signing key to the published set (what auth does when it rotates).
    public func rotate(kid: String) throws {
        let key = try EdDSA.PrivateKey()
        self.state.withLockedValue { $0.published.append((kid, key)) }
    }

    /// Stops publishing `kid` (what auth does once the last token it signed has expired).
    public func retire(kid: String) {
        self.state.withLockedValue { $0.published.removeAll { $0.kid == kid } }
    }

    /// A token; every claim can be bent to test the verifier's checks. `algorithm` is the header's
    /// name for Ed25519: RFC 9864's `Ed25519`, as auth signs, or the deprecated `EdDSA`.
    public func token(
        subject: String = UUID().uuidString.lowercased(),
        roles: [Role] = [.investor],
        scopes: [String] = [Scope.user],
        audience: String? = nil,
        issuer: String? = nil,
        expiresIn: TimeInterval = 600,
        kid: String? = nil,
        signingKey: EdDSA.PrivateKey? = nil,
        authentication: SessionAuthentication? = nil,
        algorithm: String = "Ed25519",
        organization: (id: UUID, role: OrganizationRole)? = nil
    ) async throws -> String {
        let published = self.state.withLockedValue { $0.published }
        let chosenKid = kid ?? published.last!.kid
        let key = signingKey ?? published.first(where: { $0.kid == chosenKid })?.key ?? published.last!.key
        let now = Date()
        let claims = AccessTokenClaims(
            subject: subject,
            sessionID: UUID().uuidString.lowercased(),
            roles: roles.map(\.rawValue),
            organizationID: organization?.id.uuidString.lowercased(),
            organizationRole: organization?.role.rawValue,
            scopes: scopes,
            audience: [audience ?? self.audience],
            issuer: issuer ?? self.issuer,
            issuedAt: now,
            expiresAt: now.addingTimeInterval(expiresIn),
            authentication: authentication
        )
        let keys = JWTKeyCollection()
        await keys.add(eddsa: key, kid: JWKIdentifier(string: chosenKid))
        return try await keys.sign(claims, kid: JWKIdentifier(string: chosenKid), header: ["alg": .string(algorithm)])
    }

    /// The JWKS document as auth serves it.
    public func jwksJSON() throws -> String {
        let published = self.state.withLockedValue { $0.published }
        let keys = published.map { entry in
            let x = entry.key.publicKey.rawRepresentation.base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            return #"{"kty":"OKP","crv":"Ed25519","use":"sig","alg":"Ed25519","kid":"\#(entry.kid)","x":"\#(x)"}"#
        }
        return #"{"keys":[\#(keys.joined(separator: ","))]}"#
    }

    /// Serves `/.well-known/jwks.json` on a loopback port for the duration of `body`.
    public func serve<T: Sendable>(_ body: @Sendable (_ jwksURL: URL) async throws -> T) async throws -> T {
        let router = Router()
        router.get(".well-known/jwks.json") { _, _ in
            self.state.withLockedValue { $0.fetches += 1 }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: try self.jwksJSON()))
            )
        }
        return try await withLocalServer(router) { baseURL in
            try await body(baseURL.appendingPathComponent(".well-known/jwks.json"))
        }
    }

    public var identityConfiguration: (URL) -> IdentityConfiguration {
        { url in IdentityConfiguration(jwksURL: url, issuer: self.issuer, audience: self.audience) }
    }
}

extension TestIssuer {
    /// The token auth's client-credentials grant gives `service`: its client id as subject and the
    /// scopes `ServiceGrants` derives for it.
    public func serviceToken(for service: ServiceName) async throws -> String {
        try await self.token(subject: service.rawValue, roles: [], scopes: ServiceGrants.scopes(of: service))
    }
}

/// Service tokens signed by the test issuer: the same bearer the dispatcher would get from auth's
/// client-credentials grant for `service` (subject = client id = service name). `scopes` replaces
/// the service's own for test services that publish events of their own making.
public struct TestServiceTokens: ServiceTokenProvider {
    let issuer: TestIssuer
    let service: ServiceName
    let scopes: [String]?

    public init(issuer: TestIssuer, service: ServiceName, scopes: [String]? = nil) {
        self.issuer = issuer
        self.service = service
        self.scopes = scopes
    }

    public func token() async throws -> String? {
        guard let scopes else { return try await self.issuer.serviceToken(for: self.service) }
        return try await self.issuer.token(subject: self.service.rawValue, roles: [], scopes: scopes)
    }
}
