import Foundation
import Models

/// Which routes of a service a personal API token may reach at all, before its scopes are
/// looked at. Most services open every public route (`/v1/…`); auth opens only the few that a
/// script has any business with, so that a token can never mint tokens, open sessions, change a
/// password or a second factor, whatever new auth route is added later.
public enum APITokenReach: Sendable, Equatable {
    /// Every `/v1/` route.
    case everyPublicRoute
    /// Only these exact `/v1/` paths.
    case only(Set<String>)
}

/// The rule `APITokenScopeMiddleware` applies, apart from any I/O so it can be tested alone.
public enum APITokenPolicy {
    /// Why a request made with an API token that holds `scopes` is refused by `service`, or nil
    /// when it may go on to the route (which still checks ownership and roles as for a session).
    ///
    /// - `/internal/` routes are for service tokens only: never an API token, whatever it holds.
    /// - Other paths outside `/v1/` (probes, metrics, `/openapi.json`, the JWKS) are public anyway.
    /// - A `/v1/` path outside the service's `reach` is refused.
    /// - Every request needs `<service>:read`; a method other than GET and HEAD (RFC 9110 §9.2.1,
    ///   the safe methods) needs `<service>:write` too.
    public static func refusal(method: String, path: String, service: ServiceName, scopes: Set<String>, reach: APITokenReach) -> String? {
        let path = Self.normalized(path)
        if path == "/internal" || path.hasPrefix("/internal/") { return "API tokens cannot call internal routes." }
        guard path.hasPrefix("/v1/") else { return nil }
        if case .only(let paths) = reach, !paths.contains(path) {
            return "API tokens cannot call \(path); sign in to do this."
        }
        let read = APITokenScope.read(service)
        guard scopes.contains(read) else { return "This API token lacks the \"\(read)\" scope." }
        let write = APITokenScope.write(service)
        if method != "GET", method != "HEAD", !scopes.contains(write) {
            return "This API token lacks the \"\(write)\" scope: it may only read."
        }
        return nil
    }

    /// The path as the router may read it: empty segments dropped (`//internal/`, `/v1/auth/me/`),
    /// percent-escapes decoded (`/%69nternal/`), so no spelling slips past the checks above.
    static func normalized(_ path: String) -> String {
        "/" + path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }.joined(separator: "/")
    }
}
