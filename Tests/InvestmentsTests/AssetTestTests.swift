import Foundation
import Models
import Testing

@testable import InvestmentsService

@Suite struct AssetTestTests {
    /// (first QOF month, fiscal year end month, year the taxable year ends in, test dates, months per date)
    static let dateCases: [(String, Int, Int, [String], [Int], String)] = [
        // §1400Z-2(d)(1)(A)–(B): a full calendar year tests on June 30 and December 31.
        ("2025-01", 12, 2025, ["2025-06-30", "2025-12-31"], [6, 6], "§1400Z-2(d)(1)"),
        ("2023-03", 12, 2025, ["2025-06-30", "2025-12-31"], [6, 6], "§1400Z-2(d)(1), a later year"),
        // §1.1400Z2(d)-1(a)(2): the regulation's example, first QOF month April → Sept 30 and Dec 31.
        ("2025-04", 12, 2025, ["2025-09-30", "2025-12-31"], [6, 3], "§1.1400Z2(d)-1(a)(2), April"),
        ("2025-06", 12, 2025, ["2025-11-30", "2025-12-31"], [6, 1], "§1.1400Z2(d)-1(a)(2), June"),
        // A first month after June: six QOF months reach the year's end, one test date only.
        ("2025-07", 12, 2025, ["2025-12-31"], [6], "§1.1400Z2(d)-1(a)(2), July"),
        ("2025-08", 12, 2025, ["2025-12-31"], [5], "§1.1400Z2(d)-1(a)(2), August"),
        ("2025-12", 12, 2025, ["2025-12-31"], [1], "§1.1400Z2(d)-1(a)(2), December"),
        // A year ending June 30, 2025 (July 2024 – June 2025).
        ("2020-01", 6, 2025, ["2024-12-31", "2025-06-30"], [6, 6], "§1400Z-2(d)(1), fiscal year"),
        ("2024-10", 6, 2025, ["2025-03-31", "2025-06-30"], [6, 3], "§1.1400Z2(d)-1(a)(2), fiscal year"),
        ("2026-01", 12, 2025, [], [], "not yet a QOF in that year"),
    ]

    @Test(arguments: Self.dateCases)
    func testDates(_ example: (String, Int, Int, [String], [Int], String)) {
        let (first, endMonth, year, dates, months, citation) = example
        let parts = first.split(separator: "-").compactMap { Int($0) }
        let calendar = QOFCalendar(taxYearEndMonth: endMonth, firstQOFMonth: ComplianceMonth(year: parts[0], month: parts[1])!)
        let found = AssetTest.testDates(calendar, taxYearEndingIn: year)
        #expect(found.map(\.date.description) == dates, "\(citation)")
        #expect(found.map(\.months.count) == months, "\(citation)")
    }

    static func input(
        qualifying: String, total: String, cash: String = "0", contributions: [(String, String)] = [], exclude: Bool = true,
        on testDate: String = "2025-12-31"
    ) -> AssetTest.Input {
        AssetTest.Input(
            testDate: day(testDate), method: .cost, qualifying: usd(qualifying), total: usd(total), cashHeld: usd(cash),
            contributions: contributions.map { DatedAmount(on: day($0.0), amount: usd($0.1)) }, excludeRecentCash: exclude
        )
    }

    /// (input, meets, percent, shortfall, excluded, note)
    static let evaluationCases: [(AssetTest.Input, Bool, String?, String, String, String)] = [
        (input(qualifying: "9000000", total: "10000000"), true, "90.00", "0", "0", "§1400Z-2(d)(1): exactly 90% holds"),
        // 89.9999999% shows as 90.00 once rounded but is below 90%: decided on exact cents.
        (input(qualifying: "8999999.99", total: "10000000"), false, "90.00", "0.01", "0", "§1400Z-2(d)(1): a cent short"),
        // §1.1400Z2(d)-1(b)(2)(iii): $2.5M received 2025-08-15 (inside the 6 months ending 2025-12-31)
        // and still in cash is left out: 7,000,000 / 7,500,000 = 93.33%. The May contribution is older.
        (
            input(qualifying: "7000000", total: "10000000", cash: "3000000", contributions: [("2025-08-15", "2500000"), ("2025-05-01", "1000000")]),
            true, "93.33", "0", "2500000", "§1.1400Z2(d)-1(b)(2)(iii): recent cash left out"
        ),
        // The same fund not using the exclusion: 70%, 90% × 10M − 7M = 2M short.
        (
            input(qualifying: "7000000", total: "10000000", cash: "3000000", contributions: [("2025-08-15", "2500000")], exclude: false),
            false, "70.00", "2000000", "0", "without the exclusion"
        ),
        // Only what is still cash can be left out: 1M of the 2.5M. 7M / 9M = 77.78%; 8.1M − 7M short.
        (
            input(qualifying: "7000000", total: "10000000", cash: "1000000", contributions: [("2025-08-15", "2500000")]),
            false, "77.78", "1100000", "1000000", "§1.1400Z2(d)-1(b)(2)(iii): only cash still held"
        ),
        // Received exactly 6 months before (2025-06-30) is outside the period July 1 – December 31.
        (
            input(qualifying: "7000000", total: "10000000", cash: "3000000", contributions: [("2025-06-30", "2500000")]),
            false, "70.00", "2000000", "0", "§1.1400Z2(d)-1(b)(2)(iii): 6 months, not more"
        ),
        // A new fund holding only fresh cash: nothing left to test, no shortfall.
        (
            input(qualifying: "0", total: "5000000", cash: "5000000", contributions: [("2025-11-01", "5000000")]),
            true, nil, "0", "5000000", "all assets excluded"
        ),
    ]

    @Test(arguments: Self.evaluationCases)
    func ninetyPercent(_ example: (AssetTest.Input, Bool, String?, String, String, String)) throws {
        let (input, meets, percent, shortfall, excluded, note) = example
        let result = try AssetTest.evaluate(input)
        #expect(result.meetsNinetyPercent == meets, "\(note): \(result.reason)")
        #expect(result.percent == percent.map(dec), "\(note)")
        #expect(result.shortfall == usd(shortfall), "\(note)")
        #expect(result.excludedCash == usd(excluded), "\(note)")
    }

    @Test func deployingCashBeforeTheTestDateIsAWhatIf() throws {
        let input = Self.input(qualifying: "7000000", total: "10000000", cash: "3000000", exclude: false)
        #expect(try AssetTest.evaluate(input).meetsNinetyPercent == false)
        let deployed = try AssetTest.whatIf(input, deploying: usd("2000000"))
        #expect(deployed.meetsNinetyPercent && deployed.percent == 90 && deployed.shortfall == .zero)
        let partly = try AssetTest.whatIf(input, deploying: usd("1500000"))
        #expect(!partly.meetsNinetyPercent && partly.shortfall == usd("500000"))
        // Deploying excluded cash ends its exclusion: 1M of 2.5M recent cash is left to exclude.
        let recent = Self.input(qualifying: "7000000", total: "10000000", cash: "3000000", contributions: [("2025-08-15", "2500000")])
        let moved = try AssetTest.whatIf(recent, deploying: usd("2000000"))
        #expect(moved.excludedCash == usd("1000000") && moved.percent == dec("100.00"))
        #expect(throws: RuleValidationError.self) { try AssetTest.whatIf(input, deploying: usd("3000000.01")) }
        #expect(throws: RuleValidationError.self) { try AssetTest.whatIf(input, deploying: .zero) }
    }

    @Test func impossibleFiguresAreNamed() {
        let bad = Self.input(qualifying: "11", total: "10", cash: "-1", contributions: [("2026-01-01", "0")])
        let fields = AssetTest.validate(bad).map(\.field)
        #expect(fields == ["cash_held", "qualifying_assets", "contributions[0].amount", "contributions[0].on"])
        #expect(AssetTest.validate(Self.input(qualifying: "0", total: "0")).map(\.field) == ["total_assets"])
        #expect(AssetTest.validate(Self.input(qualifying: "8", total: "10", cash: "3")).map(\.field) == ["cash_held"])
    }

    /// §1400Z-2(d)(1): the year is judged on the average of the test dates, decided exactly.
    @Test func theYearIsJudgedOnTheAverage() throws {
        let first = try AssetTest.evaluate(Self.input(qualifying: "85", total: "100", on: "2025-06-30"))
        let second = try AssetTest.evaluate(Self.input(qualifying: "95", total: "100"))
        #expect(!first.meetsNinetyPercent && second.meetsNinetyPercent)
        #expect(AssetTest.averageMeets([first, second]) && AssetTest.averagePercent([first, second]) == 90)
        let lower = try AssetTest.evaluate(Self.input(qualifying: "94.99", total: "100"))
        #expect(!AssetTest.averageMeets([first, lower]))
        #expect(AssetTest.averagePercent([first, lower]) == dec("90.00"))
    }
}
