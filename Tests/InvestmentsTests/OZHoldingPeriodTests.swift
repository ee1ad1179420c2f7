import Foundation
import Models
import Testing

@testable import InvestmentsService

@Suite struct OZHoldingPeriodTests {
    /// TCJA §1400Z-2(b)(2)(B)(iii)–(iv), (b)(1), (c); Treas. Reg. §1.1400Z2(c)-1(b): invested
    /// 2019-06-30, the 5- and 7-year step-ups both fall before 2026-12-31.
    @Test func aTCJAPositionReachesBothStepUps() {
        let period = OZTaxRules.holdingPeriod(investedOn: day("2019-06-30"), fundType: .standard)
        #expect(period.regime == .tcja2017)
        #expect(period.events.map(\.milestone) == [.fiveYearStepUp, .sevenYearStepUp, .inclusion, .tenYearExclusion, .lastExclusionSale])
        #expect(period.events.map(\.on) == ["2024-06-30", "2026-06-30", "2026-12-31", "2029-06-30", "2047-12-31"].map(day))
        #expect(period.events.compactMap(\.stepUpPercent) == [10, 15])
        #expect(period.next(after: day("2025-01-01"))?.milestone == .sevenYearStepUp)
        #expect(period.yearsHeld(on: day("2026-12-31")) == 7)
    }

    /// Invested 2021-03-01: five years by 2026-03-01, seven only in 2028, after the inclusion date.
    @Test func aLaterTCJAPositionGetsOnlyTheFiveYearStepUp() {
        let period = OZTaxRules.holdingPeriod(investedOn: day("2021-03-01"), fundType: .standard)
        #expect(period.events.map(\.milestone) == [.fiveYearStepUp, .inclusion, .tenYearExclusion, .lastExclusionSale])
        #expect(period.events.first?.on == day("2026-03-01"))
    }

    /// OBBBA §1400Z-2(b)(1)(B), (b)(2)(B), (c) as amended: invested 2027-03-01, the gain comes back on
    /// the fifth anniversary with a 10% (rural: 30%) step-up; the basis election's value stops at 30 years.
    @Test(arguments: [(OZFundType.standard, Decimal(10)), (OZFundType.rural, Decimal(30))])
    func anOBBBAPositionRollsFiveYears(_ example: (OZFundType, Decimal)) {
        let period = OZTaxRules.holdingPeriod(investedOn: day("2027-03-01"), fundType: example.0)
        #expect(period.regime == .obbba2025)
        #expect(period.events.map(\.milestone) == [.fiveYearStepUp, .inclusion, .tenYearExclusion, .thirtyYearCap])
        #expect(period.events.map(\.on) == ["2032-03-01", "2032-03-01", "2037-03-01", "2057-03-01"].map(day))
        #expect(period.events.first?.stepUpPercent == example.1)
    }

    /// One rules module: the investor view's inclusion date is the estimate's.
    @Test func theHoldingPeriodAgreesWithTheEstimate() {
        for invested in ["2018-12-31", "2022-07-04", "2026-12-31", "2027-01-01", "2031-02-28"].map(day) {
            let period = OZTaxRules.holdingPeriod(investedOn: invested, fundType: .standard)
            let inclusion = period.events.first { $0.milestone == .inclusion }?.on
            #expect(inclusion == OZTaxRules.inclusionDate(investedOn: invested, expectedExit: nil), "\(invested)")
        }
    }
}
