import AnalyticsService
import Foundation

// `make bench` (scripts/bench.sh): a 5-step funnel over the events generate-events.sql made.
let url = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "postgres://tract_analytics:tract_analytics_local@127.0.0.1:55432/tract_bench"
print(try await AnalyticsFunnelBenchmark.report(databaseURL: url))
