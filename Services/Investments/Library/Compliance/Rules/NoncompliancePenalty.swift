import Foundation
import Models

/// The penalty on a QOF that misses the 90% standard, §1400Z-2(f)(1): for each month it fails,
/// (90% of its aggregate assets − its QOZ property) × the §6621(a)(2) underpayment rate for that
/// month. The annual rate is taken as one twelfth per month (Form 8996, Part IV, divides the
/// underpayment rate by 12), each month priced at its own quarter's rate and rounded to the cent.
/// §1400Z-2(f)(2): a partnership's penalty is borne by the partners through their distributive
/// shares. §1400Z-2(f)(3): no penalty when the failure is due to reasonable cause, which is a
/// judgement this arithmetic cannot make.
enum NoncompliancePenalty {
    static let citation = "26 U.S.C. §1400Z-2(f)(1); Treas. Reg. §1.1400Z2(f)-1(a); IRC §6621(a)(2)"

    struct Month: Sendable, Equatable {
        var month: ComplianceMonth
        var shortfall: Money
        /// Percent per year.
        var annualRatePercent: Decimal
        var penalty: Money
    }

    struct Result: Sendable, Equatable {
        var months: [Month]
        var total: Money
        var reason: String
    }

    /// One month's penalty: `shortfall × rate / 100 / 12`, rounded half-up to the cent. Nil when
    /// the month is outside the rate table.
    static func penalty(shortfall: Money, in month: ComplianceMonth) -> Month? {
        guard let rate = UnderpaymentRates.percent(for: month),
            let amount = shortfall.multiplied(by: rate / 100 / 12)
        else { return nil }
        return Month(month: month, shortfall: shortfall, annualRatePercent: rate, penalty: amount)
    }

    /// The penalty for a run of months at one shortfall each (a test date's result applied to the
    /// months it stands for). Throws naming the first month the rate table does not reach.
    static func penalty(months: [(ComplianceMonth, Money)]) throws(RuleValidationError) -> Result {
        var priced: [Month] = []
        for (month, shortfall) in months where shortfall > .zero {
            guard let line = Self.penalty(shortfall: shortfall, in: month) else {
                throw RuleValidationError(errors: [
                    RuleFieldError(field: "test_date", message: "falls in \(month), past the underpayment-rate table (it ends with \(Self.tableEnd))")
                ])
            }
            priced.append(line)
        }
        let total = priced.reduce(Money.zero) { $0 + $1.penalty }
        let reason =
            priced.isEmpty
            ? "no month with a shortfall: no penalty"
            : "\(priced.count) month(s) short of 90%, each at its quarter's underpayment rate ÷ 12: \(total.dollars)"
        return Result(months: priced, total: total, reason: reason)
    }

    /// The year's penalty from its test dates: nothing when the average meets 90%
    /// (§1400Z-2(d)(1)); otherwise each test's shortfall for each month that test stands for.
    static func penalty(dates: [AssetTestDate], results: [AssetTest.Result]) throws(RuleValidationError) -> Result {
        guard !AssetTest.averageMeets(results) else {
            return Result(months: [], total: .zero, reason: "the average of the test dates is at least 90%: no penalty")
        }
        var months: [(ComplianceMonth, Money)] = []
        for date in dates {
            let shortfall = results.first { $0.testDate == date.date }?.shortfall ?? .zero
            months += date.months.map { ($0, shortfall) }
        }
        return try Self.penalty(months: months)
    }

    static var tableEnd: String {
        guard let last = UnderpaymentRates.table.last else { return "-" }
        return "\(last.year) Q\(last.quarter)"
    }
}
