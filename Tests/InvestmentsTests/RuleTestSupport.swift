import Foundation
import Models

@testable import InvestmentsService

// Literal test values; a typo is a bug in the test, so it stops the run with the bad text.

func usd(_ text: String) -> Money {
    guard let money = Money(text) else { preconditionFailure("not an amount: \(text)") }
    return money
}

func day(_ text: String) -> CalendarDate {
    guard let date = CalendarDate(text) else { preconditionFailure("not a date: \(text)") }
    return date
}

/// Decimals from text: a float literal would pass through a binary Double first.
func dec(_ text: String) -> Decimal {
    guard let value = Decimal(string: text) else { preconditionFailure("not a decimal: \(text)") }
    return value
}

/// A small, seeded generator (SplitMix64) so property-style loops are repeatable.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
