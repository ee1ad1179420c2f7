import Models

/// What a recorded domain event keeps of its payload: everything but the fields that identify or
/// reach a person, or open a door (Plausible's rule for analytics: keep what counts, not who).
/// Removed at any depth, by key: email addresses, people's names, phone numbers, postal addresses,
/// tokens, codes, passwords and secrets, network addresses. Ids stay: they join a funnel and say
/// nothing without the owning service.
enum SensitiveFields {
    /// Keys dropped wherever they appear.
    static let names: Set<String> = [
        "email", "email_address", "to", "recipient",
        "first_name", "last_name", "full_name", "display_name", "legal_name", "signer_name", "investor_name",
        "phone", "phone_number", "address_line1", "address_line2", "date_of_birth", "ssn", "tax_id",
        "password", "token", "code", "otp", "secret", "link", "url_with_token", "ip", "ip_address", "user_agent",
    ]
    /// Key endings dropped wherever they appear (`refresh_token`, `contact_email`, `client_secret` …).
    static let endings: [String] = ["_email", "_token", "_secret", "_password", "_code", "_phone", "_ip"]

    static func isSensitive(_ key: String) -> Bool {
        let key = key.lowercased()
        return Self.names.contains(key) || Self.endings.contains { key.hasSuffix($0) }
    }

    /// `payload` without the sensitive keys, at every depth; a payload that is not an object is
    /// kept under `value` so `properties` is always an object.
    static func scrub(_ payload: JSONValue) -> JSONValue {
        switch Self.strip(payload) {
        case .object(let object): .object(object)
        case let other: .object(["value": other])
        }
    }

    private static func strip(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var kept: [String: JSONValue] = [:]
            for (key, value) in object where !Self.isSensitive(key) { kept[key] = Self.strip(value) }
            return .object(kept)
        case .array(let items): return .array(items.map(Self.strip))
        default: return value
        }
    }
}
