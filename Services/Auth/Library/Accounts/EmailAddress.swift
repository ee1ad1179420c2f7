import Foundation

/// Email addresses as accounts key them: trimmed and lowercased, so `Ann@Example.com ` and
/// `ann@example.com` are one account. (Local parts are case-sensitive in theory, RFC 5321 §2.4, but
/// no mainstream provider treats them so, and two accounts differing by case invite takeover.)
public enum EmailAddress {
    public static let maximumLength = 254  // RFC 5321 §4.5.3.1.3 path limit less the brackets

    public static func normalize(_ raw: String) -> String {
        raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// A pragmatic check: one `@`, a dotted domain, no spaces or control characters. Deliverability
    /// is proven by the verification mail, not by a regular expression.
    public static func isValid(_ normalized: String) -> Bool {
        guard normalized.utf8.count <= Self.maximumLength else { return false }
        let parts = normalized.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last else { return false }
        guard (1...64).contains(local.utf8.count), domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."),
            !domain.contains("..")
        else { return false }
        return normalized.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value != 0x7F && !"<>()[]\\,;:\"".unicodeScalars.contains(scalar)
        }
    }
}
