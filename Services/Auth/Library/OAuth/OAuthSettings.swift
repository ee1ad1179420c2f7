import Foundation
import ServiceKit

/// One provider users can sign in with (README, "Sign in with a provider").
public struct OAuthProvider: Sendable {
    public enum Kind: Sendable, Equatable {
        /// OpenID Connect: endpoints and keys from the discovery document, identity from the
        /// verified ID token.
        case openIDConnect(discoveryURL: URL)
        /// GitHub's plain OAuth 2.0: no ID token; the identity comes from its REST API.
        case gitHub(GitHubEndpoints)
    }

    /// Lower-case letters, digits and dashes: the `{provider}` of the routes and the `oauth:<name>`
    /// sign-in method.
    public var name: String
    public var kind: Kind
    public var clientID: String
    /// Sent to the token endpoint; nil for Apple, whose secret is a JWT made per request.
    public var clientSecret: String?
    public var scopes: [String]
    /// Apple's client secret is an ES256 JWT signed with this key (AppleClientSecret.swift).
    public var apple: AppleClientSecret?

    public init(
        name: String, kind: Kind, clientID: String, clientSecret: String?, scopes: [String], apple: AppleClientSecret? = nil
    ) {
        self.name = name
        self.kind = kind
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scopes = scopes
        self.apple = apple
    }

    /// Apple answers with `response_mode=form_post` (a POST from the browser) whenever the name or
    /// email scope is asked for; everyone else redirects with the query.
    var usesFormPost: Bool { self.apple != nil }
}

/// GitHub's URLs, configurable so that tests (and GitHub Enterprise) can point elsewhere.
public struct GitHubEndpoints: Sendable, Equatable {
    public var authorizeURL: URL
    public var tokenURL: URL
    public var apiURL: URL

    public init(
        authorizeURL: URL = URL(string: "https://github.com/login/oauth/authorize")!,
        tokenURL: URL = URL(string: "https://github.com/login/oauth/access_token")!,
        apiURL: URL = URL(string: "https://api.github.com")!
    ) {
        self.authorizeURL = authorizeURL
        self.tokenURL = tokenURL
        self.apiURL = apiURL
    }
}

/// OAuth / OIDC sign-in settings (issue 15).
public struct OAuthSettings: Sendable {
    /// `OAUTH_PROVIDERS` and the per-provider variables; empty turns the routes' providers off.
    public var providers: [String: OAuthProvider]
    /// `OAUTH_REDIRECT_BASE` (default `PUBLIC_URL`): where the provider sends the browser back,
    /// `<base>/v1/auth/oauth/<provider>/callback` (register exactly that URL at the provider).
    public var redirectBase: URL
    /// `OAUTH_ALLOWED_REDIRECTS` (default `PUBLIC_URL`'s origin): where the app may ask to be sent
    /// after the callback. An entry that is an origin allows any path on it; one with a path must
    /// match exactly. Anything else is refused, so a flow cannot deliver a sign-in code to a
    /// stranger's site.
    public var allowedRedirects: [URL]
    /// `OAUTH_FLOW_TTL_SECONDS` (default 600, at most 600): how long a started flow, a sign-in code
    /// and a link ticket stay usable.
    public var flowLifetime: Duration
    /// `RATE_LIMIT_OAUTH_PER_5MIN_PER_IP` (60): authorize and callback requests, each counted.
    public var requestsPerIP: TokenBucket

    public init(
        providers: [OAuthProvider] = [],
        redirectBase: URL = URL(string: "http://127.0.0.1:8080")!,
        allowedRedirects: [URL] = [URL(string: "http://127.0.0.1:8080")!],
        flowLifetime: Duration = .seconds(600),
        requestsPerIP: TokenBucket = TokenBucket(60, per: .seconds(300))
    ) {
        self.providers = Dictionary(providers.map { ($0.name, $0) }) { first, _ in first }
        self.redirectBase = redirectBase
        self.allowedRedirects = allowedRedirects
        self.flowLifetime = flowLifetime
        self.requestsPerIP = requestsPerIP
    }

    /// The discovery documents of the providers that have a well-known one.
    static let knownDiscovery: [String: String] = [
        "google": "https://accounts.google.com/.well-known/openid-configuration",
        // `common` serves work, school and personal accounts; its issuer names `{tenantid}`.
        "microsoft": "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
        "apple": "https://appleid.apple.com/.well-known/openid-configuration",
    ]

    static func fromEnvironment(_ environment: EnvironmentReader) throws -> OAuthSettings {
        let publicURL = try environment.url("PUBLIC_URL", default: "http://127.0.0.1:8080")!
        var providers: [OAuthProvider] = []
        for entry in environment.string("OAUTH_PROVIDERS", default: "").split(separator: ",") {
            let name = entry.trimmingCharacters(in: .whitespaces).lowercased()
            guard Self.isProviderName(name) else {
                throw ConfigurationError(variable: "OAUTH_PROVIDERS", reason: "names are letters, digits and dashes; got \"\(entry)\"")
            }
            providers.append(try Self.provider(name, environment))
        }
        var allowed: [URL] = []
        for entry in environment.string("OAUTH_ALLOWED_REDIRECTS", default: "").split(separator: ",") {
            let raw = entry.trimmingCharacters(in: .whitespaces)
            guard let url = URL(string: raw), ["http", "https"].contains(url.scheme ?? ""), url.host != nil, url.fragment == nil else {
                throw ConfigurationError(variable: "OAUTH_ALLOWED_REDIRECTS", reason: "must be http(s) URLs without fragments; got \"\(raw)\"")
            }
            allowed.append(url)
        }
        return OAuthSettings(
            providers: providers,
            redirectBase: try environment.url("OAUTH_REDIRECT_BASE", default: publicURL.absoluteString)!,
            allowedRedirects: allowed.isEmpty ? [RedirectAllowList.origin(of: publicURL)] : allowed,
            flowLifetime: .seconds(try environment.integer("OAUTH_FLOW_TTL_SECONDS", default: 600, range: 60...600)),
            requestsPerIP: TokenBucket(
                try environment.integer("RATE_LIMIT_OAUTH_PER_5MIN_PER_IP", default: 60, range: 1...100_000), per: .seconds(300))
        )
    }

    static func isProviderName(_ name: String) -> Bool {
        (1...50).contains(name.utf8.count) && name.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }
    }

    static func provider(_ name: String, _ environment: EnvironmentReader) throws -> OAuthProvider {
        let prefix = "OAUTH_\(name.uppercased().replacingOccurrences(of: "-", with: "_"))_"
        guard let clientID = environment.optionalString(prefix + "CLIENT_ID") else {
            throw ConfigurationError(variable: prefix + "CLIENT_ID", reason: "is required for the provider \"\(name)\"")
        }
        let scopes = environment.optionalString(prefix + "SCOPES").map { $0.split(separator: " ").map(String.init) }
        if name == "github" {
            guard let secret = environment.optionalString(prefix + "CLIENT_SECRET") else {
                throw ConfigurationError(variable: prefix + "CLIENT_SECRET", reason: "is required for the provider \"github\"")
            }
            let defaults = GitHubEndpoints()
            let endpoints = GitHubEndpoints(
                authorizeURL: try environment.url("OAUTH_GITHUB_AUTHORIZE_URL", default: defaults.authorizeURL.absoluteString)!,
                tokenURL: try environment.url("OAUTH_GITHUB_TOKEN_URL", default: defaults.tokenURL.absoluteString)!,
                apiURL: try environment.url("OAUTH_GITHUB_API_URL", default: defaults.apiURL.absoluteString)!
            )
            return OAuthProvider(
                name: name, kind: .gitHub(endpoints), clientID: clientID, clientSecret: secret, scopes: scopes ?? ["read:user", "user:email"])
        }
        guard let discovery = try environment.url(prefix + "DISCOVERY_URL", default: Self.knownDiscovery[name]) else {
            throw ConfigurationError(
                variable: prefix + "DISCOVERY_URL", reason: "is required for the provider \"\(name)\" (its OpenID Connect issuer)")
        }
        var apple: AppleClientSecret?
        var secret = environment.optionalString(prefix + "CLIENT_SECRET")
        if name == "apple" {
            apple = try AppleClientSecret.fromEnvironment(environment, clientID: clientID)
            secret = nil
        } else if secret == nil {
            throw ConfigurationError(variable: prefix + "CLIENT_SECRET", reason: "is required for the provider \"\(name)\"")
        }
        return OAuthProvider(
            name: name, kind: .openIDConnect(discoveryURL: Self.discoveryDocument(discovery)), clientID: clientID, clientSecret: secret,
            scopes: scopes ?? (name == "apple" ? ["openid", "email", "name"] : ["openid", "email", "profile"]), apple: apple)
    }

    /// An issuer URL becomes its discovery document's (OpenID Connect Discovery §4).
    static func discoveryDocument(_ url: URL) -> URL {
        if url.path.hasSuffix("/.well-known/openid-configuration") { return url }
        let base = url.absoluteString.hasSuffix("/") ? String(url.absoluteString.dropLast()) : url.absoluteString
        return URL(string: base + "/.well-known/openid-configuration") ?? url
    }
}
