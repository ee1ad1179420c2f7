import Foundation
import Models
import ServiceKit

/// Turns a `POST` or `PATCH` body into a part's fields, validated whole. Pure: no database.
/// Keys that are not fields (`id`, `property_id`, a typo) are refused by name rather than ignored,
/// so a client learns at once that what it sent was not stored.
enum PartBody {
    /// `POST`: the body as the new part's fields, defaults filled in.
    static func create<Fields: PartFields>(_ body: JSONValue, as _: Fields.Type, currentYear: Int) throws -> Fields {
        let sent = try Self.object(body, nullable: [], fields: Fields.self)
        return try Self.validated(sent, as: Fields.self, currentYear: currentYear).withDefaults()
    }

    /// `PATCH`: the keys sent replace the stored values (`null` clears one); the result is
    /// validated as a whole, so rules across fields hold whichever of them the patch touched.
    static func merge<Fields: PartFields>(
        _ body: JSONValue,
        over stored: JSONValue,
        as _: Fields.Type,
        currentYear: Int
    ) throws -> Fields {
        let changes = try Self.object(body, nullable: Fields.required, fields: Fields.self)
        var merged: [String: JSONValue] = [:]
        if case .object(let current) = stored {
            for column in Fields.columns { merged[column] = current[column] }
        }
        for (key, value) in changes { merged[key] = value }
        return try Self.validated(merged, as: Fields.self, currentYear: currentYear)
    }

    /// The JSON key and SQL column of a Swift property name (`unitNumber` → `unit_number`).
    static func column(_ name: String) -> String {
        name.reduce(into: "") { column, character in
            if character.isUppercase { column += "_" + character.lowercased() } else { column.append(character) }
        }
    }

    private static func object<Fields: PartFields>(
        _ body: JSONValue,
        nullable required: Set<String>,
        fields _: Fields.Type
    ) throws -> [String: JSONValue] {
        guard case .object(let sent) = body else { throw Problem.validation(field: "body", "must be a JSON object") }
        let writable = Set(Fields.columns)
        var errors = FieldErrors()
        for (key, value) in sent.sorted(by: { $0.key < $1.key }) {
            if !writable.contains(key) {
                errors.add(key, "is not a field you can set")
            } else if value == .null, required.contains(key) {
                errors.add(key, "must not be null")
            }
        }
        guard errors.all.isEmpty else { throw Problem.validation(errors.all) }
        return sent
    }

    private static func validated<Fields: PartFields>(
        _ object: [String: JSONValue],
        as _: Fields.Type,
        currentYear: Int
    ) throws -> Fields {
        let fields = try RequestJSON.decode(Fields.self, from: .object(object))
        let errors = fields.problems(currentYear: currentYear)
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return fields
    }
}

extension FieldErrors {
    /// `bathrooms`: a count in halves, as listings state them (1, 1.5, 2…).
    mutating func halves(_ field: String, _ value: Double?, _ range: ClosedRange<Double>) {
        if let value, !range.contains(value) || !(value * 2).hasAtMost(decimals: 0) {
            self.add(field, "must be from \(Int(range.lowerBound)) to \(Int(range.upperBound)) in steps of 0.5")
        }
    }

    /// A link to something a browser opens: http or https, at most 500 characters.
    mutating func url(_ field: String, _ value: String?) {
        guard let value else { return }
        let lowered = value.lowercased()
        if value.count > 500 || !(lowered.hasPrefix("http://") || lowered.hasPrefix("https://")) || value.contains(where: \.isWhitespace) {
            self.add(field, "must be an http or https URL of at most 500 characters")
        }
    }

    /// Two dates where the second cannot come first; the message names the first.
    mutating func ordered(_ field: String, _ value: String?, notBefore earlier: String, _ start: String?) {
        // Only well-formed dates compare; `date` reports the others. YYYY-MM-DD orders as text.
        guard let value, let start, Self.isDate(value), Self.isDate(start) else { return }
        if value < start { self.add(field, "must not be before \(earlier)") }
    }

    /// A JSON value of the given shape (`object` or `array`), within a size a form can hold.
    mutating func json(_ field: String, _ value: JSONValue?, array: Bool, max: Int = 100) {
        guard let value else { return }
        switch (value, array) {
        case (.array(let items), true):
            if items.count > max { self.add(field, "has more than \(max) entries") }
        case (.object(let entries), false):
            if entries.count > max { self.add(field, "has more than \(max) entries") }
        default:
            self.add(field, array ? "must be an array" : "must be an object")
        }
    }

    /// Money that may not be negative.
    mutating func money(_ field: String, _ value: Money?) {
        self.amount(field, value, allowsZero: true)
    }
}
