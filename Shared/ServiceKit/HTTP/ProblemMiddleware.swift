import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO

/// Turns every error a route throws into `application/problem+json`. Expected failures arrive as
/// `Problem`s; Hummingbird's own errors (no such route, body too large) keep their status; anything
/// else is logged with the request id and answered with a bare 500 that reveals nothing internal.
/// A `DecodingError` is "anything else": client JSON is read by `RequestJSON`, which throws
/// `Problem`s, so one arriving here came from stored JSON or a peer's reply — the server's fault.
public struct ProblemMiddleware<Context: TractContext>: RouterMiddleware {
    let routes: RouteTable

    public init(routes: RouteTable) {
        self.routes = routes
    }

    /// `Retry-After` on a peer's outage: a restarting peer is back within seconds (issue 18, faults).
    static var peerRetryAfterSeconds: Int { 5 }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let problem = self.problem(for: error, request: request, logger: context.logger)
            return Problem.render(
                problem.details(requestID: context.requestID, instance: request.uri.path),
                status: problem.status,
                headers: problem.headers
            )
        }
    }

    func problem(for error: any Error, request: Request, logger: Logger) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let httpError as HTTPError where httpError.status == .notFound && httpError.body == nil:
            if let allowed = self.routes.allowedMethods(for: request.uri.path), !allowed.contains(request.method.rawValue) {
                return Problem(
                    .methodNotAllowed,
                    detail: "\(request.uri.path) answers \(allowed.joined(separator: ", ")), not \(request.method.rawValue).",
                    headers: [.allow: allowed.joined(separator: ", ")]
                )
            }
            return Problem(.notFound, detail: "No route matches \(request.method.rawValue) \(request.uri.path).")
        case let httpError as HTTPError:
            return Problem(
                httpError.status,
                detail: httpError.body,
                headers: httpError.headers.filter { $0.name != .contentType && $0.name != .contentLength }
            )
        case let responseError as any HTTPResponseError where responseError.status == .contentTooLarge:
            return Problem(.contentTooLarge, detail: "The request body is too large.")
        case let responseError as any HTTPResponseError where responseError.status.code < 500:
            return Problem(responseError.status)
        case let peerError as InternalCallError:
            // A peer this request needs did not answer or failed (down, restarting, timed out): the
            // caller is told to come back, as for the database, not given a 500 that blames our code.
            logger.warning("a peer did not answer", metadata: ["error": .string(peerError.description)])
            return Problem(
                .serviceUnavailable,
                detail: "A service this request needs is not answering just now; try again shortly.",
                headers: [.retryAfter: String(Self.peerRetryAfterSeconds)],
                type: "https://tract.dev/problems/peer-unavailable"
            )
        default:
            logger.error(
                "unhandled error",
                metadata: ["error": .string(String(reflecting: error)), "error_type": .string("\(type(of: error))")]
            )
            return Problem(
                .internalServerError,
                detail: "Something went wrong on our side. Quote the request id if you contact us."
            )
        }
    }
}

/// What the shared middlewares need from a context: Tract's and its authenticated child both qualify.
public protocol TractContext: RequestContext {
    var requestID: String { get }
}

extension TractRequestContext: TractContext {}
extension AuthenticatedContext: TractContext {}
