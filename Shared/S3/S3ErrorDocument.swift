import Foundation

/// The few fields of S3's XML error document (`<Error><Code>…</Code><Message>…</Message>…`).
///
/// Read with a plain scan rather than an XML parser: the document is flat and small, and it keeps
/// the module free of FoundationXML, which needs libxml2 at run time on Linux.
struct S3ErrorDocument: Sendable, Hashable {
    var code: String?
    var message: String?
    var requestID: String?

    init(xml: String) {
        code = Self.text(of: "Code", in: xml)
        message = Self.text(of: "Message", in: xml)
        requestID = Self.text(of: "RequestId", in: xml) ?? Self.text(of: "RequestID", in: xml)
    }

    /// The text of the first `<element>` in `xml`, entities decoded; nil when absent or empty.
    static func text(of element: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(element)>"),
            let end = xml.range(of: "</\(element)>", range: start.upperBound..<xml.endIndex)
        else { return nil }
        let raw = xml[start.upperBound..<end.lowerBound]
        guard !raw.isEmpty else { return nil }
        return decodeEntities(raw)
    }

    /// The five predefined XML entities and numeric character references.
    private static func decodeEntities(_ raw: Substring) -> String {
        guard raw.contains("&") else { return String(raw) }
        var result = ""
        var rest = raw[...]
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            rest = rest[ampersand...]
            guard let semicolon = rest.firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: ampersand)..<semicolon]
            switch entity {
            case "amp": result += "&"
            case "lt": result += "<"
            case "gt": result += ">"
            case "quot": result += "\""
            case "apos": result += "'"
            default:
                let scalar: Unicode.Scalar? =
                    if entity.hasPrefix("#x") { UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init) } else if entity.hasPrefix("#") {
                        UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init)
                    } else { nil }
                result += scalar.map { String(Character($0)) } ?? "&\(entity);"
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return result + rest
    }
}
