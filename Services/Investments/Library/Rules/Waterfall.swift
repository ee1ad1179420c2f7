import Foundation
import Models

/// A sponsor's distribution terms (stored with each waterfall distribution, migration 0001
/// `investments.distributions.waterfall`). Rates are fractions.
struct WaterfallTerms: Codable, Sendable, Equatable {
    /// Simple annual rate on unreturned capital, cumulative, e.g. 0.08.
    var preferredReturnRate: Decimal
    /// The sponsor's share of each dollar in the catch-up tier: 1 is a full (100%) catch-up, 0 none.
    var catchUpRate: Decimal
    /// The sponsor's share of profit once caught up, e.g. 0.20 for an 80/20 split.
    var carriedInterestRate: Decimal

    func validate() -> [RuleFieldError] {
        var errors: [RuleFieldError] = []
        func isRate(_ rate: Decimal) -> Bool { !rate.isNaN && rate >= 0 && rate <= 1 }
        if !isRate(self.preferredReturnRate) { errors.add("preferred_return_rate", "must be a rate from 0 to 1, e.g. 0.08") }
        if !isRate(self.carriedInterestRate) || self.carriedInterestRate == 1 {
            errors.add("carried_interest_rate", "must be a rate from 0 to less than 1, e.g. 0.20")
        }
        // A catch-up no larger than the carry never brings the sponsor up to its share.
        if !isRate(self.catchUpRate) || (self.catchUpRate > 0 && self.catchUpRate <= self.carriedInterestRate) {
            errors.add("catch_up_rate", "must be 0 (no catch-up) or a rate above carried_interest_rate up to 1, e.g. 1")
        }
        return errors
    }
}

/// One deal's equity, what it returned, and for how long the capital was out (the preferred
/// return accrues over `yearsHeld`, which may be fractional: 1.5 is eighteen months).
struct WaterfallDeal: Codable, Sendable, Equatable {
    var capital: Money
    var proceeds: Money
    var yearsHeld: Decimal
}

/// The four tiers, in the order proceeds fill them.
enum WaterfallTierName: String, Codable, Sendable, CaseIterable {
    case returnOfCapital = "return_of_capital"
    case preferredReturn = "preferred_return"
    case catchUp = "catch_up"
    case carriedInterest = "carried_interest"
}

/// What one tier paid to the investors (LPs) and to the sponsor (GP).
struct WaterfallTier: Codable, Sendable, Equatable {
    var tier: WaterfallTierName
    var toInvestors: Money
    var toSponsor: Money
}

/// A waterfall's outcome: every tier, in order, and the totals, which sum exactly to the proceeds.
struct WaterfallResult: Codable, Sendable, Equatable {
    var tiers: [WaterfallTier]
    var toInvestors: Money
    var toSponsor: Money

    init(tiers: [WaterfallTier]) {
        self.tiers = tiers
        self.toInvestors = tiers.reduce(.zero) { $0 + $1.toInvestors }
        self.toSponsor = tiers.reduce(.zero) { $0 + $1.toSponsor }
    }

    /// Tier by tier sums, for deal-by-deal results.
    static func + (lhs: WaterfallResult, rhs: WaterfallResult) -> WaterfallResult {
        WaterfallResult(
            tiers: WaterfallTierName.allCases.map { name in
                let left = lhs.tiers.first { $0.tier == name }
                let right = rhs.tiers.first { $0.tier == name }
                return WaterfallTier(
                    tier: name,
                    toInvestors: (left?.toInvestors ?? .zero) + (right?.toInvestors ?? .zero),
                    toSponsor: (left?.toSponsor ?? .zero) + (right?.toSponsor ?? .zero)
                )
            }
        )
    }

    static let empty = WaterfallResult(
        tiers: WaterfallTierName.allCases.map { WaterfallTier(tier: $0, toInvestors: .zero, toSponsor: .zero) })
}

/// The distribution waterfall: return of capital, then the preferred return, then the sponsor's
/// catch-up, then the carried-interest split. In each shared tier the sponsor's part is rounded
/// half-up to the cent and the investors get the rest, so investors + sponsor == proceeds exactly.
enum Waterfall {
    /// Deal by deal ("American"): each deal's proceeds run through the tiers against its own capital
    /// and preferred return; the results are summed. A loss on one deal does not reduce the carry
    /// earned on another.
    static func dealByDeal(_ deals: [WaterfallDeal], terms: WaterfallTerms) throws(RuleValidationError) -> WaterfallResult {
        try Self.check(deals, terms: terms)
        var total = WaterfallResult.empty
        for deal in deals {
            let preferredReturn = Self.preferredReturn(on: [deal], rate: terms.preferredReturnRate)
            total = total + Self.distribute(deal.proceeds, capital: deal.capital, preferredReturn: preferredReturn, terms: terms)
        }
        return total
    }

    /// Whole fund ("European"): all the proceeds against all the capital, so every contribution
    /// and its preferred return come back before the sponsor takes any carry.
    static func wholeFund(_ deals: [WaterfallDeal], terms: WaterfallTerms) throws(RuleValidationError) -> WaterfallResult {
        try Self.check(deals, terms: terms)
        let capital = deals.reduce(Money.zero) { $0 + $1.capital }
        let proceeds = deals.reduce(Money.zero) { $0 + $1.proceeds }
        let preferredReturn = Self.preferredReturn(on: deals, rate: terms.preferredReturnRate)
        return Self.distribute(proceeds, capital: capital, preferredReturn: preferredReturn, terms: terms)
    }

    /// Σ capital × rate × years, simple (not compounded), summed exactly and rounded half-up once.
    /// Capital is returned only at exit, so it is unreturned for the whole hold. `check` bounds the
    /// inputs so the sum fits; if not, the tier is simply unlimited.
    static func preferredReturn(on deals: [WaterfallDeal], rate: Decimal) -> Money {
        let cents = deals.reduce(Decimal(0)) { $0 + Decimal($1.capital.cents) * rate * $1.yearsHeld }
        return Money(roundingHalfUp: cents) ?? .maximum
    }

    /// One pass of the tiers over `proceeds`. Inputs are assumed checked (non-negative, valid terms).
    static func distribute(_ proceeds: Money, capital: Money, preferredReturn: Money, terms: WaterfallTerms) -> WaterfallResult {
        var remaining = proceeds
        func take(_ limit: Money) -> Money {
            let taken = min(remaining, max(limit, .zero))
            remaining = remaining - taken
            return taken
        }
        let returned = take(capital)
        let preferred = take(preferredReturn)

        var catchUp = WaterfallTier(tier: .catchUp, toInvestors: .zero, toSponsor: .zero)
        let (catchUpRate, carry) = (terms.catchUpRate, terms.carriedInterestRate)
        if catchUpRate > 0, carry > 0 {
            // The sponsor is caught up when its share equals the carry on all profit paid so far:
            // c × D = k × (pref + D), so the tier is D = k × pref ÷ (c − k). Too large to represent
            // means the tier takes whatever is left.
            let tierSize = Money(roundingHalfUp: Decimal(preferred.cents) * carry / (catchUpRate - carry)) ?? .maximum
            let paid = take(tierSize)
            let toSponsor = paid.portion(catchUpRate)
            catchUp = WaterfallTier(tier: .catchUp, toInvestors: paid - toSponsor, toSponsor: toSponsor)
        }

        let split = take(remaining)
        let carried = split.portion(carry)
        return WaterfallResult(tiers: [
            WaterfallTier(tier: .returnOfCapital, toInvestors: returned, toSponsor: .zero),
            WaterfallTier(tier: .preferredReturn, toInvestors: preferred, toSponsor: .zero),
            catchUp,
            WaterfallTier(tier: .carriedInterest, toInvestors: split - carried, toSponsor: carried),
        ])
    }

    /// Every invalid term and deal at once; totals must fit `numeric(15,2)`.
    private static func check(_ deals: [WaterfallDeal], terms: WaterfallTerms) throws(RuleValidationError) {
        var errors = terms.validate()
        for (index, deal) in deals.enumerated() {
            if !(Money.zero...Money.maximum).contains(deal.capital) { errors.add("deals[\(index)].capital", "must be 0 or more") }
            if !(Money.zero...Money.maximum).contains(deal.proceeds) { errors.add("deals[\(index)].proceeds", "must be 0 or more") }
            if deal.yearsHeld.isNaN || deal.yearsHeld < 0 || deal.yearsHeld > 100 {
                errors.add("deals[\(index)].years_held", "must be from 0 to 100")
            }
        }
        let maximum = Int128(Money.maximum.cents)
        if deals.reduce(Int128(0), { $0 + Int128($1.capital.cents) }) > maximum {
            errors.add("deals", "capital adds up to more than \(Money.maximum)")
        }
        if deals.reduce(Int128(0), { $0 + Int128($1.proceeds.cents) }) > maximum {
            errors.add("deals", "proceeds add up to more than \(Money.maximum)")
        }
        guard errors.isEmpty else { throw RuleValidationError(errors: errors) }
    }
}
