import Foundation
import Models
import ServiceKit

/// What financials read of a body beyond the kit's getters: days as `CalendarDate`, the period
/// every kind but the rent roll has, and totals that must fit a stored amount.
extension BodyFields {
    /// A `YYYY-MM-DD` day the calendar has.
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
            self.errors.add(contentsOf: [problem])
            return nil
        }
        return FinancialPeriod(start: start, end: end)
    }

    /// A total computed from parts that are each within `numeric(15,2)` can still exceed it: said
    /// here rather than left to fail the insert.
    mutating func total(_ key: String, _ amount: Money) {
        if amount.cents.magnitude > Money.maximum.cents.magnitude {
            self.add(key, "comes to \(amount), more than an amount can hold (\(Money.maximum))")
        }
    }
}
