import Hummingbird

/// A controller (STYLE.md, "From Hummingbird"): a small type whose routes are `RouteCollection`s
/// with literal paths relative to where the service definition mounts it. `publicEndpoints` are
/// reachable by anonymous callers too; `endpoints` need a signed-in caller (`AuthenticatedContext`
/// fails with 401 without a token, so a handler under it cannot forget the check). A controller
/// defines either or both.
public protocol RouteController: Sendable {
    var publicEndpoints: RouteCollection<TractRequestContext> { get }
    var endpoints: RouteCollection<AuthenticatedContext> { get }
}

extension RouteController {
    public var publicEndpoints: RouteCollection<TractRequestContext> { RouteCollection(context: TractRequestContext.self) }
    public var endpoints: RouteCollection<AuthenticatedContext> { RouteCollection(context: AuthenticatedContext.self) }
}

extension RouterMethods where Context == TractRequestContext {
    /// Mounts both of a controller's collections at `path`: the one line per controller in a
    /// service definition, so every path is found by grep
    /// (`router.mount(OfferingController(store: offerings), at: "/v1/offerings")`).
    public func mount(_ controller: some RouteController, at path: RouterPath) {
        self.addRoutes(controller.publicEndpoints, atPath: path)
        self.authenticated.addRoutes(controller.endpoints, atPath: path)
    }

    /// Routes for signed-in callers only, for a collection mounted on its own.
    public var authenticated: RouterGroup<AuthenticatedContext> {
        self.group(context: AuthenticatedContext.self)
    }
}
