import Foundation
import HTTPTypes
import Logging
import ServiceKit

/// The configured providers and, for each OIDC one, its cached discovery document and keys. Made
/// once per process (the caches live in it), so every request shares them.
struct OAuthProviders: Sendable {
    let settings: OAuthSettings
    let keys: [String: ProviderKeys]

    init(settings: OAuthSettings, logger: Logger) {
        self.settings = settings
        var keys: [String: ProviderKeys] = [:]
        for (name, provider) in settings.providers {
            if case .openIDConnect(let discoveryURL) = provider.kind {
                keys[name] = ProviderKeys(provider: name, discoveryURL: discoveryURL, logger: logger)
            }
        }
        self.keys = keys
    }

    func provider(_ name: String) throws -> OAuthProvider {
        guard let provider = self.settings.providers[name] else { throw Problem.notFound("No provider named \"\(name.prefix(50))\" is configured.") }
        return provider
    }

    /// An OIDC provider's discovery and keys (made in `init` for each of them).
    func keys(of provider: OAuthProvider) throws -> ProviderKeys {
        guard let keys = self.keys[provider.name] else { throw Problem(.internalServerError, detail: "The provider has no key cache.") }
        return keys
    }

    /// Where the provider sends the browser back; the same string goes to the token endpoint.
    func callbackURL(_ provider: OAuthProvider) -> String {
        var base = self.settings.redirectBase.absoluteString
        if base.hasSuffix("/") { base.removeLast() }
        return "\(base)/v1/auth/oauth/\(provider.name)/callback"
    }

    /// The provider's authorization URL for one flow (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core
    /// §3.1.2.1).
    func authorizationURL(_ provider: OAuthProvider, state: String, nonce: String, challenge: String) async throws -> String {
        var endpoint: URL
        var items = [
            URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "client_id", value: provider.clientID),
            URLQueryItem(name: "redirect_uri", value: self.callbackURL(provider)),
            URLQueryItem(name: "scope", value: provider.scopes.joined(separator: " ")), URLQueryItem(name: "state", value: state),
            URLQueryItem(name: "code_challenge", value: challenge), URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        switch provider.kind {
        case .openIDConnect:
            endpoint = try await self.keys(of: provider).discovery().authorizationEndpoint
            items.append(URLQueryItem(name: "nonce", value: nonce))
            if provider.usesFormPost { items.append(URLQueryItem(name: "response_mode", value: "form_post")) }
        case .gitHub(let endpoints):
            endpoint = endpoints.authorizeURL
        }
        guard var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false) else {
            throw Problem(.badGateway, detail: "The provider's authorization endpoint is not a URL.")
        }
        components.queryItems = (components.queryItems ?? []) + items
        // URLQueryItem leaves `+` alone, which form decoding at the provider would read as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.url else { throw Problem(.badGateway, detail: "The provider's authorization endpoint is not a URL.") }
        endpoint = url
        return endpoint.absoluteString
    }

    /// Redeems the code and proves who signed in: the ID token's signature and claims for OIDC,
    /// GitHub's API for GitHub. A refused ID token throws `IDTokenRefused` naming the rule.
    func identity(_ provider: OAuthProvider, code: String, verifier: String, nonce: String, now: Date, logger: Logger) async throws
        -> ProviderIdentity
    {
        switch provider.kind {
        case .gitHub(let endpoints):
            let tokens = try await ProviderClient.exchange(
                code: code, provider: provider, tokenURL: endpoints.tokenURL, redirectURI: self.callbackURL(provider), verifier: verifier,
                authMethods: nil, now: now, logger: logger)
            guard let accessToken = tokens.accessToken else { throw ProviderClient.providerRefused("GitHub returned no access token.") }
            return try await ProviderClient.gitHubIdentity(accessToken: accessToken, provider: provider.name, endpoints: endpoints, logger: logger)
        case .openIDConnect:
            let keys = try self.keys(of: provider)
            let document = try await keys.discovery()
            let tokens = try await ProviderClient.exchange(
                code: code, provider: provider, tokenURL: document.tokenEndpoint, redirectURI: self.callbackURL(provider), verifier: verifier,
                authMethods: document.tokenEndpointAuthMethodsSupported, now: now, logger: logger)
            guard let idToken = tokens.idToken else { throw IDTokenRefused(reason: "id_token_missing") }
            let claims: IDTokenClaims
            do {
                claims = try await keys.verifySignature(idToken)
            } catch let failure as IDTokenSignatureFailure {
                throw IDTokenRefused(reason: failure.rawValue)
            }
            do {
                try IDTokenRules.check(
                    claims, IDTokenRules.Expectations(issuer: document.issuer, clientID: provider.clientID, nonce: nonce, now: now))
            } catch let rejection as IDTokenRejection {
                throw IDTokenRefused(reason: rejection.rawValue)
            }
            return ProviderIdentity(
                provider: provider.name, subject: claims.sub, email: claims.email,
                emailVerified: Self.emailIsVerified(claims, provider: provider, issuer: document.issuer),
                name: claims.name.map { String($0.prefix(200)) }, avatarURL: claims.picture.flatMap { $0.utf8.count <= 2000 ? $0 : nil })
        }
    }

    /// `email_verified` is the OIDC answer. Microsoft sends none and lets tenant admins set any
    /// `email` (the "nOAuth" account takeovers), so there only `xms_edov` — the email domain's
    /// owner verified it — counts.
    static func emailIsVerified(_ claims: IDTokenClaims, provider: OAuthProvider, issuer: String) -> Bool {
        if issuer.hasPrefix("https://login.microsoftonline.com/") { return claims.xmsEdov == true }
        return claims.emailVerified == true
    }
}

/// The ID token failed a check; `reason` (an `IDTokenRejection` or signature failure) is recorded.
struct IDTokenRefused: Error {
    var reason: String

    var problem: Problem {
        Problem(
            .badRequest, detail: "The provider's ID token was refused (\(self.reason)).", type: "https://tract.dev/problems/invalid-id-token")
    }
}
