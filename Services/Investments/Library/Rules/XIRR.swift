import Foundation
import Models

/// One dated cash flow, signed from the investor's side as the ledger records it (migration 0001
/// `investments.transactions`): money put in is negative, money paid out positive.
struct DatedCashFlow: Codable, Sendable, Equatable {
    var date: CalendarDate
    var amount: Money
}

/// Why there is no XIRR to report.
enum XIRRError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooFewCashFlows
    /// Every flow is in, or every flow is out (or zero): no rate makes their value zero.
    case noSignChange
    /// No rate above −100% found within the search; the flows may have no real solution.
    case noSolution

    var description: String {
        switch self {
        case .tooFewCashFlows: "XIRR needs at least two cash flows"
        case .noSignChange: "XIRR needs at least one negative (invested) and one positive (returned) cash flow"
        case .noSolution: "no rate above -100% makes these cash flows' present value zero"
        }
    }
}

/// How an investment has done: the annualised internal rate of return on dated flows, and the
/// equity multiple. Rates are `Double` — they are not money and never turn back into amounts.
enum InvestmentReturns {
    /// The rate r with Σ amountᵢ ÷ (1 + r)^((dateᵢ − date₀) ÷ 365) = 0, as Excel's XIRR defines it:
    /// actual days over 365, date₀ the first flow's date (the root does not depend on which date is
    /// date₀, so flows may come in any order). Newton–Raphson from `guess`, as Excel does; if that
    /// fails to settle, the rate is bracketed on a grid from −99.9999% up and bisected, so any
    /// sign change in (−1, 10⁶] is found. Accurate to about 1e-12.
    static func xirr(_ flows: [DatedCashFlow], guess: Double = 0.1) throws(XIRRError) -> Double {
        guard flows.count >= 2 else { throw .tooFewCashFlows }
        guard flows.contains(where: { $0.amount < .zero }), flows.contains(where: { $0.amount > .zero }) else {
            throw .noSignChange
        }
        let start = flows[0].date
        let terms = flows.map { (years: Double(start.days(until: $0.date)) / 365, amount: Double($0.amount.cents) / 100) }

        func presentValue(_ rate: Double) -> Double {
            terms.reduce(0) { $0 + $1.amount * pow(1 + rate, -$1.years) }
        }
        func slope(_ rate: Double) -> Double {
            terms.reduce(0) { $0 - $1.years * $1.amount * pow(1 + rate, -$1.years - 1) }
        }

        if let rate = Self.newton(from: guess, presentValue: presentValue, slope: slope) { return rate }
        if let rate = Self.bisection(presentValue: presentValue) { return rate }
        throw .noSolution
    }

    private static func newton(from guess: Double, presentValue: (Double) -> Double, slope: (Double) -> Double) -> Double? {
        var rate = guess
        for _ in 0..<100 {
            let value = presentValue(rate)
            let derivative = slope(rate)
            guard value.isFinite, derivative.isFinite, derivative != 0 else { return nil }
            let next = rate - value / derivative
            guard next.isFinite, next > -1 else { return nil }
            if abs(next - rate) <= 1e-12 * max(1, abs(next)) { return next }
            rate = next
        }
        return nil
    }

    private static func bisection(presentValue: (Double) -> Double) -> Double? {
        let grid: [Double] = [
            -0.999999, -0.99999, -0.9999, -0.999, -0.99, -0.95, -0.9, -0.75, -0.5, -0.25, 0, 0.1, 0.25, 0.5, 1, 2, 5,
            10, 100, 1_000, 10_000, 100_000, 1_000_000,
        ]
        let samples = grid.map { (rate: $0, value: presentValue($0)) }.filter(\.value.isFinite)
        guard let bracket = zip(samples, samples.dropFirst()).first(where: { ($0.value < 0) != ($1.value < 0) || $0.value == 0 })
        else { return nil }
        var (low, high) = (bracket.0, bracket.1)
        if low.value == 0 { return low.rate }
        for _ in 0..<200 where high.rate - low.rate > 1e-13 * max(1, abs(low.rate)) {
            let middle = (low.rate + high.rate) / 2
            let value = presentValue(middle)
            if value == 0 { return middle }
            if (value < 0) == (low.value < 0) { low = (middle, value) } else { high = (middle, value) }
        }
        return (low.rate + high.rate) / 2
    }

    /// (distributions received + current value) ÷ capital invested, rounded half-up to 6 places;
    /// nil when nothing was invested.
    static func equityMultiple(totalDistributions: Money, currentValue: Money, totalInvested: Money) -> Decimal? {
        guard totalInvested > .zero else { return nil }
        let returned = Decimal(totalDistributions.cents) + Decimal(currentValue.cents)
        return (returned / Decimal(totalInvested.cents)).roundedHalfUp(places: 6)
    }
}
