import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// `make bench` (Benchmarks/AnalyticsFunnel): the investment funnel (5 steps, 7-day window) over
/// the events `generate-events.sql` made, through `AnalyticsReports.funnel` exactly as the route
/// runs it, for the last 30 days, 90 days and the whole year; the median of `repetitions` runs
/// after one warm-up, and the plan of the year's query (EXPLAIN ANALYZE, summarised). Public only
/// so the benchmark executable can call it.
public enum AnalyticsFunnelBenchmark {
    public static func report(databaseURL: String, repetitions: Int = 5) async throws -> String {
        let url = try DatabaseURL(parsing: databaseURL, variable: "DATABASE_URL")
        let logger = Logger(label: "analytics.funnel-bench")
        let client = PostgresClient(configuration: try url.clientConfiguration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await Self.run(client, repetitions: repetitions, logger: logger)
        }
    }

    static func run(_ client: PostgresClient, repetitions: Int, logger: Logger) async throws -> String {
        var total: Int64 = 0
        var last = Date()
        for try await (count, newest) in try await client.query("SELECT count(*)::int8, max(occurred_at) FROM analytics.events", logger: logger)
            .decode((Int64, Date?).self)
        {
            total = count
            last = newest ?? last
        }
        let reports = AnalyticsReports(postgres: client)
        let end = ReportDays.dayNumber(last) + 1
        var lines = ["analytics funnel: \(total) events; 5 steps (\(InvestmentFunnel.steps.joined(separator: " → "))), 7-day window"]
        // What the scheduled rollup would have made of the year's days (a long funnel's first step
        // reads it), then vacuumed as autovacuum would, so its scans are index-only.
        let rollup = ContinuousClock.now
        let year = DayRange(from: ReportDays.date(dayNumber: end - 365), to: ReportDays.date(dayNumber: end))
        try await client.transaction(logger: logger) { connection in
            // The rollup's lock, as every writer of funnel_firsts takes it: a running service's
            // scheduled rollup must not rewrite the same days meanwhile.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(MetricsRollup.lockName)))", logger: logger)
            // Only the days not rolled up yet (a second run reuses the first's).
            let until = try await FunnelQuery.rolledUpUntil(year, on: connection, logger: logger)
            guard until < year.to else { return }
            try await MetricsRollup.rewriteFunnelFirsts(from: until, to: year.to, now: year.to, on: connection, logger: logger)
        }
        try await client.query("VACUUM (ANALYZE) analytics.funnel_firsts", logger: logger)
        lines.append("  funnel_firsts for the year rolled up and vacuumed in \(ContinuousClock.now - rollup)")
        // The plan as it was before the rollup and the probes (every step on the events, every
        // later step a hash join), for comparison in the same sitting.
        let forms: [(label: String, probeLimit: Int, rollupDays: Int)] = [
            ("", FunnelQuery.probeLimit, FunnelQuery.rollupMinimumDays), (" (events only, hash joins only)", 0, Int.max),
        ]
        for days in [30, 90, 365] {
            let request = FunnelRequest(
                steps: InvestmentFunnel.steps, windowSeconds: 7 * 86_400,
                range: DayRange(from: ReportDays.date(dayNumber: end - days), to: ReportDays.date(dayNumber: end))
            )
            for form in forms {
                func run() async throws -> FunnelReport {
                    try await reports.funnel(request, probeLimit: form.probeLimit, rollupMinimumDays: form.rollupDays, logger: logger)
                }
                var report = try await run()  // warm-up: pages into the cache
                var times: [Double] = []
                for _ in 0..<repetitions {
                    let start = ContinuousClock.now
                    report = try await run()
                    let elapsed = ContinuousClock.now - start
                    times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                }
                times.sort()
                lines.append(
                    String(
                        format: "  last %3d days%@: median %7.1f ms (min %7.1f, max %7.1f) over %d runs; actors per step %@", days, form.label,
                        times[times.count / 2], times[0], times[times.count - 1], repetitions,
                        report.steps.map { String($0.actors) }.joined(separator: " → "))
                )
            }
            if days == 365 { lines += try await Self.plan(request, client: client, logger: logger) }
        }
        return lines.joined(separator: "\n")
    }

    /// The year's plan, one line per node with its actual time and rows (buffers and conditions left out).
    static func plan(_ request: FunnelRequest, client: PostgresClient, logger: Logger) async throws -> [String] {
        try await client.transaction(logger: logger) { connection in
            for setting in FunnelQuery.settings { try await connection.query(setting, logger: logger) }
            var explain = try await FunnelQuery.prepare(request, on: connection, logger: logger).statement()
            explain.sql = "EXPLAIN (ANALYZE, BUFFERS) " + explain.sql
            var lines = ["  plan of the whole-year query:"]
            for try await line in try await connection.query(explain, logger: logger).decode(String.self) {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                let keep =
                    trimmed.hasPrefix("CTE") || trimmed.contains("Execution Time") || trimmed.contains("Planning Time")
                    || (trimmed.contains("actual time") && !trimmed.contains("Index Only Scan using events_y")
                        && !trimmed.contains("Index Scan using events_y"))
                if keep { lines.append("    " + line) }
            }
            return lines
        }
    }
}
