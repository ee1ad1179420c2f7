import Foundation
import Models
import Testing

@testable import InvestmentsService

/// One calculator scenario and every number it must produce.
struct OZCase: Sendable, CustomTestStringConvertible {
    var name: String
    var gain: String
    var gainDate: String
    var invested: String
    var investmentDate: String
    var fundType: OZFundType = .standard
    var exit: String? = nil
    var growth: String? = nil
    var fundValue: String? = nil
    var taxRate = "0.238"

    var inclusionDate: String
    var stepUpPercent: Decimal
    var deferred: String
    var included: String
    var taxDue: String
    var excluded = "0.00"
    var regime: OZRegime

    var testDescription: String { self.name }

    var request: OZTaxEstimateRequest {
        OZTaxEstimateRequest(
            gainAmount: usd(self.gain), gainDate: day(self.gainDate), investmentDate: day(self.investmentDate),
            investmentAmount: usd(self.invested), taxRate: dec(self.taxRate), fundType: self.fundType,
            expectedExitDate: self.exit.map(day), expectedAnnualGrowth: self.growth.map(dec),
            fundValueAtInclusion: self.fundValue.map(usd)
        )
    }
}

@Suite struct OZTaxRulesTests {
    static let cases: [OZCase] = [
        // 2019-06-30 → 2026-12-31 is 7 full years: 15% step-up. 1,000,000 × 0.85 = 850,000; × 0.238 = 202,300.
        OZCase(
            name: "TCJA, held 7 years", gain: "1000000", gainDate: "2019-06-01", invested: "1000000",
            investmentDate: "2019-06-30",
            inclusionDate: "2026-12-31", stepUpPercent: 15, deferred: "1000000", included: "850000", taxDue: "202300.00",
            regime: .tcja2017
        ),
        // 6 full years: 10%. 900,000 × 0.238 = 214,200.
        OZCase(
            name: "TCJA, held 6 years", gain: "1000000", gainDate: "2020-06-01", invested: "1000000",
            investmentDate: "2020-06-30",
            inclusionDate: "2026-12-31", stepUpPercent: 10, deferred: "1000000", included: "900000", taxDue: "214200.00",
            regime: .tcja2017
        ),
        // 4 full years by 2026-12-31: no step-up.
        OZCase(
            name: "TCJA, invested 2022", gain: "1000000", gainDate: "2022-03-01", invested: "1000000",
            investmentDate: "2022-06-01",
            inclusionDate: "2026-12-31", stepUpPercent: 0, deferred: "1000000", included: "1000000", taxDue: "238000.00",
            regime: .tcja2017
        ),
        // Exactly 5 years on 2026-12-31 (the anniversary counts).
        OZCase(
            name: "TCJA, fifth anniversary on the inclusion date", gain: "1000000", gainDate: "2021-12-01", invested: "1000000",
            investmentDate: "2021-12-31", inclusionDate: "2026-12-31", stepUpPercent: 10, deferred: "1000000", included: "900000",
            taxDue: "214200.00", regime: .tcja2017
        ),
        // min(100,000 gain, 70,000 value) − 15% × 100,000 = 55,000; × 0.238 = 13,090.
        OZCase(
            name: "TCJA, fund value below the gain", gain: "100000", gainDate: "2019-03-01", invested: "100000",
            investmentDate: "2019-03-15",
            fundValue: "70000", inclusionDate: "2026-12-31", stepUpPercent: 15, deferred: "100000", included: "55000",
            taxDue: "13090.00",
            regime: .tcja2017
        ),
        // A fund value above the gain changes nothing.
        OZCase(
            name: "TCJA, fund value above the gain", gain: "100000", gainDate: "2019-03-01", invested: "100000",
            investmentDate: "2019-03-15",
            fundValue: "250000", inclusionDate: "2026-12-31", stepUpPercent: 15, deferred: "100000", included: "85000",
            taxDue: "20230.00",
            regime: .tcja2017
        ),
        // A 1,000,000 investment of a 500,000 gain: only half of the 800,000 value (400,000) stands
        // against the 500,000 deferred; 400,000 − 75,000 = 325,000; × 0.238 = 77,350.
        OZCase(
            name: "TCJA, investment larger than the gain", gain: "500000", gainDate: "2019-03-01", invested: "1000000",
            investmentDate: "2019-03-15", fundValue: "800000", inclusionDate: "2026-12-31", stepUpPercent: 15, deferred: "500000",
            included: "325000", taxDue: "77350.00", regime: .tcja2017
        ),
        // Partial investment: 600,000 of a 1,000,000 gain; 600,000 × 0.85 = 510,000; × 0.238 = 121,380.
        OZCase(
            name: "TCJA, partial investment of a gain", gain: "1000000", gainDate: "2019-06-01", invested: "600000",
            investmentDate: "2019-06-30", inclusionDate: "2026-12-31", stepUpPercent: 15, deferred: "600000", included: "510000",
            taxDue: "121380.00", regime: .tcja2017
        ),
        // Sold after 4 full years: inclusion at the sale, no step-up.
        OZCase(
            name: "TCJA, exit before 5 years", gain: "1000000", gainDate: "2019-06-01", invested: "1000000",
            investmentDate: "2019-06-30",
            exit: "2023-06-30", growth: "0.07", inclusionDate: "2023-06-30", stepUpPercent: 0, deferred: "1000000",
            included: "1000000",
            taxDue: "238000.00", regime: .tcja2017
        ),
        // Rolling deferral: inclusion on the fifth anniversary, 10%.
        OZCase(
            name: "OBBBA, standard fund", gain: "1000000", gainDate: "2027-01-15", invested: "1000000",
            investmentDate: "2027-03-15",
            inclusionDate: "2032-03-15", stepUpPercent: 10, deferred: "1000000", included: "900000", taxDue: "214200.00",
            regime: .obbba2025
        ),
        // Qualified rural fund: 30%. 700,000 × 0.238 = 166,600.
        OZCase(
            name: "OBBBA, rural fund", gain: "1000000", gainDate: "2027-01-15", invested: "1000000", investmentDate: "2027-03-15",
            fundType: .rural, inclusionDate: "2032-03-15", stepUpPercent: 30, deferred: "1000000", included: "700000",
            taxDue: "166600.00",
            regime: .obbba2025
        ),
        // Rural makes no difference under the TCJA text.
        OZCase(
            name: "TCJA, rural fund", gain: "1000000", gainDate: "2019-06-01", invested: "1000000", investmentDate: "2019-06-30",
            fundType: .rural, inclusionDate: "2026-12-31", stepUpPercent: 15, deferred: "1000000", included: "850000",
            taxDue: "202300.00",
            regime: .tcja2017
        ),
        // Sold a day before the fifth anniversary: inclusion at the sale, no step-up.
        OZCase(
            name: "OBBBA, exit before 5 years", gain: "1000000", gainDate: "2027-01-15", invested: "1000000",
            investmentDate: "2027-03-15",
            exit: "2032-03-14", inclusionDate: "2032-03-14", stepUpPercent: 0, deferred: "1000000", included: "1000000",
            taxDue: "238000.00", regime: .obbba2025
        ),
        // 12 years at 7%, compounded yearly: 1.07² = 1.1449, 1.07⁴ = 1.31079601, 1.07⁸ = 1.7181861798…,
        // 1.07¹² = 1.07⁸ × 1.07⁴ = 2.2521915889608233…, so the value is 2,252,191.59 and the excluded
        // appreciation 2,252,191.59 − 1,000,000 = 1,252,191.59.
        OZCase(
            name: "OBBBA, 12-year hold at 7%", gain: "1000000", gainDate: "2027-01-15", invested: "1000000",
            investmentDate: "2027-03-15",
            exit: "2039-03-15", growth: "0.07", inclusionDate: "2032-03-15", stepUpPercent: 10, deferred: "1000000",
            included: "900000",
            taxDue: "214200.00", excluded: "1252191.59", regime: .obbba2025
        ),
        // A day short of the 12th anniversary is 11 years: 1.07¹¹ = 2.1048519523…, so 1,104,851.95.
        OZCase(
            name: "OBBBA, part years add nothing", gain: "1000000", gainDate: "2027-01-15", invested: "1000000",
            investmentDate: "2027-03-15",
            exit: "2039-03-14", growth: "0.07", inclusionDate: "2032-03-15", stepUpPercent: 10, deferred: "1000000",
            included: "900000",
            taxDue: "214200.00", excluded: "1104851.95", regime: .obbba2025
        ),
        // 35-year hold is measured at year 30: 100,000 × 1.05³⁰ = 432,194.2375… → 332,194.24 excluded.
        OZCase(
            name: "OBBBA, exclusion capped at 30 years", gain: "100000", gainDate: "2027-01-15", invested: "100000",
            investmentDate: "2027-03-15",
            exit: "2062-03-15", growth: "0.05", inclusionDate: "2032-03-15", stepUpPercent: 10, deferred: "100000",
            included: "90000",
            taxDue: "21420.00", excluded: "332194.24", regime: .obbba2025
        ),
        // Only the qualifying 500,000 of a 1,000,000 investment earns the exclusion:
        // 500,000 × 1.07¹⁰ = 983,575.678… → 483,575.68.
        OZCase(
            name: "TCJA, 10-year hold of a mixed investment", gain: "500000", gainDate: "2019-03-01", invested: "1000000",
            investmentDate: "2019-03-15", exit: "2029-03-15", growth: "0.07", inclusionDate: "2026-12-31", stepUpPercent: 15,
            deferred: "500000", included: "425000", taxDue: "101150.00", excluded: "483575.68", regime: .tcja2017
        ),
        // Sold after 2047-12-31: the TCJA-era election is gone.
        OZCase(
            name: "TCJA, sold after 2047", gain: "1000000", gainDate: "2019-06-01", invested: "1000000",
            investmentDate: "2019-06-30",
            exit: "2048-01-02", growth: "0.07", inclusionDate: "2026-12-31", stepUpPercent: 15, deferred: "1000000",
            included: "850000",
            taxDue: "202300.00", regime: .tcja2017
        ),
        // Falling value: nothing to exclude.
        OZCase(
            name: "OBBBA, negative growth", gain: "1000000", gainDate: "2027-01-15", invested: "1000000",
            investmentDate: "2027-03-15",
            exit: "2040-01-01", growth: "-0.02", inclusionDate: "2032-03-15", stepUpPercent: 10, deferred: "1000000",
            included: "900000",
            taxDue: "214200.00", regime: .obbba2025
        ),
        // A tax of 0.37 on 333,333.33: 123,333.3321 → 123,333.33; and a window's last day is fine.
        OZCase(
            name: "invested on day 180, odd cents", gain: "333333.33", gainDate: "2019-01-01", invested: "333333.33",
            investmentDate: "2019-06-29",
            taxRate: "0.37", inclusionDate: "2026-12-31", stepUpPercent: 15, deferred: "333333.33", included: "283333.33",
            taxDue: "104833.33", regime: .tcja2017
        ),
        // Invested the day of the sale, 2027-01-01 itself: OBBBA.
        OZCase(
            name: "OBBBA from 2027-01-01", gain: "1000", gainDate: "2027-01-01", invested: "1000", investmentDate: "2027-01-01",
            inclusionDate: "2032-01-01", stepUpPercent: 10, deferred: "1000", included: "900", taxDue: "214.20",
            regime: .obbba2025
        ),
    ]

    @Test(arguments: Self.cases)
    func estimate(_ scenario: OZCase) throws {
        let estimate = try OZTaxRules.estimate(scenario.request)
        #expect(estimate.lastInvestmentDate == OZTaxRules.lastInvestmentDate(forGainOn: day(scenario.gainDate)))
        #expect(estimate.inclusionDate == day(scenario.inclusionDate))
        #expect(estimate.basisStepUpPercent == scenario.stepUpPercent)
        #expect(estimate.gainDeferred == usd(scenario.deferred))
        #expect(estimate.gainIncluded == usd(scenario.included))
        #expect(estimate.taxDueAtInclusion == usd(scenario.taxDue))
        #expect(estimate.excludedAppreciation == usd(scenario.excluded))
        #expect(estimate.regime == scenario.regime)
        #expect(estimate.disclaimer == OZTaxEstimate.disclaimer)
    }

    @Test(arguments: [
        ("2026-08-01", "2027-01-27"),
        ("2026-07-06", "2027-01-01"),
        ("2019-01-01", "2019-06-29"),
        ("2024-12-31", "2025-06-28"),
    ])
    func lastInvestmentDateCountsTheSaleAsDayOne(sale: String, last: String) {
        #expect(OZTaxRules.lastInvestmentDate(forGainOn: day(sale)) == day(last))
    }

    @Test(arguments: [
        ("2026-12-31", OZRegime.tcja2017),
        ("2027-01-01", OZRegime.obbba2025),
        ("2018-01-01", OZRegime.tcja2017),
    ])
    func regimeFollowsTheInvestmentDate(investment: String, regime: OZRegime) {
        #expect(OZTaxRules.regime(forInvestmentOn: day(investment)) == regime)
    }

    /// A 2026 sale whose window runs into 2027: money in on 2027-01-27 is OBBBA money, on 2027-01-28
    /// it is too late.
    @Test func windowAcrossTheRegimeChange() throws {
        var request = OZCase.windowProbe
        request.investmentDate = day("2027-01-27")
        #expect(try OZTaxRules.estimate(request).regime == .obbba2025)
        request.investmentDate = day("2027-01-28")
        #expect(throws: RuleValidationError.self) { try OZTaxRules.estimate(request) }
    }

    @Test func day181IsRefusedNamingTheInvestmentDate() {
        var request = OZCase.windowProbe
        request.gainDate = day("2019-01-01")
        request.investmentDate = day("2019-06-30")
        #expect(
            throws: RuleValidationError(errors: [
                RuleFieldError(
                    field: "investment_date",
                    message: "must fall in the 180 days that begin on gain_date: 2019-01-01 to 2019-06-29")
            ])
        ) { try OZTaxRules.estimate(request) }
    }

    @Test(arguments: [
        (4, 0), (5, 10), (6, 10), (7, 15), (12, 15),
    ])
    func tcjaStepUp(years: Int, percent: Decimal) {
        #expect(OZTaxRules.basisStepUpPercent(regime: .tcja2017, fundType: .standard, yearsHeld: years) == percent)
        #expect(OZTaxRules.basisStepUpPercent(regime: .tcja2017, fundType: .rural, yearsHeld: years) == percent)
    }

    @Test(arguments: [
        (4, OZFundType.standard, 0), (5, .standard, 10), (9, .standard, 10), (4, .rural, 0), (5, .rural, 30),
    ])
    func obbbaStepUp(years: Int, fundType: OZFundType, percent: Decimal) {
        #expect(OZTaxRules.basisStepUpPercent(regime: .obbba2025, fundType: fundType, yearsHeld: years) == percent)
    }

    @Test func stepUpLargerThanTheCappedGainIncludesNothing() {
        #expect(
            OZTaxRules.gainIncluded(deferred: usd("100000"), fairMarketValue: usd("10000"), basisStepUp: usd("15000")) == .zero)
    }

    @Test func theExplanationWalksThroughTheArithmetic() throws {
        let estimate = try OZTaxRules.estimate(Self.cases[0].request)
        #expect(
            estimate.explanation
                == "A gain from a sale on 2019-06-01 can go into a qualified opportunity fund through 2019-11-27 (180 days, counting the day of the sale). "
                + "Investing $1,000,000.00 on 2019-06-30 defers $1,000,000.00 of the $1,000,000.00 gain. "
                + "Money invested by 2026-12-31 follows the 2017 rules (IRC §1400Z-2 as enacted by the TCJA): the deferred gain comes back into income "
                + "on 2026-12-31, the earlier of your sale and December 31, 2026. "
                + "By then you will have held the investment 7 full years, so your basis steps up by 15% of the deferred gain. "
                + "$850,000.00 is included in income; at a 23.8% rate the tax due is $202,300.00. "
                + "Give an expected exit date at least 10 years after the investment and an expected annual growth rate to estimate the "
                + "appreciation a 10-year hold leaves untaxed."
        )
    }

    @Test(arguments: [
        ("OBBBA, 12-year hold at 7%", "$1,252,191.59 of appreciation over 12 years would be free of tax"),
        ("OBBBA, exclusion capped at 30 years", "Growth after the 30th anniversary does not count"),
        ("TCJA, sold after 2047", "only for sales through 2047-12-31"),
        ("TCJA, exit before 5 years", "after 4 full years, is short of the 10 years"),
        ("OBBBA, negative growth", "no appreciation to exclude"),
        ("OBBBA, rural fund", "30% of the deferred gain (a qualified rural fund)"),
        ("TCJA, partial investment of a gain", "the other $400,000.00 is taxed as usual"),
        ("TCJA, investment larger than the gain", "the other $500,000.00 is an ordinary investment"),
        ("TCJA, fund value below the gain", "capped at the investment's value then, $70,000.00"),
        ("TCJA, invested 2022", "4 full years, short of the 5 years a basis step-up needs"),
    ])
    func theExplanationSaysWhy(name: String, phrase: String) throws {
        let scenario = try #require(Self.cases.first { $0.name == name })
        let explanation = try OZTaxRules.estimate(scenario.request).explanation
        #expect(explanation.contains(phrase), "\(explanation)")
    }

    @Test func anExitWithoutAGrowthRateAsksForOne() throws {
        var request = Self.cases[0].request
        request.expectedExitDate = day("2030-01-01")
        let estimate = try OZTaxRules.estimate(request)
        #expect(estimate.excludedAppreciation == .zero)
        #expect(
            estimate.explanation.hasSuffix(
                "Give an expected annual growth rate to estimate the appreciation a 10-year hold leaves untaxed."))
    }
}

extension OZCase {
    static var windowProbe: OZTaxEstimateRequest {
        OZTaxEstimateRequest(
            gainAmount: usd("100000"), gainDate: day("2026-08-01"), investmentDate: day("2026-08-01"),
            investmentAmount: usd("100000"),
            taxRate: dec("0.238"), fundType: .standard
        )
    }
}
