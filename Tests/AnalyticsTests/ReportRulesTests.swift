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

    @Test func sessionsEndAfterThirtyIdleMinutesOrADay() {
        let start = Date(timeIntervalSince1970: 1_795_521_600)
        func at(_ seconds: TimeInterval, _ page: String? = nil) -> Sessionizer.Event {
            Sessionizer.Event(at: start.addingTimeInterval(seconds), pageURL: page, utmSource: nil, referrer: nil)
        }
        // Exactly 30 minutes idle continues; a second more starts anew.
        let idle = Sessionizer.sessions([at(0, "/a"), at(1_800), at(3_601, "/b")])
        #expect(idle.map(\.events) == [2, 1])
        #expect(idle.map(\.entryPage) == ["/a", "/b"])
        #expect(idle[0].endedAt == start.addingTimeInterval(1_800))
        // Busy for more than a day: cut at 24 hours after the first event (exactly 24 h belongs).
        let busy = Sessionizer.sessions(stride(from: 0.0, through: 86_400 + 600, by: 600).map { at($0) })
        #expect(busy.map(\.events) == [145, 1])
        #expect(busy[1].startedAt == start.addingTimeInterval(87_000))
        // Equal timestamps are one session.
        #expect(Sessionizer.sessions([at(5), at(5)]).map(\.events) == [2])
        #expect(Sessionizer.sessions([]).isEmpty)
    }

    @Test func aSessionsSourceIsUTMThenReferrerHostThenDirect() {
        #expect(Sessionizer.source(utmSource: "Newsletter", referrer: "https://google.com") == "newsletter")
        #expect(Sessionizer.source(utmSource: "", referrer: "https://www.Google.com/search?q=oz") == "google.com")
        #expect(Sessionizer.source(utmSource: nil, referrer: "not a url") == "direct")
        #expect(Sessionizer.source(utmSource: nil, referrer: nil) == "direct")
    }
}
