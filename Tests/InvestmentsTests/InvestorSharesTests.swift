import Foundation
import Models
import Testing

@testable import InvestmentsService

@Suite struct InvestorSharesTests {
    static let ids = (0..<4).map { UUID(uuidString: "00000000-0000-7000-8000-00000000000\($0)") ?? UUID() }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var total: String
        /// capital, withholding rate → amount, withholding, net
        var lines: [(capital: String, rate: String, amount: String, withholding: String, net: String)]
        var totals: (amount: String, withholding: String, net: String)
        var testDescription: String { self.name }
    }

    static let rows: [Row] = [
        // The 1,360,000 investors' side of the waterfall by capital 50/30/20; 24% of 408,000 is
        // 97,920, 30% of 272,000 is 81,600.
        Row(
            name: "waterfall investors' side", total: "1360000",
            lines: [
                ("500000", "0", "680000", "0", "680000"),
                ("300000", "0.24", "408000", "97920", "310080"),
                ("200000", "0.30", "272000", "81600", "190400"),
            ],
            totals: ("1360000", "179520", "1180480")
        ),
        // 33.34 × 0.24 = 8.0016 → 8.00; 33.33 × 0.24 = 7.9992 → 8.00.
        Row(
            name: "odd cents", total: "100.00",
            lines: [
                ("1000", "0.24", "33.34", "8.00", "25.34"),
                ("1000", "0.24", "33.33", "8.00", "25.33"),
                ("1000", "0.24", "33.33", "8.00", "25.33"),
            ],
            totals: ("100.00", "24.00", "76.00")
        ),
        // 0.05 × 0.30 = 0.015: half a cent goes up.
        Row(
            name: "half a cent withheld rounds up", total: "0.10",
            lines: [("1", "0.30", "0.05", "0.02", "0.03"), ("1", "0", "0.05", "0", "0.05")],
            totals: ("0.10", "0.02", "0.08")
        ),
        Row(
            name: "an investor with no capital gets nothing", total: "500",
            lines: [("0", "0.30", "0", "0", "0"), ("250", "0", "500", "0", "500")],
            totals: ("500", "0", "500")
        ),
        Row(
            name: "nothing to distribute", total: "0",
            lines: [("100", "0.30", "0", "0", "0")],
            totals: ("0", "0", "0")
        ),
    ]

    @Test(arguments: Self.rows)
    func shares(_ row: Row) throws {
        let positions = row.lines.enumerated().map {
            InvestorPosition(
                investorId: Self.ids[$0.offset], capital: usd($0.element.capital), withholdingRate: dec($0.element.rate))
        }
        let distribution = try Waterfall.investorShares(of: usd(row.total), among: positions)
        #expect(
            distribution.shares
                == row.lines.enumerated().map {
                    InvestorShare(
                        investorId: Self.ids[$0.offset], distributionAmount: usd($0.element.amount),
                        taxWithholding: usd($0.element.withholding), netDistribution: usd($0.element.net)
                    )
                }
        )
        #expect(distribution.totalAmount == usd(row.totals.amount))
        #expect(distribution.totalWithholding == usd(row.totals.withholding))
        #expect(distribution.totalNet == usd(row.totals.net))
        #expect(distribution.totalAmount == usd(row.total))
    }

    @Test func theWaterfallsInvestorSideFlowsIn() throws {
        let deal = WaterfallDeal(capital: usd("1000000"), proceeds: usd("1450000"), yearsHeld: 1)
        let waterfall = try Waterfall.wholeFund([deal], terms: WaterfallTests.fullCatchUp)
        let positions = [
            InvestorPosition(investorId: Self.ids[0], capital: usd("333333.33"), withholdingRate: 0),
            InvestorPosition(investorId: Self.ids[1], capital: usd("333333.33"), withholdingRate: dec("0.24")),
            InvestorPosition(investorId: Self.ids[2], capital: usd("333333.34"), withholdingRate: dec("0.30")),
        ]
        let distribution = try Waterfall.investorShares(of: waterfall.toInvestors, among: positions)
        #expect(distribution.totalAmount == usd("1360000"))
        #expect(distribution.totalAmount - distribution.totalWithholding == distribution.totalNet)
    }

    @Test(arguments: [
        ("-1", [("100", "0")], ["total"]),
        ("1", [("100", "1.5")], ["positions[0].withholding_rate"]),
        ("1", [("100", "-0.1"), ("-5", "0")], ["positions[0].withholding_rate", "positions[1].capital"]),
        ("1", [("0", "0")], ["positions"]),
        ("1", [], ["positions"]),
    ])
    func refuses(total: String, lines: [(String, String)], fields: [String]) {
        let positions = lines.map { InvestorPosition(investorId: Self.ids[0], capital: usd($0.0), withholdingRate: dec($0.1)) }
        do {
            _ = try Waterfall.investorShares(of: usd(total), among: positions)
            Issue.record("accepted \(lines)")
        } catch {
            #expect(error.errors.map(\.field) == fields)
        }
    }
}
