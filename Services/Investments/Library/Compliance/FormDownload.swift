import Foundation
import HTTPTypes
import Hummingbird
import Models
import NIOCore
import ServiceKit

/// A tax form's data as JSON or as a CSV the investor or sponsor hands their preparer (Forms 8996
/// and 8997): `?format=json|csv`, or `Accept: text/csv` when no format is named. Never cached.
enum FormDownload {
    /// Whether the caller asked for CSV; an unknown `format` is a 422 naming it.
    static func wantsCSV(_ request: Request) throws -> Bool {
        switch request.uri.queryParameters["format"].map(String.init) {
        case nil: (request.headers[.accept] ?? "").lowercased().contains("text/csv")
        case "json": false
        case "csv": true
        default: throw Problem.validation(field: "format", "must be json or csv")
        }
    }

    static func response(_ form: some Encodable, csv: String?, fileName: String) throws -> Response {
        var headers = HTTPFields()
        let text: String
        if let csv {
            text = csv
            headers[.contentType] = "text/csv; charset=utf-8; header=present"
            headers[.contentDisposition] = ContentDisposition.value(attachment: true, fileName: fileName)
        } else {
            text = String(decoding: try JSONEncoder.tract.encode(form), as: UTF8.self)
            headers[.contentType] = "application/json; charset=utf-8"
        }
        headers[.cacheControl] = "no-store"
        let buffer = ByteBuffer(string: text)
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
    }
}
