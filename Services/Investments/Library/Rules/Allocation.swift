import Models

/// Shares of an amount in proportion to weights (each investor's funded capital in cents, say), by
/// the largest-remainder method: everyone gets the floor of their exact share, and the cents left
/// over go one each to the largest fractional remainders. The parts always sum to the total exactly.
enum Allocation {
    enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case negativeTotal
        case negativeWeight(index: Int)
        /// No weights, or all of them zero: there is no proportion to share by.
        case noWeight

        var description: String {
            switch self {
            case .negativeTotal: "the amount to allocate must be 0 or more"
            case .negativeWeight(let index): "weight \(index) is negative; weights must be 0 or more"
            case .noWeight: "at least one weight must be more than 0"
            }
        }
    }

    /// `total` shared by `weights`, one part per weight, in the same order. Exact in 128-bit
    /// integers (`total × weight` and the sum of weights can pass `Int64`). A leftover cent goes to
    /// the larger remainder; equal remainders go to the larger weight, then to the earlier party, so
    /// the same inputs always give the same parts. O(n log n).
    static func largestRemainder(_ total: Money, weights: [Int64]) throws(Failure) -> [Money] {
        guard total >= .zero else { throw .negativeTotal }
        if let index = weights.firstIndex(where: { $0 < 0 }) { throw .negativeWeight(index: index) }
        let weightSum = weights.reduce(UInt128(0)) { $0 + UInt128($1) }
        guard weightSum > 0 else { throw .noWeight }

        let totalCents = UInt128(total.cents)
        var parts = [Int64](repeating: 0, count: weights.count)
        var remainders = [UInt128](repeating: 0, count: weights.count)
        var allocated: UInt128 = 0
        for (index, weight) in weights.enumerated() {
            let (share, remainder) = (totalCents * UInt128(weight)).quotientAndRemainder(dividingBy: weightSum)
            // share ≤ total, so it fits Int64.
            parts[index] = Int64(share)
            remainders[index] = remainder
            allocated += share
        }
        // Each floor loses less than a cent, so fewer cents than parties are left.
        let leftover = Int(totalCents - allocated)
        if leftover > 0 {
            let order = weights.indices.sorted { a, b in
                if remainders[a] != remainders[b] { return remainders[a] > remainders[b] }
                if weights[a] != weights[b] { return weights[a] > weights[b] }
                return a < b
            }
            for index in order.prefix(leftover) { parts[index] += 1 }
        }
        return parts.map { Money(cents: $0) }
    }
}
