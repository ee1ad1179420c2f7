import Foundation
import Models
import ServiceKit

/// Turns a `POST` or `PATCH` body into a part's fields, validated whole, the kit's way
/// (`BodyFields`): keys that are not fields (`id`, `property_id`, a typo) are refused by name
/// rather than ignored, so a client learns at once that what it sent was not stored. Pure.
enum PartBody {
    /// `POST`: the body as the new part's fields, defaults filled in (a `null` takes the default).
    static func create<Fields: PartFields>(_ body: JSONValue, as _: Fields.Type, currentYear: Int) throws -> Fields {
        let fields = try BodyFields(body, allowed: Set(Fields.columns)).decode(Fields.self)
        return try Self.checked(fields, currentYear: currentYear).withDefaults()
    }

    /// `PATCH`: the kit's merge (`BodyFields.merging`: the keys sent replace the stored values,
    /// `null` clears one but never a required one), then validated as a whole, so rules across
    /// fields hold whichever of them the patch touched.
    static func merge<Fields: PartFields>(_ body: JSONValue, over stored: JSONValue, as _: Fields.Type, currentYear: Int) throws -> Fields {
        let merged = try BodyFields.merging(body, over: stored, writable: Fields.columns)
        let fields = try BodyFields(merged, allowed: Set(Fields.columns), required: Fields.required).decode(Fields.self)
        return try Self.checked(fields, currentYear: currentYear)
    }

    /// The fields as the JSON object of column values a `RecordStore` writes.
    static func values<Fields: PartFields>(_ fields: Fields) throws -> [String: JSONValue] {
        guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder.tract.encode(fields)) else { return [:] }
        return object
    }

    private static func checked<Fields: PartFields>(_ fields: Fields, currentYear: Int) throws -> Fields {
        var errors = FieldErrors()
        errors.add(contentsOf: fields.problems(currentYear: currentYear))
        try errors.check()
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
