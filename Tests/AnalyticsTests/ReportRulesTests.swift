import Foundation
import Testing

@testable import AnalyticsService

/// The reports' pure parts: calendar arithmetic, CSV fields, funnel arithmetic.
@Suite struct ReportRulesTests {
    @Test func daysWeeksAndMonthsAreUTCAndStartOnMonday() {
        let day = ReportDays.dayNumber(named: "2026-11-24")!
        #expect(ReportDays.name(dayNumber: day) == "2026-11-24")
        #expect(ReportDays.name(dayNumber: ReportDays.periodStart(day, .week)) == "2026-11-23")
        #expect(ReportDays.name(dayNumber: ReportDays.periodStart(ReportDays.dayNumber(named: "2026-11-23")!, .week)) == "2026-11-23")
        #expect(ReportDays.name(dayNumber: ReportDays.periodStart(ReportDays.dayNumber(named: "2026-11-22")!, .week)) == "2026-11-16")
        #expect(ReportDays.name(dayNumber: ReportDays.periodStart(day, .month)) == "2026-11-01")
        #expect(ReportDays.name(dayNumber: ReportDays.periodStart(after: ReportDays.periodStart(day, .month), 2, .month)) == "2027-01-01")
        #expect(ReportDays.dayNumber(named: "2026-02-29") == nil)
        #expect(ReportDays.dayNumber(named: "2028-02-29") != nil)
        #expect(ReportDays.dayNumber(named: "26-11-24") == nil)
        #expect(ReportDays.name(Date(timeIntervalSince1970: 1_795_564_799)) == "2026-11-24")  // 23:59:59Z
    }

    @Test func csvFieldsAreQuotedAndFormulaSafe() {
        #expect(ReportCSV.field(.text("plain")) == "plain")
        #expect(ReportCSV.field(.text("a,b")) == "\"a,b\"")
        #expect(ReportCSV.field(.text("line\nbreak")) == "\"line\nbreak\"")
        #expect(ReportCSV.field(.text("say \"hi\"")) == "\"say \"\"hi\"\"\"")
        #expect(ReportCSV.field(.text("=1+1")) == "'=1+1")
        #expect(ReportCSV.field(.text("+1")) == "'+1")
        #expect(ReportCSV.field(.text("-1")) == "'-1")
        #expect(ReportCSV.field(.text("@SUM(A1)")) == "'@SUM(A1)")
        #expect(ReportCSV.field(.text("\tx")) == "'\tx")
        #expect(ReportCSV.field(.text(nil)) == "")
        #expect(ReportCSV.field(.number(-3)) == "-3")
        #expect(ReportCSV.field(.rate(0.71428)) == "0.7143")
        #expect(ReportCSV.field(.rate(nil)) == "")
    }

    @Test func funnelMathHandlesEmptySteps() {
        let steps = FunnelMath.steps(names: ["a", "b", "c"], actors: [0, 0, 0])
        #expect(steps.map(\.conversionFromPrevious) == [1, 0, 0])
        #expect(steps.map(\.dropOff) == [0, 0, 0])
        let some = FunnelMath.steps(names: ["a", "b", "c"], actors: [3, 2, 0])
        #expect(some.map(\.conversionFromFirst) == [1, 0.6667, 0])
        #expect(some.map(\.dropOff) == [0, 1, 2])
    }

    @Test func eventNamesAreClientNamesOrDomainTypes() {
        #expect(EventNameRules.isEventName("listing_viewed"))
        #expect(EventNameRules.isEventName("investment.funded"))
        #expect(EventNameRules.isEventName("tax_calculator.used"))
        #expect(!EventNameRules.isEventName("Listing"))
        #expect(!EventNameRules.isEventName("a b"))
        #expect(!EventNameRules.isEventName("x."))
        #expect(!EventNameRules.isEventName(""))
    }
}
