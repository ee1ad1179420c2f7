import Hummingbird

/// Refuses a query parameter holding a NUL character (`?q=%00`) before any route reads it, the one
/// place the kit parses queries for every route (ARCHITECTURE.md, "Errors"): Postgres text cannot
/// hold U+0000, so the search or filter would otherwise fail as a 500.
public struct QueryGuardMiddleware<Context: TractContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        // Only `%00` decodes to NUL (a raw NUL cannot reach here: the HTTP parser refuses it).
        if let query = request.uri.query, query.contains("%00") {
            for (name, value) in request.uri.queryParameters where value.contains("\u{0}") {
                throw Problem.nulCharacter(field: String(name))
            }
        }
        return try await next(request, context)
    }
}
