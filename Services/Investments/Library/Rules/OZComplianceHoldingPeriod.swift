import Foundation
import Models

/// The dates an investor's OZ position lives by, from the same rules as the tax estimate
/// (`OZTaxRules`: one rules module, so the investor view and the estimate cannot disagree).
struct OZHoldingPeriod: Sendable, Equatable {
    enum Milestone: String, Sendable, Codable {
        /// TCJA §1400Z-2(b)(2)(B)(iii): 10% step-up after 5 years (if reached by 2026-12-31).
        case fiveYearStepUp = "five_year_step_up"
        /// TCJA §1400Z-2(b)(2)(B)(iv): 5% more after 7 years (if reached by 2026-12-31).
        case sevenYearStepUp = "seven_year_step_up"
        /// §1400Z-2(b)(1): the deferred gain comes back into income.
        case inclusion
        /// §1400Z-2(c): held 10 years, the basis election becomes available.
        case tenYearExclusion = "ten_year_exclusion"
        /// Treas. Reg. §1.1400Z2(c)-1(b): last day a TCJA-era position can sell with the election.
        case lastExclusionSale = "last_exclusion_sale"
        /// §1400Z-2(c) as amended by OBBBA: basis is fixed at value on the 30th anniversary.
        case thirtyYearCap = "thirty_year_cap"
    }

    struct Event: Sendable, Equatable {
        var milestone: Milestone
        var on: CalendarDate
        /// The cumulative basis step-up, in percent of the deferred gain, for step-up events.
        var stepUpPercent: Decimal?
    }

    var investedOn: CalendarDate
    var regime: OZRegime
    var events: [Event]

    /// Whole years held on `day` (anniversaries, as the estimate counts them).
    func yearsHeld(on day: CalendarDate) -> Int { max(0, self.investedOn.wholeYears(until: day)) }

    /// The first milestone on or after `day`.
    func next(after day: CalendarDate) -> Event? { self.events.first { $0.on >= day } }
}

extension OZTaxRules {
    /// The position's milestones, in date order. Step-ups are listed only when the holding reaches
    /// them by the inclusion deadline (`inclusionDate`, no sale assumed); their percentages come
    /// from `basisStepUpPercent`, the estimate's own rule.
    static func holdingPeriod(investedOn: CalendarDate, fundType: OZFundType) -> OZHoldingPeriod {
        let regime = Self.regime(forInvestmentOn: investedOn)
        let inclusion = Self.inclusionDate(investedOn: investedOn, expectedExit: nil)
        var events: [OZHoldingPeriod.Event] = []
        let stepUps: [(Int, OZHoldingPeriod.Milestone)] =
            regime == .tcja2017 ? [(5, .fiveYearStepUp), (7, .sevenYearStepUp)] : [(5, .fiveYearStepUp)]
        for (years, milestone) in stepUps {
            let on = investedOn.adding(years: years)
            guard on <= inclusion else { continue }
            let percent = Self.basisStepUpPercent(regime: regime, fundType: fundType, yearsHeld: years)
            events.append(.init(milestone: milestone, on: on, stepUpPercent: percent))
        }
        events.append(.init(milestone: .inclusion, on: inclusion, stepUpPercent: nil))
        events.append(.init(milestone: .tenYearExclusion, on: investedOn.adding(years: Self.exclusionHoldingYears), stepUpPercent: nil))
        switch regime {
        case .tcja2017: events.append(.init(milestone: .lastExclusionSale, on: Self.tcjaLastExclusionSale, stepUpPercent: nil))
        case .obbba2025:
            events.append(.init(milestone: .thirtyYearCap, on: investedOn.adding(years: Self.obbbaExclusionCapYears), stepUpPercent: nil))
        }
        // A step-up on the inclusion day itself sorts before the inclusion it adjusts.
        let sorted = events.enumerated().sorted { ($0.element.on, $0.offset) < ($1.element.on, $1.offset) }.map(\.element)
        return OZHoldingPeriod(investedOn: investedOn, regime: regime, events: sorted)
    }
}
