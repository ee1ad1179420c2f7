import Foundation
import Logging

/// Fills `DashboardData` from `AnalyticsReports` — the dashboard asks the same interface as the
/// staff JSON routes and nothing else — running the page's queries side by side.
struct DashboardLoader: Sendable {
    let reports: AnalyticsReports

    /// Sources summed for the visitor headline (each visitor counts once, under their first-touch
    /// source); the chart shows the top eight.
    static let sourceLimit = 100
    /// Weeks after the cohort's first shown in the retention grid.
    static let retentionPeriods = 8

    static func retentionRequest(_ range: DashboardRange) -> RetentionRequest {
        RetentionRequest(period: .week, range: range.dayRange, periods: Self.retentionPeriods)
    }

    func load(_ range: DashboardRange, today: Date, logger: Logger) async throws -> DashboardData {
        let reports = self.reports
        let previous = range.previous
        async let signUps = reports.signUps(range: range.dayRange, logger: logger)
        async let funnel = reports.investmentFunnel(offeringID: nil, range: range.dayRange, logger: logger)
        async let retention = reports.retention(Self.retentionRequest(range), logger: logger)
        async let sources = reports.topSources(range: range.dayRange, limit: Self.sourceLimit, logger: logger)
        async let previousSources = reports.topSources(range: previous.dayRange, limit: Self.sourceLimit, logger: logger)
        async let metrics = reports.dailyMetrics(range: range.dayRange, logger: logger)
        async let previousMetrics = reports.dailyMetrics(range: previous.dayRange, logger: logger)
        async let ozChecks = reports.ozChecksByState(range: range.dayRange, logger: logger)

        let current = HeadlineNumbers(metrics: try await metrics, sources: try await sources)
        return DashboardData(
            range: range,
            today: today,
            current: current,
            previous: HeadlineNumbers(metrics: try await previousMetrics, sources: try await previousSources),
            signUps: Self.everyDay(try await signUps, of: range),
            funnel: try await funnel,
            retention: try await retention,
            sources: try await sources,
            ozChecks: try await ozChecks
        )
    }

    /// One count per day of the range, 0 where the report has none, so the line's x axis is time.
    static func everyDay(_ counts: [DailyCount], of range: DashboardRange) -> [DailyCount] {
        let byDay = Dictionary(counts.map { ($0.day, $0.count) }, uniquingKeysWith: +)
        return range.dayKeys.map { DailyCount(day: $0, count: byDay[$0] ?? 0) }
    }
}
