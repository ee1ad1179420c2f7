import Foundation
import Models

/// What one position owns and is worth (issue 22; seed 001 `property_investments`:
/// `ownership_percentage`, `realized_gains`, `unrealized_gains`). Pure.
///
/// - An offering is one property's equity. A **funded** position owns its capital's share of all
///   the capital funded into the offering; a commitment owns nothing until it is funded, and an
///   exited position owns nothing any more.
/// - The equity is worth the property's latest valuation less the offering's debt against it
///   (never below zero: investors' losses stop at their equity), and a position is worth its share
///   of that, rounded half-up to the cent.
/// - Gains are changes in the value of capital; distributions are income and are reported beside
///   them, not in them. Unrealized: value less capital, for a funded position once a valuation
///   exists. Realized: exit proceeds less capital, once a position has exited.
enum PositionValue {
    /// What the figures rest on: the property's valuation and the offering's debt.
    struct Valuation: Sendable, Equatable {
        var amount: Money
        var propertyDebt: Money

        /// Equity value: the valuation less the debt, at least zero.
        var equity: Money { max(.zero, self.amount - self.propertyDebt) }
    }

    struct Result: Sendable, Equatable {
        /// The position's share of the offering's funded capital, 0–1; nil unless funded.
        var ownershipShare: Decimal?
        /// What the position is worth: its share of the equity, its capital without a valuation,
        /// nothing once exited or while only committed.
        var currentValue: Money
        var unrealizedGain: Money?
        var realizedGain: Money
    }

    /// - Parameters:
    ///   - status: `committed`, `funded` or `exited`.
    ///   - capital: the position's amount.
    ///   - offeringFunded: the capital of every funded position in the offering, this one included.
    static func of(
        status: String, capital: Money, offeringFunded: Money, exitProceeds: Money?, valuation: Valuation?
    ) -> Result {
        switch status {
        case "funded":
            guard offeringFunded > .zero else { return Result(ownershipShare: nil, currentValue: capital, unrealizedGain: nil, realizedGain: .zero) }
            let share = Decimal(capital.cents) / Decimal(offeringFunded.cents)
            guard let valuation, let value = valuation.equity.prorated(capital, of: offeringFunded) else {
                return Result(ownershipShare: share, currentValue: capital, unrealizedGain: nil, realizedGain: .zero)
            }
            return Result(ownershipShare: share, currentValue: value, unrealizedGain: value - capital, realizedGain: .zero)
        case "exited":
            return Result(
                ownershipShare: 0, currentValue: .zero, unrealizedGain: nil, realizedGain: (exitProceeds ?? .zero) - capital
            )
        default:
            return Result(ownershipShare: nil, currentValue: .zero, unrealizedGain: nil, realizedGain: .zero)
        }
    }

    /// The share as a percentage to four places, as the product shows it (12.5% → 12.5000).
    static func percentage(_ share: Decimal) -> Decimal { (share * 100).roundedHalfUp(places: 4) }
}
