import Foundation
import Models
import Testing

@testable import InvestmentsService

@Suite struct NoncompliancePenaltyTests {
    /// §1400Z-2(f)(1): a calendar-year fund that became a QOF in June 2022 tests on 2022-11-30
    /// (June–November) and 2022-12-31 (December) (§1.1400Z2(d)-1(a)(2)). $16M of $20M qualifies on
    /// both: 90% × 20M − 16M = $2,000,000 short for 7 months. Each month at its quarter's
    /// §6621(a)(2) rate ÷ 12, rounded to the cent (IRS quarterly rates: Q2 2022 4%, Q3 5%, Q4 6%):
    ///   June      2,000,000 × 4% / 12 =  6,666.67
    ///   Jul–Sep   2,000,000 × 5% / 12 =  8,333.33 × 3 = 24,999.99
    ///   Oct–Dec   2,000,000 × 6% / 12 = 10,000.00 × 3 = 30,000.00
    ///   total                                            61,666.66
    @Test func aSevenMonthShortfallOfTwoMillionIsPricedAtTheDatedRates() throws {
        let calendar = QOFCalendar(taxYearEndMonth: 12, firstQOFMonth: ComplianceMonth(year: 2022, month: 6)!)
        let dates = AssetTest.testDates(calendar, taxYearEndingIn: 2022)
        #expect(dates.map(\.date) == [day("2022-11-30"), day("2022-12-31")])
        let results = try dates.map { date throws(RuleValidationError) in
            try AssetTest.evaluate(
                AssetTest.Input(
                    testDate: date.date, method: .financialStatement, qualifying: usd("16000000"), total: usd("20000000"),
                    cashHeld: .zero, contributions: [], excludeRecentCash: true
                )
            )
        }
        #expect(results.map(\.shortfall) == [usd("2000000"), usd("2000000")])
        let penalty = try NoncompliancePenalty.penalty(dates: dates, results: results)
        #expect(penalty.months.count == 7)
        #expect(penalty.months.map(\.annualRatePercent) == [4, 5, 5, 5, 6, 6, 6])
        #expect(penalty.months.map(\.penalty) == ["6666.67", "8333.33", "8333.33", "8333.33", "10000.00", "10000.00", "10000.00"].map(usd))
        #expect(penalty.total == usd("61666.66"))
    }

    /// Each test date prices its own months: the June test's shortfall for January–June, the
    /// December test's for July–December. 2024 was 8% all year: 1,000,000 × 8% / 12 = 6,666.67 × 6;
    /// 500,000 × 8% / 12 = 3,333.33 × 6. Total 40,000.02 + 19,999.98 = 60,000.00.
    @Test func eachTestDatePricesItsOwnMonths() throws {
        let calendar = QOFCalendar(taxYearEndMonth: 12, firstQOFMonth: ComplianceMonth(year: 2020, month: 1)!)
        let dates = AssetTest.testDates(calendar, taxYearEndingIn: 2024)
        let june = try AssetTest.evaluate(
            .init(
                testDate: dates[0].date, method: .cost, qualifying: usd("8000000"), total: usd("10000000"), cashHeld: .zero, contributions: [],
                excludeRecentCash: false))
        let december = try AssetTest.evaluate(
            .init(
                testDate: dates[1].date, method: .cost, qualifying: usd("8500000"), total: usd("10000000"), cashHeld: .zero, contributions: [],
                excludeRecentCash: false))
        let penalty = try NoncompliancePenalty.penalty(dates: dates, results: [june, december])
        #expect(penalty.months.prefix(6).allSatisfy { $0.penalty == usd("6666.67") })
        #expect(penalty.months.suffix(6).allSatisfy { $0.penalty == usd("3333.33") })
        #expect(penalty.total == usd("60000.00"))
    }

    @Test func aYearWhoseAverageMeetsNinetyPercentOwesNothing() throws {
        let calendar = QOFCalendar(taxYearEndMonth: 12, firstQOFMonth: ComplianceMonth(year: 2020, month: 1)!)
        let dates = AssetTest.testDates(calendar, taxYearEndingIn: 2024)
        let june = try AssetTest.evaluate(
            .init(
                testDate: dates[0].date, method: .cost, qualifying: usd("85"), total: usd("100"), cashHeld: .zero, contributions: [],
                excludeRecentCash: false))
        let december = try AssetTest.evaluate(
            .init(
                testDate: dates[1].date, method: .cost, qualifying: usd("95"), total: usd("100"), cashHeld: .zero, contributions: [],
                excludeRecentCash: false))
        let penalty = try NoncompliancePenalty.penalty(dates: dates, results: [june, december])
        #expect(penalty.total == .zero && penalty.months.isEmpty)
    }

    /// A month past the table is refused, naming it, rather than priced at a guessed rate.
    @Test func aMonthPastTheRateTableIsRefused() throws {
        #expect(NoncompliancePenalty.penalty(shortfall: usd("100"), in: ComplianceMonth(year: 2026, month: 7)!) == nil)
        #expect(throws: RuleValidationError.self) {
            try NoncompliancePenalty.penalty(months: [(ComplianceMonth(year: 2026, month: 7)!, usd("100"))])
        }
        // A month with no shortfall needs no rate.
        #expect(try NoncompliancePenalty.penalty(months: [(ComplianceMonth(year: 2030, month: 1)!, .zero)]).total == .zero)
    }

    /// The table is a quarter-by-quarter series with no gap from 2018 Q1 (the first QOF year).
    @Test func theRateTableHasEveryQuarterInOrder() {
        let table = UnderpaymentRates.table
        #expect(table.first?.year == 2018 && table.first?.quarter == 1)
        for (earlier, later) in zip(table, table.dropFirst()) {
            #expect(later.year * 4 + later.quarter == earlier.year * 4 + earlier.quarter + 1, "\(earlier) → \(later)")
        }
        #expect(table.allSatisfy { $0.percent > 0 && $0.percent < 20 })
        #expect(UnderpaymentRates.percent(for: ComplianceMonth(year: 2023, month: 10)!) == 8)
        #expect(UnderpaymentRates.percent(for: ComplianceMonth(year: 2017, month: 12)!) == nil)
    }
}
