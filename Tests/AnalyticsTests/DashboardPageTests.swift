import Foundation
import Models
import Testing

@testable import AnalyticsService

/// The page renderer and the demo generator, alone (no I/O in either).
@Suite struct DashboardPageTests {
    static let today = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28

    static func data(sources: [SourceCount] = [SourceCount(source: "google.com", visitors: 120, signUps: 20)]) throws -> DashboardData {
        let range = try DashboardRange(from: "2026-05-01", to: "2026-05-28", today: Self.today)
        return DashboardData(
            range: range, today: Self.today,
            current: HeadlineNumbers(visitors: 1200, signUps: 96, activationRate: 0.41, retentionRate: 0.22),
            previous: HeadlineNumbers(visitors: 1000, signUps: 120, activationRate: 0.36, retentionRate: nil),
            signUps: DashboardLoader.everyDay([DailyCount(day: "2026-05-03", count: 4), DailyCount(day: "2026-05-20", count: 9)], of: range),
            funnel: FunnelReport(steps: [
                FunnelStep(name: "listing_viewed", actors: 200, conversionFromPrevious: 1, conversionFromFirst: 1, dropOff: 0),
                FunnelStep(name: "investment.funded", actors: 8, conversionFromPrevious: 0.04, conversionFromFirst: 0.04, dropOff: 192),
            ]),
            retention: RetentionReport(period: .week, cohorts: [RetentionCohort(start: "2026-05-18", size: 50, retained: [50, 12, 0])]),
            sources: sources,
            ozChecks: [StateCount(state: "TX", checks: 12, designated: 5), StateCount(state: "AL", checks: 30, designated: 20)]
        )
    }

    @Test func rendersEveryChartHeadlinesAndLinks() throws {
        let range = try Self.data().range
        let html = DashboardPage.render(try Self.data(), exports: DashboardController.exports(range))
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("<title>Tract analytics · May 1, 2026 – May 28, 2026</title>"))
        for chart in ["signups", "funnel", "sources", "retention", "oz-checks"] {
            #expect(html.contains(#"data-chart="\#(chart)" xmlns"#), "chart \(chart) is drawn")
        }
        #expect(!html.contains("data-empty"))
        // Headlines: counts change by percent, rates by points; no base → "no earlier data".
        #expect(html.contains(#"<h2>Visitors</h2><p class="value">1,200</p><p class="delta"><span class="change up">+20%</span>"#))
        #expect(html.contains(#"<h2>Sign-ups</h2><p class="value">96</p><p class="delta"><span class="change down">−20%</span>"#))
        #expect(html.contains(#"<span class="change up">+5 pts</span>"#))
        #expect(html.contains(#"<h2>Retention</h2><p class="value">22%</p><p class="delta"><span class="change flat">no earlier data</span>"#))
        // The retention cell two weeks after 2026-05-18 is in the future on 05-28: blank, not 0 %.
        #expect(html.contains(">24%</text>") && !html.contains(">0%</text>"))
        #expect(html.contains(#"href="/v1/analytics/dashboard/exports/sources.csv?from=2026-05-01&amp;to=2026-05-28""#))
        #expect(html.contains(#"<a class="preset" href="/v1/analytics/dashboard?from=2026-04-29&amp;to=2026-05-28">30 days</a>"#))
        // States sorted by checks: AL first.
        #expect(html.range(of: ">AL</text>")!.lowerBound < html.range(of: ">TX</text>")!.lowerBound)
        // Nothing the page does needs a script, a font file or an image.
        #expect(!html.contains("<script") && !html.contains("@font-face") && !html.contains("<img") && !html.contains("url("))
    }

    @Test func aSourceNamedLikeMarkupIsShownAsText() throws {
        let html = DashboardPage.render(
            try Self.data(sources: [SourceCount(source: #"<img src=x onerror="alert(1)">"#, visitors: 3, signUps: 1)]), exports: [])
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"))
    }

    @Test func demoQuarterIsDeterministicAndShapedLikeAFunnel() throws {
        let options = DemoAnalytics.Options(visitors: 300, days: 90, seed: 7, demoUsers: [UUID()], offerings: [])
        let first = DemoAnalytics(options: options, now: Self.today).generate()
        let again = DemoAnalytics(options: options, now: Self.today).generate()
        #expect(first.events.map(\.id) == again.events.map(\.id))
        #expect(Set(first.events.map(\.id)).count == first.events.count)
        let start = Self.today - 90 * 86_400
        #expect(first.events.allSatisfy { $0.occurredAt <= Self.today && $0.occurredAt >= start })

        func actors(_ name: String) -> Int {
            let identities = Dictionary(first.identities.map { ($0.anonymousID, $0.userID) }, uniquingKeysWith: { a, _ in a })
            return Set(
                first.events.filter { $0.name == name }.map { event in
                    event.userID?.uuidString ?? event.anonymousID.flatMap { identities[$0]?.uuidString } ?? event.anonymousID ?? ""
                }
            ).count
        }
        let funnel = DemoAnalytics.investmentSteps.map(actors)
        #expect(funnel == funnel.sorted(by: >), "each step thinner than the last: \(funnel)")
        #expect(funnel.last ?? 0 > 0)
        // Roughly a quarter of visitors sign up; checks land in several states; every entry point is used.
        let signUps = first.events.filter { $0.name == "user.created" }.count
        #expect((45...120).contains(signUps), "\(signUps) sign-ups")
        let states = Set(
            first.events.filter { $0.name == "oz_check.completed" }.compactMap { event -> String? in
                guard case .object(let fields) = event.properties, case .string(let geoid) = fields["tract_geoid"] else { return nil }
                return String(geoid.prefix(2))
            })
        #expect(states.count >= 6)
        let entries = Set(
            first.events.filter { $0.name == "auth_initiated" }.compactMap { event -> String? in
                guard case .object(let fields) = event.properties, case .string(let entry) = fields["source_endpoint"] else { return nil }
                return entry
            })
        #expect(entries.count == 7)
        // Returning visitors: many actors are seen on more than one day.
        #expect(first.events.contains { $0.userID == options.demoUsers[0] })
    }
}
