import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit

// `make bench` (BENCH_ONLY=kit): what the kit's database-outage guard costs a request. The same
// trivial route is answered in process (HummingbirdTesting's router mode: no sockets, so the
// per-request work of the framework and the guard is all there is to time) by a router without and
// with `DatabaseOutageMiddleware`, alternating A/B/A/B on this noisy machine; the ratio is what to
// read. The guard runs each request beside a watch for an outage (a task group of two children).

let seconds = Double(ProcessInfo.processInfo.environment["BENCH_SECONDS"] ?? "5") ?? 5
let concurrency = Int(ProcessInfo.processInfo.environment["BENCH_CONCURRENCY"] ?? "32") ?? 32

func application(guarded: Bool) -> some ApplicationProtocol {
    let router = Router(context: TractRequestContext.self)
    if guarded { router.add(middleware: DatabaseOutageMiddleware(availability: DatabaseAvailability())) }
    router.get("/v1/ping") { _, _ in "pong" }
    return Application(router: router)
}

func rate(guarded: Bool) async throws -> Double {
    try await application(guarded: guarded).test(.router) { client in
        let deadline = ContinuousClock.now + .seconds(seconds)
        let started = ContinuousClock.now
        let done = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var done = 0
                    while ContinuousClock.now < deadline {
                        try await client.execute(uri: "/v1/ping", method: .get) { response in
                            precondition(response.status == .ok)
                        }
                        done += 1
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
        return Double(done) / (ContinuousClock.now - started).inSeconds
    }
}

print("kit: per-request cost of the database-outage guard (in process, \(concurrency) concurrent, \(Int(seconds)) s each)")
var plain: [Double] = []
var guarded: [Double] = []
for round in 1...2 {
    plain.append(try await rate(guarded: false))
    guarded.append(try await rate(guarded: true))
    print(String(format: "  round %d: without %10.0f /s   with %10.0f /s", round, plain.last!, guarded.last!))
}
let plainRate = plain.reduce(0, +) / Double(plain.count)
let guardedRate = guarded.reduce(0, +) / Double(guarded.count)
// With every core busy, a request costs cores / rate of CPU time.
let extra = (1 / guardedRate - 1 / plainRate) * 1e6 * Double(ProcessInfo.processInfo.activeProcessorCount)
print(String(format: "  with the guard: %.2f × without (about %.1f µs of CPU more per request)", guardedRate / plainRate, extra))
