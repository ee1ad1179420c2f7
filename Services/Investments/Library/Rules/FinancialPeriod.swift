import Foundation
import Models

/// The span a property's figures cover (seed 001 §2.5 `period_start`, `period_end`; both days
/// count). A month, a quarter and a year are all periods, and so is any other run of days up to a
/// year: longer spans are refused, because the yearly ratios (cap rate, cash-on-cash) would have to
/// shrink them to a year and a multi-year "period" is almost always a typo in a date.
struct FinancialPeriod: Sendable, Hashable {
    let start: CalendarDate
    let end: CalendarDate

    /// Nil when `problem(start:end:)` has something to say.
    init?(start: CalendarDate, end: CalendarDate) {
        guard Self.problem(start: start, end: end) == nil else { return nil }
        self.start = start
        self.end = end
    }

    /// What is wrong with the span, named by the field a client fixes (`period_end`).
    static func problem(start: CalendarDate, end: CalendarDate) -> RuleFieldError? {
        if end < start {
            return RuleFieldError(field: "period_end", message: "must be on or after period_start (\(start))")
        }
        let limit = start.adding(years: 1)
        if end >= limit {
            return RuleFieldError(field: "period_end", message: "must be before \(limit): a period is at most a year")
        }
        return nil
    }

    var days: Int { self.start.days(until: self.end) + 1 }

    /// How many calendar months the period is, when it runs from a month's first day to a month's
    /// last day; nil for any other span.
    var wholeMonths: Int? {
        guard self.start.day == 1, self.end.day == CalendarDate.daysIn(month: self.end.month, year: self.end.year) else {
            return nil
        }
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
    }

    /// Seed 001's `period_type`: `monthly`, `quarterly` or `annual` for 1, 3 or 12 whole months,
    /// `other` for any other span.
    var type: String {
        switch self.wholeMonths {
        case 1: "monthly"
        case 3: "quarterly"
        case 12: "annual"
        default: "other"
        }
    }

    /// What a flow over this period is multiplied by to make a year of it: 12 ÷ months for whole
    /// calendar months (a quarter is × 4 whether it has 90 or 92 days), otherwise 365 ÷ days.
    /// Cap rate and cash-on-cash are yearly yields, so a quarter's NOI is annualised before it is
    /// set against the property's value.
    var annualizationFactor: Decimal {
        if let months = self.wholeMonths { return Decimal(12) / Decimal(months) }
        return Decimal(365) / Decimal(self.days)
    }
}
