import Foundation
import Testing

@testable import AnalyticsService

/// The pure chart and page code: geometry worked out by hand, escaping, empty and hostile numbers.
@Suite struct DashboardChartsTests {
    @Test func scaleRoundsTheTopUpToANiceStepWithWholeTicks() {
        #expect(ChartScale(values: [0, 37, 12]).ticks == [0, 10, 20, 30, 40])
        #expect(ChartScale(values: [95]).maximum == 100)
        #expect(ChartScale(values: [1234]).ticks == [0, 500, 1000, 1500])
        // Counts are whole: a top of 2 gets ticks at 0, 1, 2, not 0.5 steps.
        #expect(ChartScale(values: [2]).ticks == [0, 1, 2])
        // Nothing (or only zeros, NaN, negatives) still gives an axis that divides safely.
        #expect(ChartScale(values: []).maximum == 1)
        #expect(ChartScale(values: [.nan, -5, 0]).maximum == 1)
        #expect(ChartScale(values: [.infinity]).maximum >= ChartScale.largestValue)
        #expect(ChartScale(values: [4]).fraction(.nan) == 0)
        #expect(ChartScale(values: [4]).fraction(1e300) == 1)
    }

    @Test func lineChartPlacesPointsByIndexAndValue() throws {
        // 960 wide: plot from x 52 to 940 (888), y from 16 to 226 (210) at height 260; scale 0...4.
        let svg = SVGCharts.line(
            id: "signups", title: "Sign-ups", summary: "s",
            points: [ChartBar(label: "Mar 1", value: 0), ChartBar(label: "Mar 2", value: 4), ChartBar(label: "Mar 3", value: 2)],
            emptyMessage: "none")
        #expect(svg.contains(#"<path class="line" d="M52 226 L496 16 L940 121"/>"#))
        #expect(svg.contains(#"<path class="area" d="M52 226 L496 16 L940 121 L940 226 L52 226 Z"/>"#))
        #expect(svg.contains(#"role="img" aria-labelledby="signups-title signups-desc"><title id="signups-title">Sign-ups</title>"#))
        #expect(svg.contains(#"viewBox="0 0 960 260""#))
        #expect(!svg.contains("data-empty"))
    }

    @Test func chartsWithNothingToDrawShowTheirMessage() {
        let charts = [
            SVGCharts.line(id: "a", title: "t", summary: "s", points: [], emptyMessage: "No sign-ups in this period"),
            SVGCharts.line(id: "a", title: "t", summary: "s", points: [ChartBar(label: "x", value: 0)], emptyMessage: "No sign-ups in this period"),
            SVGCharts.columns(id: "a", title: "t", summary: "s", bars: [], legend: nil, emptyMessage: "No sign-ups in this period"),
            SVGCharts.horizontalBars(id: "a", title: "t", summary: "s", bars: [], legend: nil, emptyMessage: "No sign-ups in this period"),
            SVGCharts.funnel(id: "a", title: "t", summary: "s", steps: [], emptyMessage: "No sign-ups in this period"),
            SVGCharts.heatGrid(
                id: "a", title: "t", summary: "s", columns: ["W0"], rows: [], rowHeading: "c", emptyMessage: "No sign-ups in this period"),
        ]
        for svg in charts {
            #expect(svg.contains(#"data-empty="true""#))
            #expect(svg.contains(">No sign-ups in this period</text>"))
            #expect(!svg.contains("<path") && !svg.contains(#"class="bar""#))
        }
    }

    @Test func textFromClientsIsEscapedEverywhere() {
        let hostile = #"<script>alert("x")</script>&'"#
        let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"
        #expect(HTMLText.escape(hostile) == escaped)
        let svgs = [
            SVGCharts.horizontalBars(
                id: "s", title: hostile, summary: hostile, bars: [ChartBar(label: hostile, value: 3, note: hostile)], legend: nil,
                emptyMessage: hostile),
            SVGCharts.funnel(
                id: "f", title: hostile, summary: hostile,
                steps: [FunnelBarStep(name: hostile, actors: 3, conversionFromPrevious: 1, conversionFromFirst: 1, dropOff: 0)],
                emptyMessage: hostile),
            SVGCharts.columns(
                id: "c", title: hostile, summary: hostile, bars: [ChartBar(label: hostile, value: 1)], legend: (hostile, hostile), emptyMessage: ""),
            SVGCharts.heatGrid(
                id: "h", title: hostile, summary: hostile, columns: [hostile], rows: [HeatRow(label: hostile, shares: [0.5])], rowHeading: hostile,
                emptyMessage: ""),
            SVGCharts.line(id: #""><x"#, title: hostile, summary: hostile, points: [ChartBar(label: hostile, value: 1)], emptyMessage: hostile),
        ]
        for svg in svgs {
            #expect(!svg.contains("<script"))
            #expect(!svg.contains(#"alert("x")"#))
        }
        // Ids are cut down to [a-z0-9-] before they reach an attribute.
        #expect(SVGCharts.safeID(#""><x"#) == "x")
    }

    @Test func hostileNumbersStillGiveFiniteGeometry() {
        let bars = [ChartBar(label: "a", value: .nan), ChartBar(label: "b", value: -40), ChartBar(label: "c", value: 1e300, part: .infinity)]
        for svg in [
            SVGCharts.columns(id: "c", title: "t", summary: "s", bars: bars, legend: nil, emptyMessage: "e"),
            SVGCharts.horizontalBars(id: "h", title: "t", summary: "s", bars: bars, legend: nil, emptyMessage: "e"),
            SVGCharts.line(id: "l", title: "t", summary: "s", points: bars, emptyMessage: "e"),
        ] {
            #expect(!svg.contains("nan") && !svg.contains("inf") && !svg.contains("e+"))
            #expect(!svg.contains(#"="-"#))
        }
    }

    @Test func funnelBarsAreScaledToTheFirstStepWithDropOffs() {
        // Track 960 - 190 - 230 = 540 wide: 100 → 540, 40 → 216, 10 → 54.
        let svg = SVGCharts.funnel(
            id: "funnel", title: "Funnel", summary: "s",
            steps: [
                FunnelBarStep(name: "Viewed", actors: 100, conversionFromPrevious: 1, conversionFromFirst: 1, dropOff: 0),
                FunnelBarStep(name: "Opened", actors: 40, conversionFromPrevious: 0.4, conversionFromFirst: 0.4, dropOff: 60),
                FunnelBarStep(name: "Funded", actors: 10, conversionFromPrevious: 0.25, conversionFromFirst: 0.1, dropOff: 30),
            ], emptyMessage: "none")
        #expect(svg.contains(#"<rect class="bar" x="190" y="12" width="540" height="22" rx="3"/>"#))
        #expect(svg.contains(#"<rect class="lost" x="190" y="64" width="540" height="22" rx="3"/>"#))
        #expect(svg.contains(#"<rect class="bar" x="190" y="64" width="216" height="22" rx="3"/>"#))
        #expect(svg.contains(#"<rect class="bar" x="190" y="116" width="54" height="22" rx="3"/>"#))
        #expect(svg.contains(">40 · 40%</text>"))
        #expect(svg.contains(">40% continued · 60 dropped off</text>"))
        #expect(svg.contains(">25% continued · 30 dropped off</text>"))
    }

    @Test func heatGridColoursByShareAndLeavesFuturePeriodsBlank() {
        let svg = SVGCharts.heatGrid(
            id: "retention", title: "Retention", summary: "s", columns: ["Week 0", "+1", "+2"],
            rows: [HeatRow(label: "Mar 2 · 10", shares: [1, 0.25, nil])], rowHeading: "Cohort", emptyMessage: "none")
        #expect(svg.components(separatedBy: #"<rect class="cell""#).count - 1 == 2)
        #expect(svg.contains(">100%</text>") && svg.contains(">25%</text>"))
        #expect(SVGCharts.heatColour(1) == ("rgb(49,46,129)", "#ffffff"))
        #expect(SVGCharts.heatColour(0) == ("rgb(238,242,255)", "#1e1b4b"))
    }

    @Test func numbersReadAsPeopleWriteThem() {
        #expect(NumberText.count(1_234_567) == "1.2M")
        #expect(NumberText.count(12_400) == "12,400")
        #expect(NumberText.count(-950) == "-950")
        #expect(NumberText.axis(1500) == "1,500")
        #expect(NumberText.axis(25_000) == "25k")
        #expect(NumberText.percent(0.4567) == "45.7%")
        #expect(NumberText.percent(1) == "100%")
        #expect(NumberText.count(.nan) == "–")
    }

    @Test func rangeDefaultsToThirtyDaysAndRefusesBadDates() throws {
        let today = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28 20:26:40Z
        let range = try DashboardRange(from: nil, to: nil, today: today)
        #expect(DashboardRange.key(range.first) == "2026-04-29" && DashboardRange.key(range.last) == "2026-05-28")
        #expect(range.days == 30)
        #expect(DashboardRange.key(range.previous.first) == "2026-03-30" && DashboardRange.key(range.previous.last) == "2026-04-28")
        #expect(range.dayRange.to == range.last + 86_400)
        let given = try DashboardRange(from: "2026-02-27", to: "2026-03-02", today: today)
        #expect(given.dayKeys == ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"])
        for (from, to) in [("2026-02-30", "2026-03-01"), ("yesterday", nil), ("2026-03-02", "2026-03-01"), ("2024-01-01", "2026-01-01")] {
            #expect(throws: (any Error).self) { try DashboardRange(from: from, to: to, today: today) }
        }
    }

    @Test func headlinesWeightRatesAndDescribeTheChange() {
        let metrics = [
            DailyMetrics(day: "d1", activeUsers: 10, visitors: 40, signUps: 2, signUpsBySource: [:], activationRate: 0.5, retentionRate: 0.2),
            DailyMetrics(day: "d2", activeUsers: 30, visitors: 90, signUps: 6, signUpsBySource: [:], activationRate: 0.25, retentionRate: nil),
        ]
        let numbers = HeadlineNumbers(
            metrics: metrics, sources: [SourceCount(source: "a", visitors: 70, signUps: 5), SourceCount(source: "b", visitors: 30, signUps: 3)])
        // Activation (0.5·2 + 0.25·6) / 8 = 0.3125; retention only d1 has one.
        #expect(numbers == HeadlineNumbers(visitors: 100, signUps: 8, activationRate: 0.3125, retentionRate: 0.2))
        #expect(HeadlineChange.count(120, 100) == HeadlineChange(direction: .up, text: "+20%"))
        #expect(HeadlineChange.count(75, 100) == HeadlineChange(direction: .down, text: "−25%"))
        #expect(HeadlineChange.count(5, 0) == HeadlineChange(direction: .up, text: "new"))
        #expect(HeadlineChange.rate(0.45, 0.40) == HeadlineChange(direction: .up, text: "+5 pts"))
        #expect(HeadlineChange.rate(0.3, nil) == nil)
    }
}
