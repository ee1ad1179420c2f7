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
        return try RequestJSON.decode(T.self, from: Array(buffer.readableBytesView))
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

    static let malformedJSON = Problem(
        .badRequest,
        detail: "The body is not valid JSON.",
        type: "https://tract.dev/problems/malformed-json"
    )
}

/// Reads JSON a client sent, the one way every route does (ARCHITECTURE.md, "Errors"): a NUL
/// character or a key sent twice is refused, and every failure is a 4xx naming the field as the
/// client spelled it. Only client input goes through here: a decoding error anywhere else (stored
/// JSON, a peer's reply) is the server's fault and `ProblemMiddleware` answers it with a 500.
public enum RequestJSON {
    /// How many suspect numbers a failed decode tries one by one to find the one that did not fit.
    static let maximumNumberProbes = 32

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        // The common case of a body read key by key, in one pass; whatever it is unsure of comes
        // through the checks below, which decide as ever.
        if T.self == JSONValue.self, let value = JSONTree.parse(bytes) { return value as! T }
        let scan = JSONScan(bytes)
        switch scan.finding {
        case .nul(let path): throw Problem.nulCharacter(field: path)
        case .duplicateKey(let path): throw Problem.validation(field: path, "is given more than once")
        case .malformed: throw Problem.malformedJSON
        case nil: break
        }
        do {
            return try JSONDecoder.tract.decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw Self.problem(for: error, decoding: T.self, bytes: bytes, scan: scan)
        }
    }

    /// A body already read as a JSON tree (then merged or checked key by key), decoded as `T`.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try Self.decode(T.self, from: Array(try JSONEncoder.tract.encode(value)))
    }

    static func problem<T: Decodable>(for error: DecodingError, decoding _: T.Type, bytes: [UInt8], scan: JSONScan) -> Problem {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            // The scan found well-formed JSON, so Foundation refused a number for its field's type
            // (1.5 for a count, 1e400 anywhere) and says only "not valid JSON": find which.
            return Self.unfitNumber(decoding: T.self, bytes: bytes, scan: scan) ?? Problem.malformedJSON
        case .dataCorrupted(let context):
            return .validation(field: scan.path(for: context.codingPath), Self.message(context.debugDescription))
        case .keyNotFound(let key, let context):
            return .validation(field: scan.path(for: context.codingPath + [key]), "is required")
        case .valueNotFound(let type, let context):
            return .validation(field: scan.path(for: context.codingPath), "must be \(Problem.jsonTypeName(type)), not null")
        case .typeMismatch(let type, let context):
            return .validation(field: scan.path(for: context.codingPath), "must be \(Problem.jsonTypeName(type))")
        @unknown default:
            return Problem(.badRequest, detail: "The body could not be read.")
        }
    }

    /// Tries each number that might not fit some type (a fraction, an exponent, more digits than
    /// an Int64 holds) as 0: the one whose replacement lets the decoding past it is the culprit.
    static func unfitNumber<T: Decodable>(decoding _: T.Type, bytes: [UInt8], scan: JSONScan) -> Problem? {
        let suspects = scan.numbers().filter { number in
            let text = bytes[number.range]
            return text.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }) || text.count > 18
        }
        for suspect in suspects.prefix(Self.maximumNumberProbes) {
            var probe = bytes
            probe.replaceSubrange(suspect.range, with: [UInt8(ascii: "0")])
            do {
                _ = try JSONDecoder.tract.decode(T.self, from: Data(probe))
            } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
                continue
            } catch {}
            let text = String(decoding: bytes[suspect.range], as: UTF8.self)
            let value = Double(text) ?? .infinity
            let message =
                value.isFinite && abs(value) < 1e15 && value.rounded() != value
                ? "must be a whole number" : "is out of range"
            return .validation(field: JSONScan.render(suspect.path), message)
        }
        return nil
    }

    /// Foundation's wording for enum and UUID failures names Swift types; say what to send instead.
    static func message(_ debugDescription: String) -> String {
        if debugDescription.hasPrefix("Cannot initialize") { return "is not one of the accepted values" }
        if debugDescription.contains("UUID") { return "must be a UUID" }
        return debugDescription
    }
}

extension Problem {
    static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is Int16.Type, is UInt.Type, is UInt64.Type, is UInt32.Type:
            "an integer"
        case is Double.Type, is Float.Type, is Decimal.Type: "a number"
        case is UUID.Type: "a UUID string"
        case is Date.Type: "an RFC 3339 timestamp"
        case is Money.Type: "an amount as a string such as \"250000.00\""
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
