import Foundation
import Models

/// A JSON object body, read the one way every route reads one: keys that are not fields are
/// refused by name rather than ignored (a misspelt `parking_incom` would otherwise be stored as
/// the zero the sponsor never meant), every bad field is named in one 422, a NUL character never
/// gets past `RequestJSON`, and a `PATCH` is the stored fields with the keys sent laid over them.
///
/// Two ways to take the values, one set of errors: `decode(_:)` a `Codable` fields struct (then
/// check its values with `errors`), or read key by key (`money`, `date`, `text`…).
public struct BodyFields: Sendable {
    public let object: [String: JSONValue]
    public var errors = FieldErrors()

    /// `allowed`: the keys a client may send. `derived`: keys of the resource the server computes,
    /// refused with a word saying so. `required`: keys that may not be `null` (`NOT NULL` columns).
    /// Anything but an object is refused at once, before its fields would each be "required".
    public init(_ value: JSONValue, allowed: Set<String>, derived: Set<String> = [], required: Set<String> = []) throws {
        guard case .object(let object) = value else { throw Problem.validation(field: "body", "must be a JSON object") }
        self.object = object
        // Keys are sorted (for errors in a stable order) only when one of them is wrong.
        guard object.contains(where: { key, value in !allowed.contains(key) || (value == .null && required.contains(key)) }) else { return }
        for key in object.keys.sorted() {
            if !allowed.contains(key) {
                self.errors.add(key, derived.contains(key) ? "is computed by the server; leave it out" : "is not a field you can set")
            } else if object[key] == .null, required.contains(key) {
                self.errors.add(key, "must not be null")
            }
        }
    }

    /// A `PATCH`: the keys sent replace the stored values of the `writable` keys (`null` clears
    /// one), and the result is read as a whole body, so rules across fields hold whichever of them
    /// the patch touched. Keys of `stored` that are not writable (ids, totals) are left behind;
    /// keys of the patch that are not writable stay, for `init` to refuse by name.
    public static func merging(_ patch: JSONValue, over stored: JSONValue, writable: some Sequence<String>) throws -> JSONValue {
        guard case .object(let changes) = patch else { throw Problem.validation(field: "body", "must be a JSON object") }
        var merged: [String: JSONValue] = [:]
        for key in writable { merged[key] = stored[key] }
        for (key, value) in changes { merged[key] = value }
        return .object(merged)
    }

    public mutating func add(_ key: String, _ message: String) { self.errors.add(key, message) }

    /// Throws the 422 naming every field that was wrong.
    public func check() throws { try self.errors.check() }

    /// The whole object as `Fields`, once its keys passed: a key problem is reported before a type
    /// problem, so a typo is named as a typo.
    public func decode<Fields: Decodable>(_ type: Fields.Type) throws -> Fields {
        try self.check()
        return try RequestJSON.decode(Fields.self, from: .object(self.object))
    }

    /// Absent and `null` are both nil.
    public func value(_ key: String) -> JSONValue? {
        guard let value = self.object[key], value != .null else { return nil }
        return value
    }

    /// An amount as a decimal string (`"1200.00"`): at least 0 unless `signed`, above 0 when `positive`.
    public mutating func money(_ key: String, required: Bool = false, signed: Bool = false, positive: Bool = false) -> Money? {
        guard let value = self.value(key) else {
            if required { self.add(key, "is required: an amount such as \"1200.00\"") }
            return nil
        }
        guard case .string(let text) = value, let money = Money(text) else {
            self.add(key, "must be an amount as a string such as \"1200.00\": digits, at most two decimals")
            return nil
        }
        if positive, money <= .zero {
            self.add(key, "must be more than 0")
        } else if !signed, money < .zero {
            self.add(key, "must be 0 or more")
        }
        return money
    }

    public mutating func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = self.value(key) else { return nil }
        guard case .number(let number) = value, number.rounded() == number, let whole = Int(exactly: number), range.contains(whole) else {
            self.add(key, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return whole
    }

    /// A `YYYY-MM-DD` day the calendar has, as the text the client sent.
    public mutating func day(_ key: String, required: Bool = false) -> String? {
        guard let value = self.value(key) else {
            if required { self.add(key, "is required: a date such as 2025-01-01 (YYYY-MM-DD)") }
            return nil
        }
        guard case .string(let text) = value, FieldErrors.isDate(text) else {
            self.add(key, "must be a date such as 2025-01-01 (YYYY-MM-DD)")
            return nil
        }
        return text
    }

    public mutating func uuid(_ key: String, required: Bool = false) -> UUID? {
        guard let value = self.value(key) else {
            if required { self.add(key, "is required") }
            return nil
        }
        guard case .string(let text) = value, let id = Self.canonicalUUID(text) ?? UUID(uuidString: text) else {
            self.add(key, "must be a UUID")
            return nil
        }
        return id
    }

    /// A UUID in its usual form (8-4-4-4-12 hex digits, either case) read by hand: Foundation's
    /// parser goes through `sscanf`, 4% of an analytics batch's CPU. Any other text is nil here
    /// and Foundation's verdict stands.
    static func canonicalUUID(_ text: String) -> UUID? {
        var bytes: (UInt64, UInt64) = (0, 0)
        var nibbles = 0
        var position = 0
        for byte in text.utf8 {
            defer { position += 1 }
            if position == 8 || position == 13 || position == 18 || position == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            if nibbles < 16 { bytes.0 = bytes.0 << 4 | UInt64(nibble) } else { bytes.1 = bytes.1 << 4 | UInt64(nibble) }
            nibbles += 1
        }
        guard position == 36, nibbles == 32 else { return nil }
        let high = bytes.0.bigEndian
        let low = bytes.1.bigEndian
        return withUnsafeBytes(of: (high, low)) { raw in
            UUID(
                uuid: (
                    raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9], raw[10], raw[11], raw[12], raw[13],
                    raw[14], raw[15]
                ))
        }
    }

    /// One line of text, trimmed, 1 to `max` characters.
    public mutating func text(_ key: String, max: Int, required: Bool = false) -> String? {
        guard let value = self.value(key) else {
            if required { self.add(key, "is required") }
            return nil
        }
        guard case .string(let raw) = value else {
            self.add(key, "must be a string")
            return nil
        }
        // Most text is printable ASCII with no space at either end: nothing to trim, one character
        // per byte, no control character; the same answer as below without Foundation's trimming,
        // which cost more than the rest of a 500-event analytics batch's checks together.
        if let length = Self.plainASCIILength(raw) {
            guard length <= max else {
                self.add(key, "must be 1 to \(max) characters")
                return nil
            }
            return raw
        }
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty || text.unicodeScalars.count > max {
            self.add(key, "must be 1 to \(max) characters")
        } else if text.unicodeScalars.contains(where: \.breaksALine) {
            self.add(key, "must be one line, without control characters")
        } else {
            return text
        }
        return nil
    }

    /// The length of a non-empty string of printable ASCII (space to `~`) that neither starts nor
    /// ends with a space; nil for any other string.
    static func plainASCIILength(_ text: String) -> Int? {
        var count = 0
        var last: UInt8 = 0x20
        for byte in text.utf8 {
            guard (0x20...0x7E).contains(byte), count > 0 || byte != 0x20 else { return nil }
            last = byte
            count += 1
        }
        return last == 0x20 ? nil : count
    }
}

/// `unitNumber` → `unit_number`: the JSON key and SQL column of a Swift property name, the one
/// converter (the coders' `.convertToSnakeCase` does the same on the wire).
public func snakeCase(_ name: String) -> String {
    name.reduce(into: "") { result, character in
        if character.isUppercase {
            result += (result.isEmpty ? "" : "_") + character.lowercased()
        } else {
            result.append(character)
        }
    }
}

extension Unicode.Scalar {
    /// A control character (C0, DEL or C1) or a Unicode line or paragraph separator: what one line
    /// of text — a name, a title, anything that may end up in a mail header — must not hold.
    public var breaksALine: Bool {
        self.properties.generalCategory == .control || self.value == 0x2028 || self.value == 0x2029
    }
}
