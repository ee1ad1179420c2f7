import Foundation
import Models
import Testing

@testable import InvestmentsService

@Suite struct PropertyMetricsTests {
    /// NOI 650,000 on a 10,000,000 property, 480,000 debt service, 3,500,000 equity.
    @Test func theRatios() throws {
        let noi = usd("650000")
        let capRate = try #require(PropertyMetrics.capRate(netOperatingIncome: noi, value: usd("10000000")))
        let coverage = try #require(PropertyMetrics.debtServiceCoverage(netOperatingIncome: noi, debtService: usd("480000")))
        let cashOnCash = try #require(
            PropertyMetrics.cashOnCash(netOperatingIncome: noi, debtService: usd("480000"), equity: usd("3500000")))
        #expect(capRate == dec("0.065"))  // 6.5%
        #expect(coverage == dec("1.354167"))
        #expect(coverage.roundedHalfUp(places: 3) == dec("1.354"))
        #expect(cashOnCash == dec("0.048571"))
        #expect((cashOnCash * 100).roundedHalfUp(places: 3) == dec("4.857"))  // 4.857%
    }

    @Test(arguments: [("0"), ("-1")])
    func aZeroOrNegativeDenominatorIsNil(denominator: String) {
        #expect(PropertyMetrics.capRate(netOperatingIncome: usd("650000"), value: usd(denominator)) == nil)
        #expect(PropertyMetrics.debtServiceCoverage(netOperatingIncome: usd("650000"), debtService: usd(denominator)) == nil)
        #expect(
            PropertyMetrics.cashOnCash(netOperatingIncome: usd("650000"), debtService: .zero, equity: usd(denominator)) == nil)
    }

    @Test func aLossIsANegativeRatio() {
        #expect(PropertyMetrics.capRate(netOperatingIncome: usd("-100000"), value: usd("1000000")) == dec("-0.1"))
        #expect(
            PropertyMetrics.cashOnCash(netOperatingIncome: usd("400000"), debtService: usd("480000"), equity: usd("1000000"))
                == dec("-0.08"))
    }

    static let income = PropertyIncome(
        grossRentalIncome: usd("1000000"), vacancyLoss: usd("50000"), concessions: usd("10000"), badDebt: usd("5000"),
        parkingIncome: usd("12000"), laundryIncome: usd("3000"), petIncome: usd("2000"), applicationFees: usd("1000"),
        lateFees: usd("500"), otherIncome: usd("1500")
    )

    /// 1,000,000 − 50,000 − 10,000 − 5,000 + (12,000 + 3,000 + 2,000 + 1,000 + 500 + 1,500) = 955,000.
    @Test func effectiveGrossIncome() {
        #expect(Self.income.totalOtherIncome == usd("20000"))
        #expect(Self.income.effectiveGrossIncome == usd("955000"))
        #expect(PropertyIncome(grossRentalIncome: usd("100")).effectiveGrossIncome == usd("100"))
    }

    static let expenses = PropertyExpenses(
        propertyManagement: usd("40000"), maintenanceRepairs: usd("60000"), utilities: usd("30000"), insurance: usd("25000"),
        propertyTaxes: usd("100000"), payroll: usd("35000"), advertising: usd("5000"), legalProfessional: usd("6000"),
        landscaping: usd("4000"), capitalImprovements: usd("250000"), mortgagePrincipal: usd("180000"),
        mortgageInterest: usd("300000")
    )

    /// Operating expenses 305,000; capital improvements and the mortgage stay out of NOI.
    @Test func netOperatingIncome() {
        #expect(Self.expenses.operatingExpenses == usd("305000"))
        #expect(Self.expenses.debtService == usd("480000"))
        #expect(PropertyMetrics.netOperatingIncome(Self.income, Self.expenses) == usd("650000"))
    }

    @Test func performanceEncodesLikeTheSeedTable() throws {
        let performance = PropertyPerformance(
            income: Self.income, expenses: Self.expenses, value: usd("10000000"), equity: usd("3500000"))
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        #expect(
            String(decoding: try encoder.encode(performance), as: UTF8.self)
                == #"{"cap_rate":0.065,"cash_on_cash_return":0.048571,"debt_service_coverage":1.354167,"noi":"650000.00"}"#
        )
    }
}
