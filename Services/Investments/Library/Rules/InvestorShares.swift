import Foundation
import Models

/// An investor's stake in a distribution: funded capital (the allocation weight) and the rate of
/// tax withheld from what they receive (0, 0.24 backup withholding, 0.30 for a foreign investor…).
struct InvestorPosition: Codable, Sendable, Equatable {
    var investorId: UUID
    var capital: Money
    var withholdingRate: Decimal
}

/// One investor's line, named as in migration 0001 `investments.investor_distributions`, whose
/// CHECK says `net_distribution = distribution_amount - tax_withholding`.
struct InvestorShare: Codable, Sendable, Equatable {
    var investorId: UUID
    var distributionAmount: Money
    var taxWithholding: Money
    var netDistribution: Money
}

/// Every investor's line and the totals; `totalAmount` is exactly the amount distributed.
struct InvestorDistribution: Codable, Sendable, Equatable {
    var shares: [InvestorShare]
    var totalAmount: Money
    var totalWithholding: Money
    var totalNet: Money
}

extension Waterfall {
    /// `total` — the investors' side of a waterfall, or the whole amount of a pro rata distribution —
    /// shared by funded capital with `Allocation.largestRemainder`, then each share's withholding
    /// rounded half-up to the cent. Shares come back in the order of `positions`.
    static func investorShares(of total: Money, among positions: [InvestorPosition]) throws(RuleValidationError)
        -> InvestorDistribution
    {
        var errors: [RuleFieldError] = []
        if !(Money.zero...Money.maximum).contains(total) { errors.add("total", "must be 0 or more and at most \(Money.maximum)") }
        for (index, position) in positions.enumerated() {
            if position.capital < .zero { errors.add("positions[\(index)].capital", "must be 0 or more") }
            let rate = position.withholdingRate
            if rate.isNaN || rate < 0 || rate > 1 {
                errors.add("positions[\(index)].withholding_rate", "must be a rate from 0 to 1, e.g. 0.24")
            }
        }
        if !positions.contains(where: { $0.capital > .zero }) {
            errors.add("positions", "need at least one investor with capital above 0")
        }
        guard errors.isEmpty else { throw RuleValidationError(errors: errors) }

        let amounts: [Money]
        do {
            amounts = try Allocation.largestRemainder(total, weights: positions.map(\.capital.cents))
        } catch {
            // Unreachable after the checks above; kept so a change in Allocation cannot crash here.
            throw RuleValidationError(errors: [RuleFieldError(field: "positions", message: error.description)])
        }
        let shares = zip(positions, amounts).map { position, amount in
            let withheld = amount.portion(position.withholdingRate)
            return InvestorShare(
                investorId: position.investorId, distributionAmount: amount, taxWithholding: withheld,
                netDistribution: amount - withheld)
        }
        return InvestorDistribution(
            shares: shares,
            totalAmount: shares.reduce(.zero) { $0 + $1.distributionAmount },
            totalWithholding: shares.reduce(.zero) { $0 + $1.taxWithholding },
            totalNet: shares.reduce(.zero) { $0 + $1.netDistribution }
        )
    }
}
