import Foundation
import Models

/// Where money meets a rate. The product is taken in `Decimal` (exact for every amount
/// `numeric(15,2)` holds times any rate of up to ~20 digits) and rounded once, to the cent.
extension Money {
    /// `cents` rounded half-up (a half cent goes away from zero: 0.5 → 1, −0.5 → −1, the
    /// accountant's convention); nil when the result does not fit `numeric(15,2)`.
    init?(roundingHalfUp cents: Decimal) {
        var exact = cents
        var rounded = Decimal()
        NSDecimalRound(&rounded, &exact, 0, .plain)
        // Decimal prints whole numbers as plain digits; a value beyond Int64 fails to parse.
        guard let whole = Int64(rounded.description), whole.magnitude <= Money.maximum.cents.magnitude else {
            return nil
        }
        self.init(cents: whole)
    }

    /// The exact product in cents, before any rounding.
    func cents(times factor: Decimal) -> Decimal { Decimal(self.cents) * factor }

    /// `self × factor`, rounded half-up to the cent; nil beyond `numeric(15,2)`.
    func multiplied(by factor: Decimal) -> Money? { Money(roundingHalfUp: self.cents(times: factor)) }
}

extension Decimal {
    /// Rounded half-up (away from zero) to `places` decimals: how ratios are reported.
    func roundedHalfUp(places: Int) -> Decimal {
        var exact = self
        var rounded = Decimal()
        NSDecimalRound(&rounded, &exact, places, .plain)
        return rounded
    }
}

extension Money {
    /// `self × part ÷ whole`, exact in 128 bits and rounded half-up (away from zero); nil when
    /// `whole` is not positive or the result does not fit `numeric(15,2)`. How a value for a whole is
    /// shared down to a part of it.
    func prorated(_ part: Money, of whole: Money) -> Money? {
        guard whole > .zero else { return nil }
        let numerator = Int128(self.cents) * Int128(part.cents)
        let denominator = Int128(whole.cents)
        let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
        let roundedAway = remainder.magnitude * 2 >= denominator.magnitude
        let result = quotient + (roundedAway ? (numerator < 0 ? -1 : 1) : 0)
        guard result.magnitude <= UInt128(Money.maximum.cents) else { return nil }
        return Money(cents: Int64(result))
    }
}

extension Money {
    /// `self × rate` for a rate from 0 to 1, rounded half-up. A part is never larger than the whole,
    /// so unlike `multiplied(by:)` this cannot leave the range; rates outside 0...1 are clamped.
    func portion(_ rate: Decimal) -> Money {
        let clamped = min(max(rate, 0), 1)
        var exact = Decimal(self.cents) * clamped
        var rounded = Decimal()
        NSDecimalRound(&rounded, &exact, 0, .plain)
        // |rounded| ≤ |cents|, which Int64 holds.
        return Money(cents: Int64(rounded.description) ?? self.cents)
    }
}
