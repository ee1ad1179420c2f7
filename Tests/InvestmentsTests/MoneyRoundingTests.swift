import Foundation
import Models
import Testing

@testable import InvestmentsService

@Suite struct MoneyRoundingTests {
    @Test(arguments: [
        ("850000.00", "0.238", "202300.00"),
        ("0.05", "0.5", "0.03"),  // 2.5 cents: half goes up
        ("0.05", "0.49", "0.02"),  // 2.45 cents
        ("-0.05", "0.5", "-0.03"),  // away from zero
        ("0.01", "0.1", "0.00"),
        ("9999999999999.99", "1", "9999999999999.99"),
    ])
    func multipliedRoundsHalfUpToTheCent(amount: String, factor: String, expected: String) {
        #expect(usd(amount).multiplied(by: dec(factor)) == usd(expected))
        if (0...1).contains(dec(factor)) { #expect(usd(amount).portion(dec(factor)) == usd(expected)) }
    }

    @Test func multipliedBeyondNumeric15x2IsNil() {
        #expect(Money.maximum.multiplied(by: 2) == nil)
        #expect(Money(roundingHalfUp: dec("1e30")) == nil)
    }

    @Test(arguments: [
        ("70000.00", "500000.00", "1000000.00", "35000.00"),
        ("0.03", "1", "2", "0.02"),  // 1.5 cents
        ("0.01", "1", "3", "0.00"),
        ("9999999999999.99", "9999999999999.98", "9999999999999.99", "9999999999999.98"),  // needs 128 bits
    ])
    func proratedIsExactAndRoundsHalfUp(value: String, part: String, whole: String, expected: String) {
        #expect(usd(value).prorated(usd(part), of: usd(whole)) == usd(expected))
    }

    @Test func proratedOfNothingIsNil() {
        #expect(usd("10").prorated(usd("1"), of: .zero) == nil)
    }
}
