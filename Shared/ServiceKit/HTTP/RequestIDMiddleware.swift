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
/// a new UUID otherwise), continues or starts a W3C trace, returns the id on the response, and
/// writes one JSON access-log line with the route pattern (not the path), status and duration.
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
        context.requestID = Self.acceptableID(request.headers[.requestID]) ?? UUID().uuidString.lowercased()
        context.bodyLimit = self.bodyLimit
        let trace = request.headers[.traceparent].flatMap(TraceParent.init(header:)) ?? .random()
        context.logger[metadataKey: "hb.request.id"] = .string(context.requestID)
        context.logger[metadataKey: "trace_id"] = .string(trace.traceID)
        context.traceParent = trace

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
        let elapsed = ContinuousClock.now - started
        let milliseconds = elapsed.inSeconds * 1000
        let level: Logger.Level = response.status.code >= 500 ? .error : .info
        context.logger.log(
            level: level,
            "request",
            metadata: [
                "method": .string(request.method.rawValue),
                // The route pattern, never the path: paths carry share secrets and one-time tokens
                // (`/v1/media/shares/{id}.{secret}`), which must not outlive their use in a log.
                "route": .string(context.endpointPath ?? "NotFound"),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(String(format: "%.3f", milliseconds)),
            ]
        )
        return response
    }

    /// Caller-supplied ids end up in logs, so only short, plain ones are kept.
    static func acceptableID(_ header: String?) -> String? {
        guard let header, (1...128).contains(header.utf8.count),
            header.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
        else { return nil }
        return header
    }
}
