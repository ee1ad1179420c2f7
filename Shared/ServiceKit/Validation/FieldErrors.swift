import Foundation
import Models

/// Collects every invalid field of a request, each named as the client spelled it (snake_case),
/// with the suite's wording, and throws them as one 422 (ARCHITECTURE.md, "Errors"). The one way
/// a service checks input: a decoded body's values (`errors.text("unit_number", …)`), a JSON object
/// read key by key (`BodyFields`), or a pure rule's own errors mapped in (`add(contentsOf:)`).
public struct FieldErrors: Sendable {
    public private(set) var all: [ProblemDetails.FieldError] = []

    public init() {}

    public var isEmpty: Bool { self.all.isEmpty }

    public mutating func add(_ field: String, _ message: String) { self.all.append(.init(field: field, message: message)) }

    public mutating func add(contentsOf errors: [ProblemDetails.FieldError]) { self.all += errors }

    /// Throws the 422 naming every field that was wrong; does nothing when all were right.
    public func check() throws {
        guard self.all.isEmpty else { throw Problem.validation(self.all) }
    }

    /// `max` counts Unicode code points, as JSON Schema's `maxLength` and Postgres' `varchar(n)`
    /// do. Swift's `count` counts grapheme clusters, under which `"\r\n"` or a thumbs-up with a
    /// skin tone is one character: a text within `max` by that count could still overflow its
    /// column (schemathesis found it).
    public mutating func text(_ field: String, _ value: String?, max: Int, required: Bool = false, multiline: Bool = false) {
        guard let value else { return }
        if required, value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            self.add(field, "must not be empty")
        } else if value.unicodeScalars.count > max {
            self.add(field, "must be at most \(max) characters")
        } else if !multiline, value.contains(where: \.isNewline) {
            self.add(field, "must be one line")
        }
    }

    public mutating func oneOf(_ field: String, _ value: String?, _ allowed: Set<String>) {
        if let value, !allowed.contains(value) { self.add(field, "must be one of: \(allowed.sorted().joined(separator: ", "))") }
    }

    public mutating func range(_ field: String, _ value: Int?, _ range: ClosedRange<Int>) {
        if let value, !range.contains(value) { self.add(field, "must be from \(range.lowerBound) to \(range.upperBound)") }
    }

    public mutating func percent(_ field: String, _ value: Double?, _ range: ClosedRange<Double>) {
        if let value, !range.contains(value) || !value.hasAtMost(decimals: 2) {
            self.add(field, "must be a percentage from \(Int(range.lowerBound)) to \(Int(range.upperBound)) with at most two decimals")
        }
    }

    public mutating func amount(_ field: String, _ value: Money?, allowsZero: Bool = false) {
        guard let value else { return }
        if value < .zero || (!allowsZero && value == .zero) {
            self.add(field, allowsZero ? "must not be negative" : "must be more than 0.00")
        }
    }

    /// A day the calendar has (no 2025-02-30): Postgres refuses the others, and that must be a
    /// 422 naming the field, not a failed statement.
    public mutating func date(_ field: String, _ value: String?) {
        guard let value, !Self.isDate(value) else { return }
        self.add(field, "must be a date YYYY-MM-DD")
    }

    public static func isDate(_ value: String) -> Bool {
        let parts = value.split(separator: "-")
        guard value.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) != nil, let year = Int(parts[0]), let month = Int(parts[1]),
            let day = Int(parts[2]), year >= 1
        else { return false }
        return DateComponents(calendar: Calendar(identifier: .gregorian), year: year, month: month, day: day).isValidDate
    }

    public mutating func list(_ field: String, _ values: [String]?) {
        guard let values else { return }
        if values.count > 100 || values.contains(where: { $0.isEmpty || $0.count > 100 }) {
            self.add(field, "must be at most 100 entries of 1 to 100 characters")
        }
    }
}

extension Double {
    /// Whether the decimal the client wrote had at most `decimals` places. A binary double cannot
    /// hold most decimals exactly (0.57 × 100 is 56.99999999999999), so "exactly" is within a hair.
    public func hasAtMost(decimals: Int) -> Bool {
        let scaled = self * pow(10, Double(decimals))
        return abs(scaled - scaled.rounded()) < 1e-6
    }
}
