import HTTPTypes
import Hummingbird
import Models

/// Holds every API-token request to what its token's scopes allow in this service (403 problem
/// naming the missing scope): the one place the suite enforces them. Runs after
/// `IdentityMiddleware`; requests with access tokens, service tokens or none pass untouched.
public struct APITokenScopeMiddleware: RouterMiddleware {
    public typealias Context = TractRequestContext
    let service: ServiceName
    let reach: APITokenReach

    public init(service: ServiceName, reach: APITokenReach) {
        self.service = service
        self.reach = reach
    }

    public func handle(
        _ request: Request,
        context: TractRequestContext,
        next: (Request, TractRequestContext) async throws -> Response
    ) async throws -> Response {
        if let identity = context.identity, identity.apiTokenID != nil,
            let refusal = APITokenPolicy.refusal(
                method: request.method.rawValue, path: request.uri.path, service: self.service, scopes: identity.scopes, reach: self.reach)
        {
            throw Problem.forbidden(refusal)
        }
        return try await next(request, context)
    }
}
