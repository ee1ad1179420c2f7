import Foundation
import HTTPTypes
import Hummingbird
import Models

/// An error that becomes an RFC 9457 `application/problem+json` response. Handlers throw these for
/// every expected failure; `ProblemMiddleware` turns anything else into a bare 500.
public struct Problem: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var detail: String?
    public var errors: [ProblemDetails.FieldError]
    public var headers: HTTPFields
    /// A URI naming the kind of problem, stable for clients to branch on.
    public var type: String
    /// RFC 9457 extension members (snake_case names), e.g. the ticket of `mfa-required`.
    public var extensions: [String: JSONValue]

    public init(
        _ status: HTTPResponse.Status,
        detail: String? = nil,
        errors: [ProblemDetails.FieldError] = [],
        headers: HTTPFields = [:],
        type: String? = nil,
        extensions: [String: JSONValue] = [:]
    ) {
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.type = type ?? Self.typeURI(for: status)
        self.extensions = extensions
    }

    public var description: String { "\(self.status.code) \(self.detail ?? self.status.reasonPhrase)" }

    /// `https://tract.dev/problems/<slug>`: documented in the OpenAPI `Problem` schema.
    static func typeURI(for status: HTTPResponse.Status) -> String {
        let slug = status.reasonPhrase.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .joined(separator: "-")
        return "https://tract.dev/problems/\(slug)"
    }

    public func details(requestID: String?, instance: String?) -> ProblemDetails {
        ProblemDetails(
            type: self.type,
            title: self.status.reasonPhrase,
            status: self.status.code,
            detail: self.detail,
            instance: instance,
            requestId: requestID,
            errors: self.errors.isEmpty ? nil : self.errors,
            extensions: self.extensions
        )
    }
}

extension Problem {
    /// 422 with one entry per invalid field.
    public static func validation(_ errors: [ProblemDetails.FieldError], detail: String? = nil) -> Problem {
        Problem(
            .unprocessableContent,
            detail: detail ?? "The request has \(errors.count) invalid field\(errors.count == 1 ? "" : "s").",
            errors: errors,
            type: "https://tract.dev/problems/validation"
        )
    }

    public static func validation(field: String, _ message: String) -> Problem {
        .validation([.init(field: field, message: message)])
    }

    /// A NUL character in what a client sent, refused wherever the kit reads input (JSON, query,
    /// form): Postgres text cannot hold U+0000, so it would otherwise fail a statement as a 500.
    public static func nulCharacter(field: String) -> Problem {
        .validation(field: field, "must not contain the NUL character")
    }

    public static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, detail: detail) }

    /// 401 with the RFC 6750 challenge, so clients know to (re)authenticate.
    public static func unauthorized(_ detail: String, error: String = "invalid_token") -> Problem {
        Problem(
            .unauthorized,
            detail: detail,
            headers: [.wwwAuthenticate: "Bearer error=\"\(error)\""]
        )
    }

    public static func forbidden(_ detail: String) -> Problem { Problem(.forbidden, detail: detail) }
    public static func notFound(_ detail: String) -> Problem { Problem(.notFound, detail: detail) }
    public static func conflict(_ detail: String) -> Problem { Problem(.conflict, detail: detail) }

    public static func tooManyRequests(retryAfterSeconds: Int, detail: String) -> Problem {
        Problem(.tooManyRequests, detail: detail, headers: [.retryAfter: String(max(1, retryAfterSeconds))])
    }

    public static func serviceUnavailable(_ detail: String) -> Problem {
        Problem(.serviceUnavailable, detail: detail)
    }
}

extension Problem: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Self.render(self.details(requestID: nil, instance: request.uri.path), status: self.status, headers: self.headers)
    }

    static func render(_ details: ProblemDetails, status: HTTPResponse.Status, headers: HTTPFields) -> Response {
        let data = (try? JSONEncoder.tract.encode(details)) ?? Data("{}".utf8)
        var fields = headers
        fields[.contentType] = "application/problem+json"
        fields[.contentLength] = String(data.count)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
