import ServiceKit

/// What the reports read from the environment (README, "`analytics` only").
struct ReportSettings: Sendable {
    /// `METRICS_ROLLUP_DAYS` (3): how many days, today included, each scheduled rollup recomputes —
    /// late events (a client's queued batch, a redelivery) land in the days they happened.
    var rollupDays = 3
    /// `METRICS_ROLLUP_INTERVAL_SECONDS` (300): how often the rollup runs.
    var rollupIntervalSeconds = 300
    /// `SEGMENT_REFRESH_SECONDS` (3600): how often segments' members are recomputed.
    var segmentRefreshSeconds = 3_600

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> ReportSettings {
        ReportSettings(
            rollupDays: try environment.integer("METRICS_ROLLUP_DAYS", default: 3, range: 1...90),
            rollupIntervalSeconds: try environment.integer("METRICS_ROLLUP_INTERVAL_SECONDS", default: 300, range: 10...86_400),
            segmentRefreshSeconds: try environment.integer("SEGMENT_REFRESH_SECONDS", default: 3_600, range: 10...604_800)
        )
    }
}
