import Foundation

/// A message body's rules, apart from I/O: plain text that is never rendered as HTML, so nothing
/// is escaped or stripped here — what is refused is what no client should send.
enum MessageText {
    /// The body as stored (line breaks made `\n`, ends trimmed), or why it is refused.
    static func check(_ raw: String, maxCharacters: Int) -> Result<String, Refusal> {
        // Counted as sent and in code points, as the document's `maxLength` counts (JSON Schema):
        // a CR LF is two, a waving hand with a skin tone is two.
        if raw.unicodeScalars.count > maxCharacters { return .failure(.init("must be at most \(maxCharacters) characters")) }
        let text = raw.replacing("\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return .failure(.init("must not be empty")) }
        // Line breaks and tabs are text; other C0/C1 controls (NUL, escape, a lone CR) are not, and
        // a NUL cannot be stored in Postgres text at all.
        if text.unicodeScalars.contains(where: { Self.isControl($0) }) {
            return .failure(.init("must not contain control characters (line breaks and tabs are fine)"))
        }
        return .success(text)
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value == 0x0A || value == 0x09 { return false }
        return value < 0x20 || (0x7F...0x9F).contains(value)
    }

    struct Refusal: Error, Equatable {
        var message: String
        init(_ message: String) { self.message = message }
    }
}
