import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models

extension HTTPField.Name {
    public static let requestID = Self("X-Request-Id")!
    public static let idempotencyKey = Self("Idempotency-Key")!
}

/// The outermost middleware: gives each request an id (the caller's `X-Request-Id` when it is sane,
/// a new UUID otherwise), continues or starts a W3C trace in the request's server span, returns the
/// id on the response, and writes one JSON access-log line with the route pattern (not the path), status and duration.
public struct RequestIDMiddleware: RouterMiddleware {
    public typealias Context = TractRequestContext
    let bodyLimit: Int

    public init(bodyLimit: Int) {
        self.bodyLimit = bodyLimit
    }

    public func handle(
        _ request: Request,
        context: TractRequestContext,
        next: (Request, TractRequestContext) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        var context = context
        context.requestID = Self.acceptableID(request.headers[.requestID]) ?? RequestIdentifiers.uuidText()
        context.bodyLimit = self.bodyLimit
        context.logger[metadataKey: "hb.request.id"] = .string(context.requestID)
        let method = request.method.rawValue
        // The server span: the caller's trace continued (or a new one), named by the route once
        // routing has found it. Every log line written inside carries its trace and span ids.
        let caller = request.headers[.traceparent].flatMap(TraceParent.init(header:))
        return await TraceSpans.run(method, kind: .server, parent: caller) { span in
            context.traceParent = span.trace
            var response: Response
            do {
                response = try await next(request, context)
            } catch {
                // ProblemMiddleware sits inside this one, so only a failure in it lands here.
                response = Problem.render(
                    Problem(.internalServerError).details(requestID: context.requestID, instance: nil),
                    status: .internalServerError,
                    headers: [:]
                )
            }
            response.headers[.requestID] = context.requestID
            let route = context.endpointPath ?? "NotFound"
            span.rename("\(method) \(route)")
            span.set("http.request.method", method)
            span.set("http.route", route)
            span.set("http.response.status_code", Int(response.status.code))
            if response.status.code >= 500 { span.fail("HTTP \(response.status.code)") }
            let elapsed = ContinuousClock.now - started
            let level: Logger.Level = response.status.code >= 500 ? .error : .info
            context.logger.log(
                level: level,
                "request",
                metadata: [
                    "method": .string(method),
                    // The route pattern, never the path: paths carry share secrets and one-time tokens
                    // (`/v1/media/shares/{id}.{secret}`), which must not outlive their use in a log.
                    "route": .string(route),
                    "status": .stringConvertible(response.status.code),
                    "duration_ms": .string(elapsed.millisecondsText),
                ]
            )
            return response
        }
    }

    /// Caller-supplied ids end up in logs, so only short, plain ones are kept.
    static func acceptableID(_ header: String?) -> String? {
        guard let header, (1...128).contains(header.utf8.count),
            header.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
        else { return nil }
        return header
    }
}
