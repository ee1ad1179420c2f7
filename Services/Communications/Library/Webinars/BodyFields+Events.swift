import Foundation
import Models
import ServiceKit

/// Two readings of a body field events and bounce reports share, beside the kit's own.
extension BodyFields {
    /// An RFC 3339 instant with its offset (`2026-03-01T15:00:00Z`, `…-05:00`): a time without one
    /// would be read in whatever zone the server runs in.
    mutating func instant(_ key: String) -> Date? {
        guard let value = self.value(key) else {
            self.add(key, "is required: an RFC 3339 time such as 2026-03-01T15:00:00Z")
            return nil
        }
        guard case .string(let text) = value, text.count <= 40, let date = RFC3339.date(from: text) else {
            self.add(key, "must be an RFC 3339 time with an offset, such as 2026-03-01T15:00:00Z")
            return nil
        }
        return date
    }

    /// Text that may span lines (a description), trimmed; control characters other than line
    /// breaks and tabs are refused. An empty string clears it.
    mutating func multilineText(_ key: String, max: Int) -> String? {
        guard let value = self.value(key) else { return nil }
        guard case .string(let raw) = value else {
            self.add(key, "must be a string")
            return nil
        }
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.unicodeScalars.count > max {
            self.add(key, "must be at most \(max) characters")
            return nil
        }
        if text.unicodeScalars.contains(where: { ($0.value < 0x20 && ![0x09, 0x0A, 0x0D].contains($0.value)) || $0.value == 0x7F }) {
            self.add(key, "must not contain control characters")
            return nil
        }
        return text.isEmpty ? nil : text
    }
}
