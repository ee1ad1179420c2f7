import Foundation
import Models
import Testing

@testable import InvestmentsService

@Suite struct QOZBusinessTestsTests {
    static func input(
        tangible: (String, String) = ("70", "100"), income: (String, String) = ("50", "100"),
        intangible: (String, String) = ("40", "100"), nqfp: (String, String, String) = ("4.99", "0", "100")
    ) -> QOZBusinessTests.Input {
        QOZBusinessTests.Input(
            qualifyingTangible: usd(tangible.0), totalTangible: usd(tangible.1), activeZoneGrossIncome: usd(income.0),
            totalGrossIncome: usd(income.1), intangibleUsedInZone: usd(intangible.0), totalIntangible: usd(intangible.1),
            nonqualifiedFinancial: usd(nqfp.0), safeHarborWorkingCapital: usd(nqfp.1), totalPropertyBasis: usd(nqfp.2)
        )
    }

    /// (input, rule expected to fail or nil for all passing, note)
    static let cases: [(QOZBusinessTests.Input, String?, String)] = [
        (input(), nil, "every threshold met exactly: 70%, 50%, 40%, and 4.99% < 5%"),
        (input(tangible: ("69.99", "100")), "qozb_tangible_property_70", "§1400Z-2(d)(3)(A)(i): 69.99% is not substantially all"),
        (input(income: ("49.99", "100")), "qozb_gross_income_50", "§1397C(b)(2): under half the gross income"),
        (input(intangible: ("39.99", "100")), "qozb_intangible_use_40", "§1397C(b)(4): not a substantial portion"),
        (input(nqfp: ("5", "0", "100")), "qozb_nonqualified_financial_property_5", "§1397C(b)(8): 5% is not less than 5%"),
        // §1397C(e)(1): $30 of the $35 is working capital under a safe-harbor plan, so 5% counts.
        (input(nqfp: ("35", "30", "100")), "qozb_nonqualified_financial_property_5", "5 of 100 after the working capital"),
        (input(nqfp: ("35", "31", "100")), nil, "4 of 100 after the working capital"),
        (input(income: ("0", "0"), intangible: ("0", "0")), nil, "a business with no income or intangibles yet"),
    ]

    @Test(arguments: Self.cases)
    func qozbTests(_ example: (QOZBusinessTests.Input, String?, String)) throws {
        let (input, failing, note) = example
        let checks = try QOZBusinessTests.evaluate(input)
        #expect(checks.count == 4)
        #expect(checks.filter { !$0.passed }.map(\.rule) == (failing.map { [$0] } ?? []), "\(note): \(checks.map(\.reason))")
        #expect(checks.allSatisfy { $0.citation.contains("§1400Z-2(d)(3)") })
    }

    @Test func theReasonSaysWhy() throws {
        let checks = try QOZBusinessTests.evaluate(Self.input(tangible: ("600000", "1000000")))
        let tangible = try #require(checks.first { $0.rule == "qozb_tangible_property_70" })
        #expect(
            tangible.percent == 60
                && tangible.reason == "$600,000.00 of $1,000,000.00 (60.00%) of tangible property is QOZ business property; below 70%")
    }

    @Test func impossibleFiguresAreNamed() {
        let bad = Self.input(tangible: ("101", "100"), income: ("-1", "100"), nqfp: ("4", "5", "100"))
        #expect(QOZBusinessTests.validate(bad).map(\.field) == ["qualifying_tangible", "active_zone_gross_income", "safe_harbor_working_capital"])
        #expect(throws: RuleValidationError.self) { try QOZBusinessTests.evaluate(bad) }
    }
}

@Suite struct WorkingCapitalSafeHarborTests {
    static func plan(
        received: String = "2025-01-15", ends: String, delay: Int = 0, disaster: Int = 0, first: String? = nil,
        written: Bool = true
    ) -> WorkingCapitalSafeHarbor.Plan {
        .init(
            receivedOn: day(received), amount: usd("5000000"), writtenPlan: written, writtenSchedule: true,
            scheduleEndsOn: day(ends), spentConsistently: true, governmentalDelayDays: delay, disasterExtensionMonths: disaster,
            firstIntegratedPlanReceivedOn: first.map(day)
        )
    }

    /// (plan, deadline, passes, note) — Treas. Reg. §1.1400Z2(d)-1(d), working capital safe harbor.
    static let cases: [(WorkingCapitalSafeHarbor.Plan, String, Bool, String)] = [
        (plan(ends: "2027-08-15"), "2027-08-15", true, "31 months from 2025-01-15"),
        (plan(ends: "2027-08-16"), "2027-08-15", false, "a day past 31 months"),
        (plan(ends: "2027-11-13", delay: 90), "2027-11-13", true, "90 days waiting on a permit do not count"),
        (plan(ends: "2029-08-15", disaster: 24), "2029-08-15", true, "up to 24 more months in a declared disaster area"),
        // A second infusion 2027-06-01 integral to the first plan (2025-01-15): its own 31 months end
        // 2030-01-01, inside 62 months from the first (2030-03-15).
        (plan(received: "2027-06-01", ends: "2030-01-01", first: "2025-01-15"), "2030-01-01", true, "integrated plans"),
        // A third infusion 2028-01-01: its own 31 months (2030-08-01) are cut to 62 months from the first.
        (plan(received: "2028-01-01", ends: "2030-08-01", first: "2025-01-15"), "2030-03-15", false, "the 62-month cap"),
        (plan(ends: "2026-01-01", written: false), "2027-08-15", false, "no written plan"),
    ]

    @Test(arguments: Self.cases)
    func safeHarbor(_ example: (WorkingCapitalSafeHarbor.Plan, String, Bool, String)) throws {
        let (plan, deadline, passes, note) = example
        let result = try WorkingCapitalSafeHarbor.evaluate(plan)
        #expect(result.deadline == day(deadline), "\(note)")
        #expect(result.passed == passes, "\(note): \(result.checks.filter { !$0.passed }.map(\.reason))")
        #expect(
            result.checks.map(\.rule) == [
                "working_capital_written_plan", "working_capital_written_schedule", "working_capital_31_months", "working_capital_used_as_planned",
            ])
    }

    @Test func impossiblePlansAreNamed() {
        var bad = Self.plan(received: "2025-06-01", ends: "2025-01-01", delay: -1, disaster: 25, first: "2026-01-01")
        bad.amount = .zero
        #expect(
            WorkingCapitalSafeHarbor.validate(bad).map(\.field)
                == ["amount", "schedule_ends_on", "governmental_delay_days", "disaster_extension_months", "first_integrated_plan_received_on"]
        )
    }
}
