import Models
import Testing

@testable import InvestmentsService

/// Statement periods are whole calendar months, quarters and years.
@Suite struct StatementPeriodTests {
    static func day(_ text: String) -> CalendarDate { CalendarDate(text)! }

    @Test(arguments: [
        ("monthly", "2026-02-01", "2026-02-28", "February 2026"),
        ("monthly", "2024-02-01", "2024-02-29", "February 2024"),
        ("quarterly", "2026-07-01", "2026-09-30", "Q3 2026"),
        ("quarterly", "2026-10-01", "2026-12-31", "Q4 2026"),
        ("annual", "2025-01-01", "2025-12-31", "2025"),
        ("tax", "2025-01-01", "2025-12-31", "2025"),
    ])
    func wholePeriodsAreAccepted(type: String, start: String, end: String, label: String) throws {
        let period = try StatementPeriod.validated(kind: type, start: Self.day(start), end: Self.day(end))
        #expect(period.label == label)
        #expect(period.title == "\(type) statement")
    }

    @Test(arguments: [
        ("monthly", "2026-02-02", "2026-02-28", "period_start"),
        ("monthly", "2026-02-01", "2026-03-31", "period_end"),
        ("quarterly", "2026-08-01", "2026-10-31", "period_start"),
        ("quarterly", "2026-07-01", "2026-08-31", "period_end"),
        ("annual", "2025-01-01", "2025-06-30", "period_end"),
        ("tax", "2025-04-06", "2026-04-05", "period_start"),
        ("weekly", "2026-07-01", "2026-07-07", "type"),
    ])
    func partialPeriodsNameTheField(type: String, start: String, end: String, field: String) {
        #expect {
            try StatementPeriod.validated(kind: type, start: Self.day(start), end: Self.day(end))
        } throws: { error in
            (error as? RuleValidationError)?.errors.map(\.field) == [field]
        }
    }

    @Test func theLastCompletedPeriodEndsBeforeToday() {
        let today = Self.day("2026-11-24")
        #expect(StatementPeriod.lastCompleted(before: today, kind: .monthly).label == "October 2026")
        #expect(StatementPeriod.lastCompleted(before: today, kind: .quarterly).label == "Q3 2026")
        #expect(StatementPeriod.lastCompleted(before: today, kind: .annual).start == Self.day("2025-01-01"))
        #expect(StatementPeriod.lastCompleted(before: Self.day("2026-01-01"), kind: .quarterly).label == "Q4 2025")
    }
}
