import CommunicationsService
import Foundation

// `make bench` (scripts/bench.sh, BENCH_ONLY=fanout): one renovation update to 10,000 investors
// (BENCH_FANOUT_INVESTORS) through the notification handler, beside plain INSERT … SELECT baselines.
let environment = ProcessInfo.processInfo.environment
let url =
    environment["BENCH_DATABASE_URL"] ?? "postgres://tract_communications:tract_communications_local@127.0.0.1:55432/tract_bench"
let investors = Int(environment["BENCH_FANOUT_INVESTORS"] ?? "10000") ?? 10_000
print(try await NotificationFanoutBenchmark.report(databaseURL: url, investors: investors))
