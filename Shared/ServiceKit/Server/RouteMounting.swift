import Hummingbird

/// How a service mounts its controllers (STYLE.md, "From Hummingbird"): each controller exposes
/// `RouteCollection`s with literal paths, and the service definition mounts them at theirs:
///
/// ```swift
/// router.addRoutes(OfferingController(store).publicEndpoints, atPath: "/v1/offerings")
/// router.authenticated.addRoutes(OfferingController(store).endpoints, atPath: "/v1/offerings")
/// ```
extension RouterMethods where Context == TractRequestContext {
    /// Routes for signed-in callers only: `AuthenticatedContext` fails without an identity (401),
    /// so a handler under it cannot forget the check.
    public var authenticated: RouterGroup<AuthenticatedContext> {
        self.group(context: AuthenticatedContext.self)
    }
}
