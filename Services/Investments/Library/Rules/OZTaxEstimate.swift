import Foundation
import Models

/// The body of the OZ tax calculator ("check how much tax you can save"). Amounts are strings, dates
/// `YYYY-MM-DD`, rates fractions (`tax_rate` 0.238, `expected_annual_growth` 0.07) sent as JSON numbers.
struct OZTaxEstimateRequest: Codable, Sendable, Equatable {
    var gainAmount: Money
    /// The day of the sale that produced the gain: day 1 of the 180-day window.
    var gainDate: CalendarDate
    var investmentDate: CalendarDate
    var investmentAmount: Money
    var taxRate: Decimal
    /// `standard` when left out: most funds are not qualified rural funds, and users expect the plain case.
    var fundType: OZFundType
    var expectedExitDate: CalendarDate?
    var expectedAnnualGrowth: Decimal?
    /// The fair market value of the whole investment on the inclusion date, when the investor expects
    /// it to be below the deferred gain (§1400Z-2(b)(2)(A) caps the included gain at it).
    var fundValueAtInclusion: Money?

    /// Every invalid field at once, named in snake_case as the client sent it.
    func validate() -> [RuleFieldError] {
        var errors: [RuleFieldError] = []
        let positiveAmounts = Money(cents: 1)...Money.maximum
        if !positiveAmounts.contains(self.gainAmount) { errors.add("gain_amount", "must be more than 0 and at most \(Money.maximum)") }
        if !positiveAmounts.contains(self.investmentAmount) {
            errors.add("investment_amount", "must be more than 0 and at most \(Money.maximum)")
        }
        if self.taxRate.isNaN || self.taxRate < 0 || self.taxRate > 1 {
            errors.add("tax_rate", "must be a rate from 0 to 1, e.g. 0.238")
        }
        if self.gainDate < OZTaxRules.enactmentDate {
            errors.add("gain_date", "must be on or after \(OZTaxRules.enactmentDate), when IRC §1400Z-2 was enacted")
        }
        let lastDay = OZTaxRules.lastInvestmentDate(forGainOn: self.gainDate)
        if self.investmentDate < self.gainDate || self.investmentDate > lastDay {
            errors.add("investment_date", "must fall in the 180 days that begin on gain_date: \(self.gainDate) to \(lastDay)")
        }
        if let exit = self.expectedExitDate, exit <= self.investmentDate {
            errors.add("expected_exit_date", "must be after investment_date")
        }
        if let growth = self.expectedAnnualGrowth, growth.isNaN || growth < -1 || growth > 1 {
            errors.add("expected_annual_growth", "must be a rate from -1 to 1, e.g. 0.07")
        }
        if let value = self.fundValueAtInclusion, !(Money.zero...Money.maximum).contains(value) {
            errors.add("fund_value_at_inclusion", "must be 0 or more and at most \(Money.maximum)")
        }
        if errors.isEmpty,
            OZTaxRules.appreciationOutcome(
                qualifyingInvestment: min(self.gainAmount, self.investmentAmount),
                investedOn: self.investmentDate,
                expectedExit: self.expectedExitDate,
                annualGrowth: self.expectedAnnualGrowth
            ) == nil
        {
            errors.add("expected_annual_growth", "projects an exit value beyond \(Money.maximum)")
        }
        return errors
    }
}

extension OZTaxEstimateRequest {
    /// Decodes every field as declared, except that a missing `fund_type` means `standard`.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            gainAmount: try container.decode(Money.self, forKey: .gainAmount),
            gainDate: try container.decode(CalendarDate.self, forKey: .gainDate),
            investmentDate: try container.decode(CalendarDate.self, forKey: .investmentDate),
            investmentAmount: try container.decode(Money.self, forKey: .investmentAmount),
            taxRate: try container.decode(Decimal.self, forKey: .taxRate),
            fundType: try container.decodeIfPresent(OZFundType.self, forKey: .fundType) ?? .standard,
            expectedExitDate: try container.decodeIfPresent(CalendarDate.self, forKey: .expectedExitDate),
            expectedAnnualGrowth: try container.decodeIfPresent(Decimal.self, forKey: .expectedAnnualGrowth),
            fundValueAtInclusion: try container.decodeIfPresent(Money.self, forKey: .fundValueAtInclusion)
        )
    }
}

/// The calculator's answer. `basisStepUpPercent` is a percent of the deferred gain (0, 10, 15 or 30);
/// `taxDueAtInclusion` is `gainIncluded × taxRate`, rounded half-up to the cent.
struct OZTaxEstimate: Codable, Sendable, Equatable {
    var lastInvestmentDate: CalendarDate
    var inclusionDate: CalendarDate
    var basisStepUpPercent: Decimal
    var gainDeferred: Money
    var gainIncluded: Money
    var taxDueAtInclusion: Money
    var excludedAppreciation: Money
    var regime: OZRegime
    var explanation: String
    var disclaimer: String

    static let disclaimer =
        "This is an estimate for illustration, not tax, legal or investment advice. It assumes the gain, the investment "
        + "and the fund qualify under IRC §1400Z-2 and its regulations; confirm your situation with a tax adviser."
}
