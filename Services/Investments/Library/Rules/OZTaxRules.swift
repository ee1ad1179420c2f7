import Foundation
import Models

/// Which text of IRC §1400Z-2 governs an investment. The day the money goes into the fund decides:
/// OBBBA's amendments apply to investments made after 2026-12-31 (Pub. L. 119-21 §70421).
enum OZRegime: String, Codable, Sendable {
    /// As enacted by the TCJA (Pub. L. 115-97 §13823): one inclusion date for everyone, 2026-12-31.
    case tcja2017 = "tcja_2017"
    /// As amended by the OBBBA (Pub. L. 119-21 §70421): a rolling five-year deferral per investment.
    case obbba2025 = "obbba_2025"
}

/// A qualified opportunity fund, or one that is a qualified rural opportunity fund (§1400Z-2 as
/// amended by OBBBA: substantially all of its property in rural zones), whose investors get a 30%
/// rather than 10% basis step-up. Under the TCJA text the kind makes no difference.
enum OZFundType: String, Codable, Sendable {
    case standard
    case rural

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let text = try? container.decode(String.self), let kind = OZFundType(rawValue: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected standard or rural")
        }
        self = kind
    }
}

/// The opportunity-zone arithmetic behind "how much tax can I save": when a deferred gain comes
/// back into income, how much of it, and how much appreciation a 10-year hold leaves untaxed.
/// Pure: the caller supplies every fact, including the dates.
enum OZTaxRules {
    /// §1400Z-2(a)(1)(A): the gain is invested "during the 180-day period beginning on the date of
    /// such sale or exchange". The sale day is day 1, so the last day is the sale day plus 179.
    static let investmentWindowDays = 180

    /// Pub. L. 115-97 was enacted on 2017-12-22; §1400Z-2 has no earlier gains to defer.
    static let enactmentDate = CalendarDate(year: 2017, month: 12, day: 22)!

    /// TCJA §1400Z-2(b)(1)(B): deferred gain is included on December 31, 2026 at the latest. Also the
    /// last day an investment falls under the TCJA text.
    static let tcjaInclusionDate = CalendarDate(year: 2026, month: 12, day: 31)!

    /// Treas. Reg. §1.1400Z2(c)-1(b): under the TCJA text the 10-year basis election is available for
    /// sales through 2047-12-31 only: the 2018 zone designations end on 2028-12-31 (§1400Z-1(f);
    /// `OZDesignationRound.tcja2018`, the one place that knows when a round is in force) and the
    /// regulations keep the election alive 19 years past that, no longer.
    static let tcjaLastExclusionSale = OZDesignationRound.tcja2018.endsOn.adding(years: 19)

    /// §1400Z-2(c) as amended by OBBBA: a hold longer than 30 years gets the basis of the fair market
    /// value on the 30th anniversary, so appreciation after that is taxed.
    static let obbbaExclusionCapYears = 30

    /// §1400Z-2(c): the basis election needs the investment held "for at least 10 years".
    static let exclusionHoldingYears = 10

    static func lastInvestmentDate(forGainOn saleDate: CalendarDate) -> CalendarDate {
        saleDate.adding(days: Self.investmentWindowDays - 1)
    }

    static func regime(forInvestmentOn day: CalendarDate) -> OZRegime {
        day > Self.tcjaInclusionDate ? .obbba2025 : .tcja2017
    }

    /// The day the deferred gain comes back into income: the earlier of a sale of the investment and
    /// 2026-12-31 (TCJA §1400Z-2(b)(1)), or of a sale and the fifth anniversary of the investment
    /// (OBBBA's rolling deferral, §1400Z-2(b)(1)(B) as amended).
    static func inclusionDate(investedOn investmentDate: CalendarDate, expectedExit: CalendarDate?) -> CalendarDate {
        let deadline =
            switch Self.regime(forInvestmentOn: investmentDate) {
            case .tcja2017: Self.tcjaInclusionDate
            case .obbba2025: investmentDate.adding(years: 5)
            }
        guard let expectedExit else { return deadline }
        return min(expectedExit, deadline)
    }

    /// The basis step-up as a percent of the deferred gain, for whole years held at the inclusion
    /// date. TCJA §1400Z-2(b)(2)(B)(iii)–(iv): 10% after 5 years, 5% more after 7. OBBBA
    /// §1400Z-2(b)(2)(B) as amended: 10% after 5 years, 30% for a qualified rural opportunity fund.
    static func basisStepUpPercent(regime: OZRegime, fundType: OZFundType, yearsHeld: Int) -> Decimal {
        switch regime {
        case .tcja2017:
            if yearsHeld >= 7 { return 15 }
            if yearsHeld >= 5 { return 10 }
            return 0
        case .obbba2025:
            guard yearsHeld >= 5 else { return 0 }
            return fundType == .rural ? 30 : 10
        }
    }

    /// §1400Z-2(b)(2)(A): the amount included is the lesser of the deferred gain and the investment's
    /// fair market value on the inclusion date, less the investor's basis — zero at the start
    /// (§1400Z-2(b)(2)(B)(i)), so the basis is just the step-up. Never negative.
    static func gainIncluded(deferred: Money, fairMarketValue: Money?, basisStepUp: Money) -> Money {
        let lesser = fairMarketValue.map { min(deferred, $0) } ?? deferred
        return max(.zero, lesser - basisStepUp)
    }

    /// What becomes of the fund's appreciation when the investment is sold.
    enum AppreciationOutcome: Sendable, Equatable {
        /// Held at least 10 years: the basis election (§1400Z-2(c)) leaves this much untaxed,
        /// measured after `years` whole years of growth (30 at most under OBBBA).
        case excluded(Money, years: Int, cappedAtThirtyYears: Bool)
        case noExitDate
        case noGrowthRate
        case heldUnderTenYears(years: Int)
        /// TCJA-era investment sold after 2047-12-31: the regulations no longer allow the election.
        case soldAfterElectionDeadline
        /// Held 10 years but the projected value did not rise: nothing to exclude.
        case noAppreciation(years: Int)

        var amount: Money {
            if case .excluded(let amount, _, _) = self { return amount }
            return .zero
        }
    }

    /// Appreciation excluded under §1400Z-2(c) on the qualifying part of the investment (the part
    /// that deferred gain; §1400Z-2(e)(1) treats any excess as a separate, ordinary investment).
    /// Growth compounds once a year over whole years held (anniversaries), in `Decimal`, and the
    /// result is rounded half-up to the cent; a part year adds nothing. Nil when the projected value
    /// does not fit `numeric(15,2)`.
    static func appreciationOutcome(
        qualifyingInvestment: Money,
        investedOn investmentDate: CalendarDate,
        expectedExit: CalendarDate?,
        annualGrowth: Decimal?
    ) -> AppreciationOutcome? {
        guard let expectedExit else { return .noExitDate }
        let yearsHeld = investmentDate.wholeYears(until: expectedExit)
        guard yearsHeld >= Self.exclusionHoldingYears else { return .heldUnderTenYears(years: yearsHeld) }
        let regime = Self.regime(forInvestmentOn: investmentDate)
        if regime == .tcja2017, expectedExit > Self.tcjaLastExclusionSale { return .soldAfterElectionDeadline }
        guard let annualGrowth else { return .noGrowthRate }
        let capped = regime == .obbba2025 && yearsHeld > Self.obbbaExclusionCapYears
        let years = capped ? Self.obbbaExclusionCapYears : yearsHeld
        guard let value = Self.projectedValue(of: qualifyingInvestment, annualGrowth: annualGrowth, years: years) else {
            return nil
        }
        let appreciation = value - qualifyingInvestment
        guard appreciation > .zero else { return .noAppreciation(years: years) }
        return .excluded(appreciation, years: years, cappedAtThirtyYears: capped)
    }

    /// `amount × (1 + growth)^years`, compounded in `Decimal` (38 significant digits) and rounded once.
    static func projectedValue(of amount: Money, annualGrowth: Decimal, years: Int) -> Money? {
        var factor = Decimal(1)
        for _ in 0..<max(0, years) { factor *= 1 + annualGrowth }
        return amount.multiplied(by: factor)
    }

    /// The whole estimate; throws the same field errors `validate()` lists.
    static func estimate(_ request: OZTaxEstimateRequest) throws(RuleValidationError) -> OZTaxEstimate {
        let errors = request.validate()
        guard errors.isEmpty else { throw RuleValidationError(errors: errors) }

        let regime = Self.regime(forInvestmentOn: request.investmentDate)
        let deferred = min(request.gainAmount, request.investmentAmount)
        let inclusionDate = Self.inclusionDate(investedOn: request.investmentDate, expectedExit: request.expectedExitDate)
        let yearsHeld = request.investmentDate.wholeYears(until: inclusionDate)
        let stepUpPercent = Self.basisStepUpPercent(regime: regime, fundType: request.fundType, yearsHeld: yearsHeld)
        // validate() bounds every amount and rate (including the projected exit value), so none of
        // these can leave numeric(15,2); each guard still names the field that would be to blame.
        guard let stepUp = deferred.multiplied(by: stepUpPercent / 100) else { throw .init(field: "gain_amount") }
        let fairMarketValue = request.fundValueAtInclusion.flatMap {
            // The value given is for the whole investment; only the part that deferred gain is
            // measured against the deferred gain (§1400Z-2(e)(1)).
            $0.prorated(deferred, of: request.investmentAmount)
        }
        let included = Self.gainIncluded(deferred: deferred, fairMarketValue: fairMarketValue, basisStepUp: stepUp)
        guard let taxDue = included.multiplied(by: request.taxRate) else { throw .init(field: "tax_rate") }
        guard
            let appreciation = Self.appreciationOutcome(
                qualifyingInvestment: deferred,
                investedOn: request.investmentDate,
                expectedExit: request.expectedExitDate,
                annualGrowth: request.expectedAnnualGrowth
            )
        else { throw .init(field: "expected_annual_growth") }

        let facts = OZTaxExplanation(
            request: request, regime: regime, lastInvestmentDate: Self.lastInvestmentDate(forGainOn: request.gainDate),
            deferred: deferred, inclusionDate: inclusionDate, yearsHeld: yearsHeld, stepUpPercent: stepUpPercent,
            included: included, taxDue: taxDue, appreciation: appreciation
        )
        return OZTaxEstimate(
            lastInvestmentDate: facts.lastInvestmentDate,
            inclusionDate: inclusionDate,
            basisStepUpPercent: stepUpPercent,
            gainDeferred: deferred,
            gainIncluded: included,
            taxDueAtInclusion: taxDue,
            excludedAppreciation: appreciation.amount,
            regime: regime,
            explanation: facts.text,
            disclaimer: OZTaxEstimate.disclaimer
        )
    }
}

extension RuleValidationError {
    /// An amount that would not fit `numeric(15,2)`: the one way valid-looking inputs can still fail.
    fileprivate init(field: String) {
        self.init(errors: [RuleFieldError(field: field, message: "gives an amount beyond \(Money.maximum)")])
    }
}
