import Foundation

/// Everything the dashboard page shows, as plain values: the loader fills it from
/// `AnalyticsReports`, `DashboardPage` draws it, and tests build it by hand.
struct DashboardData: Sendable, Equatable {
    var range: DashboardRange
    /// "Today" when the page was made: presets end on it and retention cells after it stay blank.
    var today: Date
    var current: HeadlineNumbers
    var previous: HeadlineNumbers
    /// One entry per day of `range`, zero-filled.
    var signUps: [DailyCount]
    /// The seed 001 investment funnel over every offering.
    var funnel: FunnelReport
    /// Weekly cohorts first seen in the range.
    var retention: RetentionReport
    /// Top first-touch sources, most visitors first.
    var sources: [SourceCount]
    var ozChecks: [StateCount]
}

/// The four numbers at the top, for one period.
struct HeadlineNumbers: Sendable, Equatable {
    /// Distinct visitors (each counted once, under their first-touch source).
    var visitors: Int
    var signUps: Int
    /// Of the period's sign-ups whose activation is known, the share activated.
    var activationRate: Double?
    /// The daily retention rate averaged over the period, each day weighted by its active users.
    var retentionRate: Double?

    /// From the rollup's days and the period's sources. The rates are averages weighted by what
    /// they are shares of, so a quiet day does not count as much as a busy one.
    init(metrics: [DailyMetrics], sources: [SourceCount]) {
        self.visitors = sources.reduce(0) { $0 + max($1.visitors, 0) }
        self.signUps = metrics.reduce(0) { $0 + max($1.signUps, 0) }
        self.activationRate = Self.weightedMean(metrics.compactMap { day in day.activationRate.map { ($0, Double(day.signUps)) } })
        self.retentionRate = Self.weightedMean(metrics.compactMap { day in day.retentionRate.map { ($0, Double(day.activeUsers)) } })
    }

    init(visitors: Int, signUps: Int, activationRate: Double?, retentionRate: Double?) {
        self.visitors = visitors
        self.signUps = signUps
        self.activationRate = activationRate
        self.retentionRate = retentionRate
    }

    static func weightedMean(_ values: [(value: Double, weight: Double)]) -> Double? {
        let usable = values.filter { $0.value.isFinite && $0.weight.isFinite && $0.weight > 0 }
        let weight = usable.reduce(0) { $0 + $1.weight }
        guard weight > 0 else { return nil }
        return usable.reduce(0) { $0 + $1.value * $1.weight } / weight
    }
}

/// How a headline number moved against the previous period, as the card shows it.
struct HeadlineChange: Equatable {
    enum Direction: String { case up, down, flat }
    var direction: Direction
    var text: String

    /// Counts change by a relative percentage; nothing before gives "new" rather than +∞ %.
    static func count(_ current: Int, _ previous: Int) -> HeadlineChange? {
        guard previous > 0 else { return current > 0 ? HeadlineChange(direction: .up, text: "new") : nil }
        let change = Double(current - previous) / Double(previous)
        return self.make(change, text: NumberText.percent(abs(change)))
    }

    /// Rates change by percentage points: 40 % → 45 % is "+5 pts", not "+12.5 %".
    static func rate(_ current: Double?, _ previous: Double?) -> HeadlineChange? {
        guard let current, let previous, current.isFinite, previous.isFinite else { return nil }
        let points = (current - previous) * 100
        let rounded = (points * 10).rounded() / 10
        let text = (rounded == rounded.rounded() ? "\(Int(abs(rounded)))" : String(format: "%.1f", abs(rounded))) + " pts"
        return self.make(rounded / 100, text: text)
    }

    private static func make(_ change: Double, text: String) -> HeadlineChange {
        if abs(change) < 0.0005 { return HeadlineChange(direction: .flat, text: "no change") }
        return HeadlineChange(direction: change > 0 ? .up : .down, text: (change > 0 ? "+" : "−") + text)
    }
}
