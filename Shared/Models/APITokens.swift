import Foundation

/// What a personal API token may do (issue 16, seed 004 §1.5): per service, read (GET and HEAD) and
/// write (every other method), in the `<service>:read` / `<service>:write` form GitHub's fine-grained
/// tokens made familiar. A service checks only its own two; the kit does it once for every service
/// (`APITokenScopeMiddleware`).
public enum APITokenScope {
    public static func read(_ service: ServiceName) -> String { "\(service.rawValue):read" }
    public static func write(_ service: ServiceName) -> String { "\(service.rawValue):write" }

    /// Every scope a token may be given, in the order the services are listed.
    public static let all: [String] = ServiceName.allCases.flatMap { [Self.read($0), Self.write($0)] }

    /// `scopes` as stored: each known scope once, a write scope bringing its read scope with it (a
    /// token that may change listings may also see them), sorted. Unknown scopes are the caller's to
    /// refuse before this.
    public static func normalized(_ scopes: some Sequence<String>) -> [String] {
        var granted = Set(scopes)
        for service in ServiceName.allCases where granted.contains(Self.write(service)) { granted.insert(Self.read(service)) }
        return Self.all.filter(granted.contains)
    }
}

/// `POST /internal/v1/api-tokens/introspect` in auth: a service asks who an API token speaks for.
/// `clientIP` is the address the token was used from, for the token's "last used" record.
public struct APITokenIntrospectionRequest: Codable, Sendable {
    public var token: String
    public var clientIp: String?

    public init(token: String, clientIp: String?) {
        self.token = token
        self.clientIp = clientIp
    }
}

/// The answer for a live token: the user it acts for with the roles they hold now (not when the
/// token was made), the token's scopes, and when it expires.
public struct APITokenIntrospection: Codable, Sendable, Equatable {
    public var tokenId: UUID
    public var userId: UUID
    public var roles: [Role]
    public var scopes: [String]
    public var expiresAt: Date
    /// The user has a second factor, so routes that need a recent one refuse the token (it proves
    /// no second factor), as they refuse a session that has not stepped up.
    public var mfaEnrolled: Bool

    public init(tokenId: UUID, userId: UUID, roles: [Role], scopes: [String], expiresAt: Date, mfaEnrolled: Bool) {
        self.tokenId = tokenId
        self.userId = userId
        self.roles = roles
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.mfaEnrolled = mfaEnrolled
    }
}
