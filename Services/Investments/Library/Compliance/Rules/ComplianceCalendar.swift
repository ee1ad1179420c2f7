import Foundation
import Models

/// A calendar month, the unit the opportunity-zone tests count in: the 6-month periods of the 90%
/// test (§1400Z-2(d)(1)), the months of a penalty (§1400Z-2(f)(1)), the 30-month improvement window
/// (§1.1400Z2(d)-2(b)(4)) and the 31-month working-capital plan (§1.1400Z2(d)-1(d)).
struct ComplianceMonth: Sendable, Hashable, Comparable, CustomStringConvertible {
    let year: Int
    /// 1…12.
    let month: Int

    init?(year: Int, month: Int) {
        guard (1...9999).contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    init(_ day: CalendarDate) {
        self.year = day.year
        self.month = day.month
    }

    /// Months since January of year 0: a number that adds and subtracts.
    var index: Int { self.year * 12 + (self.month - 1) }

    init(index: Int) {
        self.year = index / 12
        self.month = index % 12 + 1
    }

    func adding(months: Int) -> ComplianceMonth { ComplianceMonth(index: self.index + months) }

    func months(until other: ComplianceMonth) -> Int { other.index - self.index }

    var firstDay: CalendarDate { CalendarDate(year: self.year, month: self.month, day: 1)! }

    var lastDay: CalendarDate {
        CalendarDate(year: self.year, month: self.month, day: CalendarDate.daysIn(month: self.month, year: self.year))!
    }

    /// `2026-04`.
    var description: String { "\(self.year)-\(self.month < 10 ? "0" : "")\(self.month)" }

    static func < (lhs: ComplianceMonth, rhs: ComplianceMonth) -> Bool { lhs.index < rhs.index }
}

extension CalendarDate {
    /// The same day of the month `months` later; a day the later month lacks becomes its last day
    /// (31 August + 6 months is 28 or 29 February), the way month-counted deadlines are read.
    func adding(months: Int) -> CalendarDate {
        let target = ComplianceMonth(self).adding(months: months)
        return CalendarDate(
            year: target.year, month: target.month,
            day: min(self.day, CalendarDate.daysIn(month: target.month, year: target.year))
        ) ?? self
    }
}

/// One pure check of an opportunity-zone rule: what was tested, the paragraph that says so, the
/// outcome and a sentence a sponsor and their adviser can read.
struct ComplianceCheck: Sendable, Equatable, Codable {
    /// A stable code (`qozb_tangible_property_70`).
    var rule: String
    /// The statute or regulation paragraph the rule comes from.
    var citation: String
    var passed: Bool
    /// The measured percentage, two decimals, where the rule is a ratio.
    var percent: Decimal?
    var reason: String
}

/// Ratios of money compared exactly: `part / whole ≥ threshold%` is decided in integers
/// (`part × 100 ≥ threshold × whole`), never on a rounded percentage, so 89.996% cannot pass as
/// "90.00%".
enum ComplianceRatio {
    /// `part ÷ whole × 100`, rounded half-up to two places; nil when `whole` is not positive.
    static func percent(_ part: Money, of whole: Money) -> Decimal? {
        guard whole > .zero else { return nil }
        return (Decimal(part.cents) * 100 / Decimal(whole.cents)).roundedHalfUp(places: 2)
    }

    /// A percentage as text with exactly two decimals (`82.50`), for CSV and sentences; Decimal's
    /// own description drops trailing zeros.
    static func text(_ percent: Decimal) -> String {
        let parts = "\(percent.roundedHalfUp(places: 2))".split(separator: ".", maxSplits: 1)
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        return "\(parts.first ?? "0").\(fraction.padding(toLength: 2, withPad: "0", startingAt: 0))"
    }

    /// `part / whole ≥ percent / 100`, exactly. `percent` is a whole number of percent.
    static func atLeast(_ part: Money, of whole: Money, percent: Int) -> Bool {
        Int128(part.cents) * 100 >= Int128(percent) * Int128(whole.cents)
    }

    /// `part / whole < percent / 100`, exactly.
    static func below(_ part: Money, of whole: Money, percent: Int) -> Bool {
        !Self.atLeast(part, of: whole, percent: percent)
    }
}
