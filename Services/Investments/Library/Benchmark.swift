import Foundation
import Models
import ServiceKit

/// `make bench` (Benchmarks/InvestmentsBench): the money rules timed on realistic sizes — one
/// distribution allocated across 10,000 investors, pro rata and through a waterfall, and a
/// portfolio of 200 positions summarised with its XIRR. Each is reported beside a baseline measured
/// in the same run (ordering the 10,000 capitals and formatting each: the least a largest-remainder
/// allocation must do), because the
/// machine is shared and noisy. Public only so the benchmark executable can call it.
public enum InvestmentsBenchmark {
    public static func report(repetitions: Int = 20) throws -> String {
        var generator = SplitMix64(seed: 2026)
        let holdings = (0..<10_000).map { index in
            DistributionStore.Holding(
                investmentId: UUID(), investorId: UUID(),
                capital: Money(cents: Int64(2_500_000 + generator.next() % 50_000_000)),
                fundingDate: CalendarDate(year: 2024, month: 1, day: 1)!.adding(days: index % 365)
            )
        }
        let proRata = DistributionController.NewDistribution(
            offeringId: UUID(), distributionType: "sale_proceeds", distributionDate: CalendarDate(year: 2026, month: 6, day: 30)!,
            totalAmount: Money(cents: 123_456_789_01), calculationMethod: "pro_rata", waterfall: nil,
            withholdingRates: Dictionary(
                uniqueKeysWithValues: holdings.prefix(500).map { ($0.investorId.uuidString.lowercased(), Decimal(string: "0.24")!) }),
            notes: nil
        )
        var waterfall = proRata
        waterfall.calculationMethod = "waterfall"
        waterfall.waterfall = WaterfallTerms(
            preferredReturnRate: Decimal(string: "0.08")!, catchUpRate: 1, carriedInterestRate: Decimal(string: "0.2")!)

        let positions = (0..<200).map { index in
            PortfolioPosition(
                investmentId: UUID(), offeringId: UUID(), propertyId: UUID(), propertyName: "Property \(index)",
                city: ["Prattville", "Mobile", "Austin", "Tulsa"][index % 4], state: ["AL", "AL", "TX", "OK"][index % 4],
                propertyType: ["multi_family", "mixed_use"][index % 2], propertyClass: ["A", "B", "C"][index % 3],
                status: "funded", amount: Money(cents: 5_000_000), fundingDate: CalendarDate(year: 2022, month: 1, day: 1)!.adding(days: index * 3),
                totalDistributions: Money(cents: 400_000), exitProceeds: nil, ownershipPercentage: nil, currentValue: Money(cents: 5_000_000),
                unrealizedGain: nil, realizedGain: .zero, valuation: nil
            )
        }
        var flows: [DatedCashFlow] = []
        for (index, position) in positions.enumerated() {
            flows.append(DatedCashFlow(date: position.fundingDate!, amount: .zero - position.amount))
            flows.append(DatedCashFlow(date: position.fundingDate!.adding(days: 180 + index), amount: position.totalDistributions))
        }
        let asOf = CalendarDate(year: 2026, month: 11, day: 24)!

        // The least a largest-remainder allocation must do: order the book and write one amount a
        // line. Its result is kept (`sink`) so the optimiser cannot drop the work.
        var sink = 0
        let baseline = Self.median(repetitions) {
            sink &+= holdings.sorted { $0.capital > $1.capital }.map(\.capital.description).count
        }
        let proRataTime = try Self.median(repetitions) { _ = try DistributionStore.allocate(proRata, holdings: holdings) }
        let waterfallTime = try Self.median(repetitions) { _ = try DistributionStore.allocate(waterfall, holdings: holdings) }
        let portfolioTime = Self.median(repetitions) { _ = Portfolio.summarise(positions: positions, cashFlows: flows, asOf: asOf) }
        func line(_ name: String, _ seconds: Double, target: Double) -> String {
            String(format: "%-44@ %9.3f ms  %8.1f × baseline  (aim: under %.0f ms)", name as NSString, seconds * 1000, seconds / baseline, target)
        }
        return [
            String(format: "%-44@ %9.3f ms  (%d lines)", "baseline: sort 10,000 capitals, format each" as NSString, baseline * 1000, sink),
            line("pro rata over 10,000 investors (500 withheld)", proRataTime, target: 100),
            line("waterfall over 10,000 investors", waterfallTime, target: 100),
            line("portfolio of 200 positions with XIRR", portfolioTime, target: 10),
        ].joined(separator: "\n")
    }

    static func median(_ repetitions: Int, _ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<max(1, repetitions) {
            let start = ContinuousClock.now
            try body()
            let elapsed = ContinuousClock.now - start
            times.append(elapsed.inSeconds)
        }
        return times.sorted()[times.count / 2]
    }
}

/// A small deterministic generator, so each run allocates the same book.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
