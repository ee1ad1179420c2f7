import Foundation
import Models

/// How a QOF values its assets for the 90% test (Treas. Reg. §1.1400Z2(d)-1(b)): the values on its
/// applicable financial statement, or the alternative method (cost for property it bought).
enum QOFValuationMethod: String, Sendable, Hashable, Codable {
    case financialStatement = "financial_statement"
    case cost
}

/// A fund's taxable year and its first month as a QOF: all the 90% test's dates depend on.
struct QOFCalendar: Sendable, Hashable {
    /// 1…12: the month the fund's taxable year ends in (12 for a calendar year).
    var taxYearEndMonth: Int
    /// The first month the fund is a QOF (Form 8996's self-certification names it).
    var firstQOFMonth: ComplianceMonth

    /// The taxable year ending in `taxYearEndMonth` of `endingInYear`, as its first and last month.
    func taxYear(endingIn endingInYear: Int) -> (first: ComplianceMonth, last: ComplianceMonth)? {
        guard let last = ComplianceMonth(year: endingInYear, month: self.taxYearEndMonth) else { return nil }
        return (last.adding(months: -11), last)
    }
}

/// One 90% test date and the months whose penalty it prices.
struct AssetTestDate: Sendable, Hashable {
    var date: CalendarDate
    /// The QOF months of the taxable year this test date stands for (Form 8996, Part IV: the first
    /// test prices the months up to it, the year-end test the months after it).
    var months: [ComplianceMonth]
}

/// The 90% asset test, §1400Z-2(d)(1): the average of the QOZ-property percentage on the two test
/// dates must be at least 90%.
enum AssetTest {
    static let requiredPercent = 90

    /// §1400Z-2(d)(1)(A)–(B): test on the last day of the first 6-month period of the taxable year
    /// and on its last day. Treas. Reg. §1.1400Z2(d)-1(a)(2): when the fund becomes a QOF after the
    /// first month of the year, the "first 6-month period" is the first six months that are all
    /// in the year and all QOF months. The regulation's own example: a calendar-year QOF whose first
    /// month is April tests at the end of September and of December; one whose first month comes
    /// after June tests only on the last day of the year (its six QOF months reach the year's end).
    /// Empty when the fund is not yet a QOF in that year.
    static func testDates(_ calendar: QOFCalendar, taxYearEndingIn year: Int) -> [AssetTestDate] {
        guard let (first, last) = calendar.taxYear(endingIn: year), calendar.firstQOFMonth <= last else { return [] }
        let start = max(first, calendar.firstQOFMonth)
        let sixthMonth = start.adding(months: 5)
        let allMonths = (0...start.months(until: last)).map { start.adding(months: $0) }
        guard sixthMonth < last else { return [AssetTestDate(date: last.lastDay, months: allMonths)] }
        return [
            AssetTestDate(date: sixthMonth.lastDay, months: allMonths.filter { $0 <= sixthMonth }),
            AssetTestDate(date: last.lastDay, months: allMonths.filter { $0 > sixthMonth }),
        ]
    }

    /// §1.1400Z2(d)-1(b)(2)(iii): cash contributed to the fund within the 6 months before a test
    /// date may be left out of the test if it is still held in cash, cash equivalents or debt of 18
    /// months or less on that date.
    static let cashExclusionMonths = 6

    /// The facts for one test date, valued by one method.
    struct Input: Sendable {
        var testDate: CalendarDate
        var method: QOFValuationMethod
        /// QOZ property (QOZ stock, partnership interests and business property) on the test date.
        var qualifying: Money
        /// All the fund's assets on the test date, by the same method.
        var total: Money
        /// Cash, cash equivalents and debt of 18 months or less held on the test date.
        var cashHeld: Money
        /// Capital received, dated; those within 6 months before the test may be excluded.
        var contributions: [DatedAmount]
        /// The fund chooses whether to use the exclusion on this date.
        var excludeRecentCash: Bool
    }

    struct Result: Sendable, Equatable {
        var testDate: CalendarDate
        var method: QOFValuationMethod
        var qualifying: Money
        /// `total` less the excluded cash: the denominator.
        var testedTotal: Money
        var excludedCash: Money
        /// Qualifying ÷ tested total, two decimals; nil when nothing is left to test.
        var percent: Decimal?
        var meetsNinetyPercent: Bool
        /// 90% of the tested total less the qualifying property: the monthly penalty's base
        /// (§1400Z-2(f)(1)(A)). Zero when it meets the standard.
        var shortfall: Money
        var citation: String
        var reason: String
    }

    static func validate(_ input: Input) -> [RuleFieldError] {
        var errors: [RuleFieldError] = []
        if input.qualifying < .zero { errors.add("qualifying_assets", "must not be negative") }
        if input.total <= .zero { errors.add("total_assets", "must be more than 0") }
        if input.cashHeld < .zero { errors.add("cash_held", "must not be negative") }
        if input.qualifying > input.total { errors.add("qualifying_assets", "must not be more than total_assets") }
        if input.qualifying + input.cashHeld > input.total, input.qualifying <= input.total, input.cashHeld >= .zero {
            errors.add("cash_held", "plus qualifying_assets must not be more than total_assets")
        }
        for (index, item) in input.contributions.enumerated() {
            if item.amount <= .zero { errors.add("contributions[\(index)].amount", "must be more than 0") }
            if item.on > input.testDate { errors.add("contributions[\(index)].on", "is after the test date \(input.testDate)") }
        }
        return errors
    }

    /// The cash that may be left out: capital received in the 6 months up to the test date, but
    /// no more than the cash the fund still holds (money already deployed is no longer cash).
    static func excludableCash(_ input: Input) -> Money {
        let from = input.testDate.adding(months: -Self.cashExclusionMonths)
        let recent = input.contributions.filter { $0.on > from && $0.on <= input.testDate }
        let received = Int128(recent.reduce(Int64(0)) { $0 &+ $1.amount.cents })
        return Money(cents: Int64(min(received, Int128(input.cashHeld.cents))))
    }

    static func evaluate(_ input: Input) throws(RuleValidationError) -> Result {
        let errors = Self.validate(input)
        guard errors.isEmpty else { throw RuleValidationError(errors: errors) }
        let excluded = input.excludeRecentCash ? Self.excludableCash(input) : .zero
        let tested = input.total - excluded
        let citation = "26 U.S.C. §1400Z-2(d)(1); Treas. Reg. §1.1400Z2(d)-1(a)(2), (b)"
        guard tested > .zero else {
            // Everything left out: nothing to hold 90% of, and 90% of nothing is no shortfall.
            return Result(
                testDate: input.testDate, method: input.method, qualifying: input.qualifying, testedTotal: .zero,
                excludedCash: excluded, percent: nil, meetsNinetyPercent: true, shortfall: .zero, citation: citation,
                reason: "every asset is newly contributed cash left out under the 6-month exclusion; no shortfall"
            )
        }
        let meets = ComplianceRatio.atLeast(input.qualifying, of: tested, percent: Self.requiredPercent)
        // 90% of the tested total in exact cents (rounded half-up once), less what qualifies.
        let ninety = tested.multiplied(by: Decimal(Self.requiredPercent) / 100) ?? tested
        let shortfall = meets ? .zero : max(.zero, ninety - input.qualifying)
        let percent = ComplianceRatio.percent(input.qualifying, of: tested)
        let pct = percent.map { "\(ComplianceRatio.text($0))%" } ?? "-"
        var reason =
            meets
            ? "\(input.qualifying.dollars) of \(tested.dollars) is QOZ property (\(pct)), at least 90%"
            : "\(input.qualifying.dollars) of \(tested.dollars) is QOZ property (\(pct)); \(shortfall.dollars) short of 90%"
        if excluded > .zero { reason += "; \(excluded.dollars) of cash contributed since \(input.testDate.adding(months: -6)) left out" }
        return Result(
            testDate: input.testDate, method: input.method, qualifying: input.qualifying, testedTotal: tested,
            excludedCash: excluded, percent: percent, meetsNinetyPercent: meets, shortfall: shortfall,
            citation: citation, reason: reason
        )
    }

    /// "If we deploy $X by the test date": X of the cash becomes QOZ property; the total stays the
    /// same, and cash no longer held can no longer be excluded.
    static func whatIf(_ input: Input, deploying amount: Money) throws(RuleValidationError) -> Result {
        var errors: [RuleFieldError] = []
        if amount <= .zero { errors.add("deploy_amount", "must be more than 0") }
        if amount > input.cashHeld { errors.add("deploy_amount", "must not be more than cash_held (\(input.cashHeld))") }
        guard errors.isEmpty else { throw RuleValidationError(errors: errors) }
        var moved = input
        moved.qualifying = input.qualifying + amount
        moved.cashHeld = input.cashHeld - amount
        return try Self.evaluate(moved)
    }

    /// §1400Z-2(d)(1): the fund meets the standard for the year when the average of its test-date
    /// percentages is at least 90%. Decided exactly in integers: one date, q/t ≥ 0.9; two dates,
    /// q₁/t₁ + q₂/t₂ ≥ 1.8, i.e. 10·(q₁t₂ + q₂t₁) ≥ 18·t₁t₂ (cents are below 10¹⁷, so 18 × 10³⁴ fits Int128).
    static func averageMeets(_ results: [Result]) -> Bool {
        let tested = results.filter { $0.testedTotal > .zero }
        switch tested.count {
        case 0: return true
        case 1: return tested[0].meetsNinetyPercent
        default:
            let (q1, t1) = (Int128(tested[0].qualifying.cents), Int128(tested[0].testedTotal.cents))
            let (q2, t2) = (Int128(tested[1].qualifying.cents), Int128(tested[1].testedTotal.cents))
            return 10 * (q1 * t2 + q2 * t1) >= 18 * t1 * t2
        }
    }

    /// The year's average percentage, two decimals.
    static func averagePercent(_ results: [Result]) -> Decimal? {
        let tested = results.filter { $0.testedTotal > .zero }
        guard !tested.isEmpty else { return nil }
        let sum = tested.reduce(Decimal(0)) { $0 + Decimal($1.qualifying.cents) * 100 / Decimal($1.testedTotal.cents) }
        return (sum / Decimal(tested.count)).roundedHalfUp(places: 2)
    }
}
