import HTTPTypes
import Hummingbird
import Logging

/// Reads `Authorization: Bearer …`, verifies the token and puts the caller's identity on the
/// context. No header means an anonymous caller; a header with a bad token is a 401 even on routes
/// that anonymous callers may use (ARCHITECTURE.md: a bad token is never treated as anonymous).
public struct IdentityMiddleware: RouterMiddleware {
    public typealias Context = TractRequestContext
    let verifier: TokenVerifier
    /// Whose `X-Forwarded-For` names the client, for an API token's "last used from".
    let trustedProxies: TrustedProxies

    public init(verifier: TokenVerifier, trustedProxies: TrustedProxies = .none) {
        self.verifier = verifier
        self.trustedProxies = trustedProxies
    }

    public func handle(
        _ request: Request,
        context: TractRequestContext,
        next: (Request, TractRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let authorization = request.headers[.authorization] else {
            return try await next(request, context)
        }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw Problem.unauthorized("Send the access token as \"Authorization: Bearer <token>\".", error: "invalid_request")
        }
        var context = context
        context.identity = try await self.verifier.identify(
            String(parts[1]), clientIP: ClientAddress.of(request, remote: context.remoteAddress, trustedProxies: self.trustedProxies),
            context: context.callContext)
        if let identity = context.identity {
            context.logger[metadataKey: "subject"] = .string(identity.subject)
        }
        return try await next(request, context)
    }
}

/// Lets through only callers whose token carries `scope` (each `/internal/` route names its own).
public struct RequireScopeMiddleware: RouterMiddleware {
    public typealias Context = AuthenticatedContext
    let scope: String

    public init(_ scope: String) {
        self.scope = scope
    }

    public func handle(
        _ request: Request,
        context: AuthenticatedContext,
        next: (Request, AuthenticatedContext) async throws -> Response
    ) async throws -> Response {
        try context.identity.requireScope(self.scope)
        return try await next(request, context)
    }
}
