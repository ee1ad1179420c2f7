import Foundation
import HTTPTypes
import Hummingbird
import Models

/// Decodes JSON request bodies the Tract way: `application/json` only, at most the context's body
/// limit, snake_case keys, and every failure a problem that names the field.
public struct TractRequestDecoder: RequestDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws
        -> T
    {
        guard Self.isJSON(request.headers[.contentType]) else {
            throw Problem(
                .unsupportedMediaType,
                detail: "Send the body as application/json (got \(request.headers[.contentType] ?? "no Content-Type"))."
            )
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw Problem.bodyTooLarge(limit: context.maxUploadSize)
        }
        do {
            return try JSONDecoder.tract.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw Problem(decoding: error)
        }
    }

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }
}

/// Encodes response bodies with the suite's JSON conventions.
public struct TractResponseEncoder: ResponseEncoder {
    public init() {}

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder.tract.encode(value)
        return Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(data.count)],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

extension Problem {
    static func bodyTooLarge(limit: Int) -> Problem {
        Problem(.contentTooLarge, detail: "The request body is larger than the limit of \(limit) bytes.")
    }

    /// Maps Foundation's decoding errors to what a client can act on: malformed JSON is a 400,
    /// a well-formed body with a missing or mistyped field is a 422 naming the field.
    public init(decoding error: DecodingError) {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            self = Problem(.badRequest, detail: "The body is not valid JSON.", type: "https://tract.dev/problems/malformed-json")
        case .dataCorrupted(let context):
            self = .validation(field: Self.fieldPath(context.codingPath), context.debugDescription)
        case .keyNotFound(let key, let context):
            self = .validation(field: Self.fieldPath(context.codingPath + [key]), "is required")
        case .valueNotFound(let type, let context):
            self = .validation(field: Self.fieldPath(context.codingPath), "must be \(Self.jsonTypeName(type)), not null")
        case .typeMismatch(let type, let context):
            self = .validation(field: Self.fieldPath(context.codingPath), "must be \(Self.jsonTypeName(type))")
        @unknown default:
            self = Problem(.badRequest, detail: "The body could not be read.")
        }
    }

    /// `address.zip`, `items[2].amount` — in the snake_case the client sent.
    static func fieldPath(_ codingPath: [any CodingKey]) -> String {
        var path = ""
        for key in codingPath {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                if !path.isEmpty { path += "." }
                path += snakeCase(key.stringValue)
            }
        }
        return path.isEmpty ? "body" : path
    }

    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                if !result.isEmpty { result += "_" }
                result += character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is UUID.Type: "a UUID string"
        case is Date.Type: "an RFC 3339 timestamp"
        case is Money.Type: "an amount as a string such as \"250000.00\""
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
