import Foundation

/// Runs `operation` from one task per state until `seconds` have passed and prints and returns
/// its rate per second. In its own file because main.swift's functions cannot be used elsewhere.
func measureRate<State: Sendable>(
    _ name: String, seconds: Double, states: [State], _ operation: @escaping @Sendable (inout State) async throws -> Bool
) async -> Double {
    let deadline = ContinuousClock.now + .seconds(seconds)
    let started = ContinuousClock.now
    let (done, failed) = await withTaskGroup(of: (Int, Int).self) { group in
        for state in states {
            group.addTask {
                var state = state
                var done = 0
                var failed = 0
                while ContinuousClock.now < deadline {
                    if (try? await operation(&state)) == true { done += 1 } else { failed += 1 }
                }
                return (done, failed)
            }
        }
        var totals = (0, 0)
        for await (done, failed) in group { totals = (totals.0 + done, totals.1 + failed) }
        return totals
    }
    let elapsed = ContinuousClock.now - started
    let rate = Double(done) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    print(String(format: "  %-52@ %10.1f /s%@", name as NSString, rate, failed > 0 ? " (\(failed) failed)" as NSString : "" as NSString))
    return rate
}
