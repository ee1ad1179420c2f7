import Foundation
import HTTPTypes
import Hummingbird

/// A response whose JSON Postgres already wrote (e.g. `properties.property_document`): sent as is,
/// without decoding it into Swift values only to encode it again — on list pages that round trip
/// cost more than the query.
public struct JSONDocument: ResponseGenerator, Sendable {
    public var text: String
    public var status: HTTPResponse.Status
    public var headers: HTTPFields

    public init(_ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) {
        self.text = text
        self.status = status
        self.headers = headers
    }

    /// A list page in the suite's shape, `{"data": [...], "next_cursor": "..." | null}`, from
    /// documents that are each one JSON value. Cursors are base64url, so they need no escaping.
    public static func page(_ documents: some Sequence<String>, nextCursor: String?) -> JSONDocument {
        let cursor = nextCursor.map { "\"\($0)\"" } ?? "null"
        return JSONDocument("{\"data\":[" + documents.joined(separator: ",") + "],\"next_cursor\":" + cursor + "}")
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = self.headers
        fields[.contentType] = "application/json; charset=utf-8"
        let buffer = ByteBuffer(string: self.text)
        fields[.contentLength] = String(buffer.readableBytes)
        return Response(status: self.status, headers: fields, body: .init(byteBuffer: buffer))
    }
}
