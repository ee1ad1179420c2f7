import Foundation
import Models
import ServiceKit

/// A JSON object body read field by field, so that every problem is reported at once, each named by
/// its field, and keys that are not fields are refused rather than ignored: a misspelt
/// `parking_incom` would otherwise be stored as the zero the sponsor never meant.
struct BodyFields {
    private let object: [String: JSONValue]
    private(set) var errors: [ProblemDetails.FieldError] = []

    /// `derived` are keys of the resource the server computes: refused with a word saying so.
    /// Anything but an object is refused at once, before its fields would each be "required".
    init(_ value: JSONValue, allowed: Set<String>, derived: Set<String> = []) throws {
        guard case .object(let object) = value else { throw Problem.validation(field: "body", "must be a JSON object") }
        self.object = object
        for key in object.keys.sorted() where !allowed.contains(key) {
            self.add(key, derived.contains(key) ? "is computed by the server; leave it out" : "is not a field you can set")
        }
    }

    /// A `PATCH`: the keys sent replace the stored values of the `writable` keys (`null` clears
    /// one), and the result is read as a whole body, so rules across fields hold whichever of them
    /// the patch touched. Keys of `stored` that are not writable (ids, totals) are left behind.
    static func merging(_ patch: JSONValue, over stored: JSONValue, writable: [String]) throws -> JSONValue {
        guard case .object(let changes) = patch else { throw Problem.validation(field: "body", "must be a JSON object") }
        var merged: [String: JSONValue] = [:]
        for key in writable { merged[key] = stored[key] }
        for (key, value) in changes { merged[key] = value }
        return .object(merged)
    }

    mutating func add(_ key: String, _ message: String) {
        self.errors.append(.init(field: key, message: message))
    }

    /// Throws the 422 naming every field that was wrong.
    func check() throws {
        guard self.errors.isEmpty else { throw Problem.validation(self.errors) }
    }

    /// Absent and `null` are both nil.
    private func value(_ key: String) -> JSONValue? {
        guard let value = self.object[key], value != .null else { return nil }
        return value
    }

    /// An amount as a decimal string (`"1200.00"`): at least 0 unless `signed`, above 0 when `positive`.
    mutating func money(_ key: String, required: Bool = false, signed: Bool = false, positive: Bool = false) -> Money? {
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

    mutating func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = self.value(key) else { return nil }
        guard case .number(let number) = value, number.rounded() == number, let whole = Int(exactly: number), range.contains(whole) else {
            self.add(key, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return whole
    }

    mutating func date(_ key: String, required: Bool = false) -> CalendarDate? {
        guard let value = self.value(key) else {
            if required { self.add(key, "is required: a date such as 2025-01-01 (YYYY-MM-DD)") }
            return nil
        }
        guard case .string(let text) = value, let date = CalendarDate(text) else {
            self.add(key, "must be a date such as 2025-01-01 (YYYY-MM-DD)")
            return nil
        }
        return date
    }

    /// `period_start` and `period_end`, both required, as a period `FinancialPeriod` accepts.
    mutating func period() -> FinancialPeriod? {
        let start = self.date("period_start", required: true)
        let end = self.date("period_end", required: true)
        guard let start, let end else { return nil }
        if let problem = FinancialPeriod.problem(start: start, end: end) {
            self.add(problem.field, problem.message)
            return nil
        }
        return FinancialPeriod(start: start, end: end)
    }

    mutating func uuid(_ key: String, required: Bool = false) -> UUID? {
        guard let value = self.value(key) else {
            if required { self.add(key, "is required") }
            return nil
        }
        guard case .string(let text) = value, let id = UUID(uuidString: text) else {
            self.add(key, "must be a UUID")
            return nil
        }
        return id
    }

    /// One line of text, trimmed, 1 to `max` characters.
    mutating func text(_ key: String, max: Int, required: Bool = false) -> String? {
        guard let value = self.value(key) else {
            if required { self.add(key, "is required") }
            return nil
        }
        guard case .string(let raw) = value else {
            self.add(key, "must be a string")
            return nil
        }
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty || text.count > max {
            self.add(key, "must be 1 to \(max) characters")
        } else if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            // Postgres text cannot hold U+0000; say so rather than fail the statement.
            self.add(key, "must be one line, without control characters")
        } else {
            return text
        }
        return nil
    }
}
