import Foundation
import Models
import Testing

@testable import InvestmentsService

/// A period's performance from its records (Rules/PeriodPerformance.swift), with the issue's
/// figures, the periods it accepts, annualising, and every way a ratio can be unavailable.
@Suite struct PeriodPerformanceTests {
    static let year = FinancialPeriod(start: day("2025-01-01"), end: day("2025-12-31"))!

    /// Income and expenses whose NOI is `noi` and whose debt service is `debtService`.
    static func figures(
        _ period: FinancialPeriod = Self.year, noi: String = "650000", debtService: String = "480000", value: String? = "10000000",
        equity: String? = "3500000"
    ) -> PeriodFigures {
        var figures = PeriodFigures(period: period)
        // Effective gross income 955,000 less operating expenses 305,000 is 650,000 (PropertyMetricsTests).
        figures.income = PropertyMetricsTests.income
        figures.income?.otherIncome = PropertyMetricsTests.income.otherIncome + usd(noi) - usd("650000")
        figures.expenses = PropertyMetricsTests.expenses
        figures.expenses?.mortgagePrincipal = .zero
        figures.expenses?.mortgageInterest = usd(debtService)
        figures.stated = StatedFigures(propertyValue: value.map(usd), equity: equity.map(usd))
        return figures
    }

    /// The issue's must-pass: NOI $650,000, value $10,000,000, debt service $480,000, equity
    /// $3,500,000 → cap rate 6.5%, DSCR 1.354, cash-on-cash 4.857%.
    @Test func theIssuesFigures() throws {
        let performance = PeriodPerformance(Self.figures())
        #expect(performance.periodType == "annual")
        #expect(performance.noi == usd("650000"))
        #expect(performance.annualizedNoi == usd("650000"))
        #expect(performance.debtService == usd("480000"))
        let capRate = try #require(performance.capRate)
        let coverage = try #require(performance.debtServiceCoverage)
        let cashOnCash = try #require(performance.cashOnCashReturn)
        #expect(capRate == dec("0.065"))
        #expect((capRate * 100).roundedHalfUp(places: 3) == dec("6.5"))
        #expect(coverage.roundedHalfUp(places: 3) == dec("1.354"))
        #expect((cashOnCash * 100).roundedHalfUp(places: 3) == dec("4.857"))
        #expect(performance.unavailable["cap_rate"] == nil)
        #expect(performance.unavailable["debt_service_coverage"] == nil)
        #expect(performance.unavailable["cash_on_cash_return"] == nil)
    }

    /// Table: what each ratio is, or why it is not, as inputs go missing or to zero. No input
    /// divides by zero; a loss is a negative yield, not a missing one.
    @Test(
        arguments: [
            // noi, debt service, value, equity → cap rate, DSCR, cash-on-cash (nil: unavailable)
            ("650000", "480000", "10000000", "3500000", "0.065", "1.354167", "0.048571"),
            ("650000", "0", "10000000", "3500000", "0.065", nil, "0.185714"),
            ("650000", "480000", "0", "3500000", nil, "1.354167", "0.048571"),
            ("650000", "480000", "10000000", "0", "0.065", "1.354167", nil),
            ("650000", "480000", nil, nil, nil, "1.354167", nil),
            ("-100000", "480000", "10000000", "3500000", "-0.01", "-0.208333", "-0.165714"),
            ("0", "0", "0", "0", nil, nil, nil),
        ] as [(String, String, String?, String?, String?, String?, String?)])
    func ratiosOrWhyNot(
        noi: String, debtService: String, value: String?, equity: String?, capRate: String?, coverage: String?, cashOnCash: String?
    ) {
        let performance = PeriodPerformance(Self.figures(noi: noi, debtService: debtService, value: value, equity: equity))
        #expect(performance.noi == usd(noi))
        #expect(performance.capRate == capRate.map(dec))
        #expect(performance.debtServiceCoverage == coverage.map(dec))
        #expect(performance.cashOnCashReturn == cashOnCash.map(dec))
        // Every null ratio says why, and only those.
        #expect((performance.unavailable["cap_rate"] != nil) == (capRate == nil))
        #expect((performance.unavailable["debt_service_coverage"] != nil) == (coverage == nil))
        #expect((performance.unavailable["cash_on_cash_return"] != nil) == (cashOnCash == nil))
    }

    @Test func zeroDebtServiceAndZeroValueSayWhy() {
        let unlevered = PeriodPerformance(Self.figures(debtService: "0", value: "0"))
        #expect(unlevered.debtServiceCoverage == nil)
        #expect(unlevered.unavailable["debt_service_coverage"] == "no debt service in this period (mortgage_principal + mortgage_interest is 0)")
        #expect(unlevered.capRate == nil)
        #expect(unlevered.unavailable["cap_rate"] == "property_value is not above 0")
        let unknown = PeriodPerformance(Self.figures(value: nil, equity: nil))
        #expect(unknown.unavailable["cap_rate"] == "needs property_value")
        #expect(unknown.unavailable["cash_on_cash_return"] == "needs equity")
    }

    @Test func withoutIncomeOrExpensesThereIsNoNOI() {
        var figures = Self.figures()
        figures.expenses = nil
        let noExpenses = PeriodPerformance(figures)
        #expect(noExpenses.noi == nil)
        #expect(noExpenses.effectiveGrossIncome == usd("955000"))
        #expect(noExpenses.capRate == nil)
        #expect(noExpenses.unavailable["noi"] == "needs this period's expenses")
        figures.income = nil
        let neither = PeriodPerformance(figures)
        #expect(neither.unavailable["cap_rate"] == "needs this period's income and expenses")
        #expect(neither.propertyValue == usd("10000000"))
    }

    /// A quarter's NOI is × 4 before it meets the value; DSCR compares the quarter with itself.
    @Test func aQuarterIsAnnualisedForTheYields() throws {
        let quarter = try #require(FinancialPeriod(start: day("2025-04-01"), end: day("2025-06-30")))
        #expect(quarter.type == "quarterly")
        let performance = PeriodPerformance(Self.figures(quarter, noi: "162500", debtService: "120000"))
        #expect(performance.noi == usd("162500"))
        #expect(performance.annualizedNoi == usd("650000"))
        #expect(performance.capRate == dec("0.065"))
        #expect(performance.debtServiceCoverage == dec("1.354167"))
        #expect(performance.cashOnCashReturn == dec("0.048571"))
    }

    @Test func occupancyAndCollections() {
        var figures = Self.figures()
        figures.stated.unitsTotal = 24
        figures.stated.unitsOccupied = 22
        // Rent billed: 1,000,000 − 50,000 − 10,000 = 940,000.
        figures.stated.rentCollected = usd("930600")
        let performance = PeriodPerformance(figures)
        #expect(performance.occupancyRate == dec("0.916667"))
        #expect(performance.collectionRate == dec("0.99"))
        figures.stated.unitsTotal = 0
        figures.stated.unitsOccupied = 0
        figures.income?.grossRentalIncome = usd("60000")
        let empty = PeriodPerformance(figures)
        #expect(empty.occupancyRate == nil)
        #expect(empty.unavailable["occupancy_rate"] == "units_total is 0")
        #expect(empty.collectionRate == nil)
        #expect(empty.unavailable["collection_rate"] != nil)
    }

    @Test(arguments: [
        ("2025-01-01", "2025-01-31", "monthly", "12"),
        ("2025-01-01", "2025-03-31", "quarterly", "4"),
        ("2024-01-01", "2024-12-31", "annual", "1"),
        ("2025-07-01", "2026-06-30", "annual", "1"),
        ("2025-01-01", "2025-06-30", "other", "2"),
        ("2025-01-15", "2025-02-14", "other", "11.774193548387096774193548387096774193"),
    ])
    func periodTypesAndAnnualising(start: String, end: String, type: String, factor: String) throws {
        let period = try #require(FinancialPeriod(start: day(start), end: day(end)))
        #expect(period.type == type)
        #expect(period.annualizationFactor.roundedHalfUp(places: 12) == dec(factor).roundedHalfUp(places: 12))
    }

    @Test(arguments: [
        ("2025-01-01", "2024-12-31", "must be on or after period_start (2025-01-01)"),
        ("2025-01-01", "2026-01-01", "must be before 2026-01-01: a period is at most a year"),
        ("2025-03-15", "2027-03-14", "must be before 2026-03-15: a period is at most a year"),
    ])
    func periodsThatAreRefused(start: String, end: String, message: String) {
        #expect(FinancialPeriod(start: day(start), end: day(end)) == nil)
        #expect(FinancialPeriod.problem(start: day(start), end: day(end)) == RuleFieldError(field: "period_end", message: message))
    }

    @Test func aOneDayPeriodIsAPeriod() {
        #expect(FinancialPeriod(start: day("2025-05-05"), end: day("2025-05-05"))?.days == 1)
    }

    @Test func encodesEveryFigureNullsIncluded() throws {
        var figures = Self.figures(value: nil)
        figures.expenses = nil
        let text = String(decoding: try JSONEncoder.tract.encode(PeriodPerformance(figures)), as: UTF8.self)
        #expect(text.contains(#""cap_rate":null"#))
        #expect(text.contains(#""noi":null"#))
        #expect(text.contains(#""effective_gross_income":"955000.00""#))
        #expect(text.contains(#""unavailable":{"#))
        #expect(text.contains(#""period_type":"annual""#))
    }
}
