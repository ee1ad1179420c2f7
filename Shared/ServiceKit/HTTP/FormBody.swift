import Foundation
import HTTPTypes

/// An `application/x-www-form-urlencoded` body (WHATWG URL §5.1) read by hand.
///
/// Foundation's `URLComponents.percentEncodedQuery` setter traps on a raw space, a `%` not
/// followed by two hex digits or a `#`, all of which any client can send; parsing here keeps
/// every such body a 400 instead of a dead process. Pure: bytes in, fields or a `Problem` out.
public enum FormBody {
    /// The fields of `bytes`, each name once.
    ///
    /// Refused with a 400: bytes that are not UTF-8, a bad percent-escape or one that decodes to
    /// something that is not UTF-8, and a repeated name (RFC 6749 §3.2: "parameters MUST NOT be
    /// included more than once", and a repeat is how parameter pollution starts). A NUL character
    /// is refused as a 422 naming the field, as NUL is everywhere else.
    public static func parse(_ bytes: some Collection<UInt8>) throws -> [String: String] {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Self.malformed("it is not UTF-8")
        }
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0])
            let value = try Self.decode(parts.count > 1 ? parts[1] : "")
            guard !name.isEmpty else { throw Self.malformed("a field has no name") }
            guard fields[name] == nil else { throw Self.malformed("\(Self.quoted(name)) appears more than once") }
            if name.contains("\0") || value.contains("\0") {
                throw Problem.nulCharacter(field: name.contains("\0") ? "body" : name)
            }
            fields[name] = value
        }
        return fields
    }

    /// `+` is a space in this format (WHATWG URL §5.1 step 3.3), so it is replaced before
    /// percent-decoding and a literal plus arrives as `%2B`.
    static func decode(_ encoded: Substring) throws -> String {
        let spaced = encoded.replacingOccurrences(of: "+", with: " ")
        guard let decoded = spaced.removingPercentEncoding else {
            throw Self.malformed("it has a % that is not followed by two hex digits of UTF-8")
        }
        return decoded
    }

    static func malformed(_ reason: String) -> Problem {
        Problem(
            .badRequest,
            detail: "The body is not valid application/x-www-form-urlencoded: \(reason).",
            type: "https://tract.dev/problems/malformed-form"
        )
    }

    /// A name echoed in an error, cut short so a client cannot make the answer large.
    static func quoted(_ name: String) -> String {
        "\"\(name.prefix(40))\""
    }
}
