import Foundation
import Models
import Testing

@testable import InvestmentsService

/// One property, its spend and what the tracker must say, built from the regulation's text.
struct ImprovementCase: Sendable, CustomTestStringConvertible {
    var name: String
    /// The paragraph the case is built from.
    var citation: String
    var acquired = "2024-01-15"
    var building = "600000"
    var land = "400000"
    var originalUse: OriginalUseReason? = nil
    var spend: [(String, String)] = []
    var schedule: [(String, String)] = []
    var asOf: String

    var status: ImprovementStatus
    var spent = "0.00"
    var projected: String? = nil
    var percent: String? = nil
    var daysLeft: Int? = nil
    var metOn: String? = nil

    var testDescription: String { self.name }

    var input: SubstantialImprovementInput {
        SubstantialImprovementInput(
            acquiredOn: day(self.acquired), buildingBasis: usd(self.building), landBasis: usd(self.land), originalUse: self.originalUse,
            spend: self.spend.map { DatedAmount(on: day($0.0), amount: usd($0.1)) },
            schedule: self.schedule.map { DatedAmount(on: day($0.0), amount: usd($0.1)) }, asOf: day(self.asOf)
        )
    }
}

@Suite struct SubstantialImprovementTests {
    // The worked example: bought 2024-01-15 for $1,000,000, $600,000 of it the building.
    // §1.1400Z2(d)-2(b)(4)(i): additions to the building's basis within 30 months after acquisition
    // must EXCEED its $600,000 adjusted basis at the window's start; the $400,000 of land is not
    // part of the requirement. Window: 2024-01-16 through 2026-07-15.
    static let cases: [ImprovementCase] = [
        ImprovementCase(
            name: "exactly the building's basis is not more than it: failed", citation: "§1.1400Z2(d)-2(b)(4)(i)",
            spend: [("2024-06-01", "350000"), ("2026-07-15", "250000")], asOf: "2026-08-01",
            status: .failed, spent: "600000.00", projected: "600000.00", percent: "100.00", daysLeft: 0
        ),
        ImprovementCase(
            name: "one cent more than the building's basis: met", citation: "§1.1400Z2(d)-2(b)(4)(i)",
            spend: [("2024-06-01", "350000"), ("2026-07-15", "250000.01")], asOf: "2026-08-01",
            status: .met, spent: "600000.01", projected: "600000.01", percent: "100.00", daysLeft: 0, metOn: "2026-07-15"
        ),
        ImprovementCase(
            name: "met before the window ends", citation: "§1.1400Z2(d)-2(b)(4)(i)",
            spend: [("2024-06-01", "350000"), ("2025-03-01", "250000.01")], asOf: "2025-06-01",
            status: .met, spent: "600000.01", projected: "600000.01", percent: "100.00", daysLeft: 409, metOn: "2025-03-01"
        ),
        ImprovementCase(
            name: "not yet met, the schedule gets there inside the window: on track", citation: "§1.1400Z2(d)-2(b)(4)(i)",
            spend: [("2024-06-01", "350000")], schedule: [("2026-03-01", "300000")], asOf: "2024-06-01",
            status: .onTrack, spent: "350000.00", projected: "650000.00", percent: "58.33", daysLeft: 774, metOn: "2026-03-01"
        ),
        ImprovementCase(
            name: "a draw after the window does not count: at risk", citation: "§1.1400Z2(d)-2(b)(4)(i) (within 30 months)",
            spend: [("2024-06-01", "350000")], schedule: [("2026-03-01", "200000"), ("2026-07-16", "100000")],
            asOf: "2025-06-01",
            status: .atRisk, spent: "350000.00", projected: "550000.00", percent: "58.33", daysLeft: 409
        ),
        ImprovementCase(
            name: "spend on the acquisition day is part of the purchase, not the window",
            citation: "§1.1400Z2(d)-2(b)(4)(i) (period beginning after the date of acquisition)",
            spend: [("2024-01-15", "600000.01")], asOf: "2024-02-01",
            status: .atRisk, spent: "0.00", projected: "0.00", percent: "0.00", daysLeft: 895
        ),
        ImprovementCase(
            name: "spend recorded with a future date is planned, not spent", citation: "§1.1400Z2(d)-2(b)(4)(i)",
            spend: [("2024-06-01", "100000"), ("2025-01-10", "500000.01")], asOf: "2024-12-31",
            status: .onTrack, spent: "100000.00", projected: "600000.01", percent: "16.67", daysLeft: 561, metOn: "2025-01-10"
        ),
        // 2023-08-31 + 30 months is February 2026, which has no 31st: the window ends 2026-02-28.
        ImprovementCase(
            name: "a window ending in a short month closes on its last day", citation: "§1.1400Z2(d)-2(b)(4)(i)",
            acquired: "2023-08-31", spend: [("2026-02-28", "600000.01")], asOf: "2026-03-01",
            status: .met, spent: "600000.01", projected: "600000.01", percent: "100.00", daysLeft: 0, metOn: "2026-02-28"
        ),
        // A running total revised down arrives as a negative step: 700,000 reported, then corrected to 550,000.
        ImprovementCase(
            name: "a correction downwards takes the spend back under", citation: "§1.1400Z2(d)-2(b)(4)(i)",
            spend: [("2025-01-10", "700000"), ("2025-02-10", "-150000")], asOf: "2025-06-01",
            status: .atRisk, spent: "550000.00", projected: "550000.00", percent: "91.67", daysLeft: 409
        ),
        ImprovementCase(
            name: "land only: no improvement test", citation: "§1.1400Z2(d)-2(b)(4)(iv)",
            building: "0", land: "1000000", asOf: "2025-01-01", status: .notRequired
        ),
        ImprovementCase(
            name: "new construction: the fund is the original user", citation: "§1.1400Z2(d)-2(b)(3)",
            originalUse: .newConstruction, asOf: "2025-01-01", status: .notRequired
        ),
        ImprovementCase(
            name: "long-vacant building: the fund is the original user", citation: "§1.1400Z2(d)-2(b)(3)",
            originalUse: .vacant, asOf: "2025-01-01", status: .notRequired
        ),
    ]

    @Test(arguments: Self.cases) func tracker(_ example: ImprovementCase) throws {
        let result = try SubstantialImprovement.evaluate(example.input)
        #expect(result.status == example.status, "\(example.citation): \(result.reason)")
        #expect(result.spentInWindow == usd(example.spent), "\(example.citation)")
        if example.status == .notRequired {
            #expect(result.required == .zero && result.windowEnd == nil && result.daysLeft == nil)
            #expect(result.citation.contains(example.citation), "\(result.citation)")
            return
        }
        #expect(result.required == usd(example.building), "the land is left out")
        #expect(result.projectedByWindowEnd == usd(example.projected ?? example.spent))
        #expect(result.percent == example.percent.map(dec))
        #expect(result.daysLeft == example.daysLeft)
        #expect(result.projectedMetOn == example.metOn.map(day))
    }

    /// §1.1400Z2(d)-2(b)(4)(i): the 30 months begin after the acquisition day.
    @Test func theWindowRunsThirtyMonthsFromTheDayAfterAcquisition() {
        let window = SubstantialImprovement.window(acquiredOn: day("2024-01-15"))
        #expect(window.start == day("2024-01-16") && window.end == day("2026-07-15"))
        let leap = SubstantialImprovement.window(acquiredOn: day("2021-08-29"))
        #expect(leap.end == day("2024-02-29"))
    }

    @Test func everyBadAmountIsNamed() {
        var input = ImprovementCase(name: "", citation: "", building: "-1", land: "-1", asOf: "2025-01-01", status: .atRisk).input
        input.spend = [DatedAmount(on: day("2024-03-01"), amount: .zero)]
        input.schedule = [DatedAmount(on: day("2024-03-01"), amount: usd("-5"))]
        #expect(throws: RuleValidationError.self) { try SubstantialImprovement.evaluate(input) }
        let fields = Set(SubstantialImprovement.validate(input).map(\.field))
        #expect(fields == ["building_basis", "land_basis", "spend[0].amount", "schedule[0].amount"])
        input = ImprovementCase(name: "", citation: "", asOf: "2025-01-01", status: .atRisk).input
        input.spend = [DatedAmount(on: day("2024-03-01"), amount: Money.maximum), DatedAmount(on: day("2024-03-02"), amount: Money.maximum)]
        #expect(SubstantialImprovement.validate(input).map(\.field) == ["spend"])
    }

    /// §1.1400Z2(d)-2(b)(3), vacant property: vacant for a year before the zone's designation and
    /// until purchase, or for three years before purchase. 2018 zones were designated from 2018-04-09.
    @Test(arguments: [
        ("2016-01-01", "2020-05-01", true),  // vacant 2+ years before designation, still at purchase
        ("2017-04-09", "2018-06-01", true),  // exactly one year before designation
        ("2017-04-10", "2019-06-01", false),  // a day short of a year before designation, 2 years before purchase
        ("2017-06-01", "2020-06-01", true),  // three years before purchase
        ("2021-01-01", "2020-06-01", false),  // vacancy after the purchase proves nothing
    ])
    func vacancy(_ example: (String, String, Bool)) {
        let (since, acquired, original) = example
        #expect(
            VacancyRule.isOriginalUse(vacantSince: day(since), designatedOn: OZDesignationRound.tcja2018.startsOn, acquiredOn: day(acquired))
                == original
        )
    }
}
