import Foundation
import Models

/// The calculator's answer in plain language, a sentence per step of the arithmetic, so an investor
/// can see why the numbers are what they are.
struct OZTaxExplanation: Sendable {
    var request: OZTaxEstimateRequest
    var regime: OZRegime
    var lastInvestmentDate: CalendarDate
    var deferred: Money
    var inclusionDate: CalendarDate
    var yearsHeld: Int
    var stepUpPercent: Decimal
    var included: Money
    var taxDue: Money
    var appreciation: OZTaxRules.AppreciationOutcome

    var text: String {
        [self.window, self.deferral, self.inclusion, self.stepUp, self.fairMarketValueCap, self.tax, self.exclusion]
            .compactMap { $0 }
            .joined(separator: " ")
    }

    private var window: String {
        "A gain from a sale on \(self.request.gainDate) can go into a qualified opportunity fund through "
            + "\(self.lastInvestmentDate) (180 days, counting the day of the sale)."
    }

    private var deferral: String {
        let request = self.request
        let rest: String
        if request.investmentAmount > request.gainAmount {
            rest =
                "; the other \((request.investmentAmount - request.gainAmount).dollars) is an ordinary investment with no OZ tax benefits"
        } else if request.investmentAmount < request.gainAmount {
            rest = "; the other \((request.gainAmount - request.investmentAmount).dollars) is taxed as usual"
        } else {
            rest = ""
        }
        return "Investing \(request.investmentAmount.dollars) on \(request.investmentDate) defers "
            + "\(self.deferred.dollars) of the \(request.gainAmount.dollars) gain\(rest)."
    }

    private var inclusion: String {
        switch self.regime {
        case .tcja2017:
            "Money invested by 2026-12-31 follows the 2017 rules (IRC §1400Z-2 as enacted by the TCJA): the deferred gain "
                + "comes back into income on \(self.inclusionDate), the earlier of your sale and December 31, 2026."
        case .obbba2025:
            "Money invested after 2026 follows the 2025 rules (IRC §1400Z-2 as amended by the OBBBA): the deferred gain "
                + "comes back into income on \(self.inclusionDate), the earlier of your sale and the fifth anniversary of the investment."
        }
    }

    private var stepUp: String {
        let held = "By then you will have held the investment \(self.yearsHeld) full year\(self.yearsHeld == 1 ? "" : "s")"
        guard self.stepUpPercent > 0 else { return held + ", short of the 5 years a basis step-up needs, so all of it counts." }
        let rural = self.regime == .obbba2025 && self.request.fundType == .rural ? " (a qualified rural fund)" : ""
        return held + ", so your basis steps up by \(self.stepUpPercent)% of the deferred gain\(rural)."
    }

    private var fairMarketValueCap: String? {
        guard let value = self.request.fundValueAtInclusion else { return nil }
        return "The gain counted is capped at the investment's value then, \(value.dollars) as you expect it."
    }

    private var tax: String {
        "\(self.included.dollars) is included in income; at a \(self.request.taxRate * 100)% rate the tax due is \(self.taxDue.dollars)."
    }

    private var exclusion: String {
        let exit = self.request.expectedExitDate.map(\.description) ?? "exit"
        switch self.appreciation {
        case .excluded(let amount, let years, let capped):
            let growth = (self.request.expectedAnnualGrowth ?? 0) * 100
            let cap = capped ? " Growth after the 30th anniversary does not count under the 2025 rules." : ""
            return "Held until \(exit) and growing \(growth)% a year, \(amount.dollars) of appreciation over \(years) years "
                + "would be free of tax under the 10-year basis election (IRC §1400Z-2(c)).\(cap)"
        case .noExitDate:
            return "Give an expected exit date at least 10 years after the investment and an expected annual growth rate "
                + "to estimate the appreciation a 10-year hold leaves untaxed."
        case .noGrowthRate:
            return "Give an expected annual growth rate to estimate the appreciation a 10-year hold leaves untaxed."
        case .heldUnderTenYears(let years):
            return "An exit on \(exit), after \(years) full year\(years == 1 ? "" : "s"), is short of the 10 years needed "
                + "to exclude the appreciation from tax."
        case .soldAfterElectionDeadline:
            return "Under the 2017 rules the 10-year basis election is available only for sales through 2047-12-31, "
                + "so a sale on \(exit) excludes no appreciation."
        case .noAppreciation:
            return "At that growth rate the investment gains no value, so there is no appreciation to exclude."
        }
    }
}
