import Foundation
import Models
import Testing

@testable import InvestmentsService

@Suite struct AllocationTests {
    @Test(arguments: [
        ("100.00", [1, 1, 1] as [Int64], ["33.34", "33.33", "33.33"]),
        ("0.02", [1, 1, 1], ["0.01", "0.01", "0.00"]),
        ("1.00", [3, 1], ["0.75", "0.25"]),
        // Shares 1/3 and 2/3 of a cent: the larger remainder gets it.
        ("0.01", [1, 2], ["0.00", "0.01"]),
        // Shares 0.5 and 1.5 cents, equal remainders: the larger weight gets the cent, not the first.
        ("0.02", [1, 3], ["0.00", "0.02"]),
        ("1.00", [0, 1, 1], ["0.00", "0.50", "0.50"]),
        ("0.01", [0, 1], ["0.00", "0.01"]),
        ("0.00", [5, 7], ["0.00", "0.00"]),
        ("1000000.00", [50_000_000, 30_000_000, 20_000_000], ["500000.00", "300000.00", "200000.00"]),
    ])
    func largestRemainder(total: String, weights: [Int64], expected: [String]) throws {
        #expect(try Allocation.largestRemainder(usd(total), weights: weights) == expected.map(usd))
    }

    @Test(arguments: [
        ("-0.01", [1] as [Int64], Allocation.Failure.negativeTotal),
        ("1.00", [0, 0], .noWeight),
        ("1.00", [], .noWeight),
        ("1.00", [1, -1], .negativeWeight(index: 1)),
    ])
    func refuses(total: String, weights: [Int64], failure: Allocation.Failure) {
        #expect(throws: failure) { try Allocation.largestRemainder(usd(total), weights: weights) }
    }

    /// total × weight is near 10³⁴ here, and the weights sum past Int64.max. Exact shares are
    /// …999.625, …999.625 and …999.75 cents: two cents are left, the first to the largest remainder,
    /// the second to the earlier of the two equal remainders with equal weights.
    @Test func largeValuesNeedNoFloatingPointAndDoNotOverflow() throws {
        let weights: [Int64] = [.max / 2, .max / 2, .max / 3]
        let parts = try Allocation.largestRemainder(Money.maximum, weights: weights)
        #expect(parts.map(\.cents) == [375_000_000_000_000, 374_999_999_999_999, 250_000_000_000_000])
    }

    @Test func partsAlwaysSumToTheTotalAndStayWithinACentOfTheExactShare() throws {
        var random = SeededGenerator(state: 2026)
        for _ in 0..<500 {
            let count = Int.random(in: 1...40, using: &random)
            var weights = (0..<count).map { _ in Int64.random(in: 0...1_000_000_000_000, using: &random) }
            if weights.allSatisfy({ $0 == 0 }) { weights[0] = 1 }
            let total = Money(cents: Int64.random(in: 0...Money.maximum.cents, using: &random))
            let parts = try Allocation.largestRemainder(total, weights: weights)
            #expect(parts.reduce(.zero, +) == total)
            let weightSum = weights.reduce(UInt128(0)) { $0 + UInt128($1) }
            for (part, weight) in zip(parts, weights) {
                let floor = UInt128(total.cents) * UInt128(weight) / weightSum
                #expect(UInt128(part.cents) == floor || UInt128(part.cents) == floor + 1)
            }
            #expect(try Allocation.largestRemainder(total, weights: weights) == parts)
        }
    }

    @Test func tenThousandParties() throws {
        let weights = (1...10_000).map { Int64($0) * 100 }
        let parts = try Allocation.largestRemainder(usd("1000000.00"), weights: weights)
        #expect(parts.count == 10_000)
        #expect(parts.reduce(.zero, +) == usd("1000000.00"))
        // Party i's exact share is i × 10⁸ ÷ 50,005,000 cents; the last is 19,998.00… → 199.98.
        #expect(parts[9_999] == usd("199.98"))

        let equal = try Allocation.largestRemainder(usd("100.01"), weights: Array(repeating: 1, count: 10_000))
        #expect(equal[0] == usd("0.02"))
        #expect(equal.dropFirst().allSatisfy { $0 == usd("0.01") })
    }
}
