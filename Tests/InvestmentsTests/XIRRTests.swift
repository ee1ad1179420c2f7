import Foundation
import Models
import Testing

@testable import InvestmentsService

@Suite struct XIRRTests {
    static func flows(_ pairs: [(String, String)]) -> [DatedCashFlow] {
        pairs.map { DatedCashFlow(date: day($0.0), amount: usd($0.1)) }
    }

    /// Microsoft's XIRR documentation example; Excel gives 0.373362535.
    static let microsoft = Self.flows([
        ("2008-01-01", "-10000"), ("2008-03-01", "2750"), ("2008-10-30", "4250"), ("2009-02-15", "3250"), ("2009-04-01", "2750"),
    ])

    @Test func matchesExcel() throws {
        let rate = try InvestmentReturns.xirr(Self.microsoft)
        #expect(abs(rate - 0.373362535) < 1e-8, "\(rate)")
    }

    @Test func flowOrderDoesNotMatter() throws {
        let rate = try InvestmentReturns.xirr(Array(Self.microsoft.reversed()))
        #expect(abs(rate - 0.373362535) < 1e-8, "\(rate)")
    }

    @Test(
        arguments: [
            // 366 days in 2020: Excel counts 366/365 years, so 1.1^(365/366) − 1.
            ([("2020-01-01", "-1000"), ("2021-01-01", "1100")], pow(1.1, 365.0 / 366.0) - 1),
            ([("2021-01-01", "-1000"), ("2022-01-01", "500")], -0.5),
            ([("2021-01-01", "-1000"), ("2022-01-01", "1000")], 0),
            ([("2021-01-01", "-1000"), ("2023-01-01", "1210")], 0.1),
            // Far from Newton's 10% start: found by bracketing.
            ([("2021-01-01", "-1"), ("2022-01-01", "1000000")], 999_999),
            ([("2021-01-01", "-1000000"), ("2022-01-01", "10")], -0.99999),
            // A later contribution, then the exit.
            ([("2021-01-01", "-1000"), ("2022-01-01", "-1000"), ("2023-01-01", "2310")], 0.1),
        ] as [([(String, String)], Double)])
    func knownRates(pairs: [(String, String)], expected: Double) throws {
        let rate = try InvestmentReturns.xirr(Self.flows(pairs))
        #expect(abs(rate - expected) <= 1e-9 * max(1, abs(expected)), "\(rate)")
    }

    @Test(
        arguments: [
            ([("2021-01-01", "-1000")], XIRRError.tooFewCashFlows),
            ([], .tooFewCashFlows),
            ([("2021-01-01", "-1000"), ("2022-01-01", "-5")], .noSignChange),
            ([("2021-01-01", "1000"), ("2022-01-01", "5")], .noSignChange),
            ([("2021-01-01", "0"), ("2022-01-01", "5")], .noSignChange),
            // 100 − 300x + 250x² (x = 1/(1+r)) is positive for every x: no rate solves it.
            ([("2021-01-01", "100"), ("2022-01-01", "-300"), ("2023-01-01", "250")], .noSolution),
        ] as [([(String, String)], XIRRError)])
    func noRate(pairs: [(String, String)], error: XIRRError) {
        #expect(throws: error) { try InvestmentReturns.xirr(Self.flows(pairs)) }
    }

    @Test func errorsSayWhatIsMissing() {
        #expect(
            XIRRError.noSignChange.description
                == "XIRR needs at least one negative (invested) and one positive (returned) cash flow")
    }

    @Test(arguments: [
        ("1200000", "250000", "1000000", "1.45"),
        ("1", "0", "3", "0.333333"),
        ("2", "0", "3", "0.666667"),
        ("0", "0", "500", "0"),
    ])
    func equityMultiple(distributions: String, value: String, invested: String, expected: String) {
        #expect(
            InvestmentReturns.equityMultiple(
                totalDistributions: usd(distributions), currentValue: usd(value), totalInvested: usd(invested))
                == dec(expected)
        )
    }

    @Test func equityMultipleOfNothingInvestedIsNil() {
        #expect(InvestmentReturns.equityMultiple(totalDistributions: usd("5"), currentValue: .zero, totalInvested: .zero) == nil)
    }
}
