import Foundation
import NIOConcurrencyHelpers

/// One kind of request sent over and over, one at a time, until stopped, as a client that keeps
/// working through a fault would: what came back is counted, so a test can hold the writes a
/// service acknowledged against what it committed.
final class Workload: Sendable {
    struct Tally: Sendable, CustomStringConvertible {
        /// 2xx: the service said the write was done.
        var acknowledged = 0
        /// No answer at all (connection refused or cut, the client's timeout): the write may or
        /// may not have committed.
        var unanswered = 0
        /// Answers other than 2xx, by status.
        var refused: [Int: Int] = [:]
        /// The longest any answer took (an unanswered request counts until it gave up).
        var slowest: Duration = .zero

        var description: String {
            "acknowledged \(self.acknowledged), unanswered \(self.unanswered), refused \(self.refused.sorted { $0.key < $1.key }), "
                + "slowest \(self.slowest)"
        }
    }

    let name: String
    private let tally = NIOLockedValueBox(Tally())
    private let running = NIOLockedValueBox(true)
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    /// Starts sending `request(n)` for n = 0, 1, 2, …
    init(_ name: String, _ request: @escaping @Sendable (Int) async throws -> SystemClient.Reply) {
        self.name = name
        let tally = self.tally
        let running = self.running
        self.task.withLockedValue {
            $0 = Task {
                var n = 0
                while running.withLockedValue({ $0 }) {
                    let started = ContinuousClock.now
                    let reply = try? await request(n)
                    let took = ContinuousClock.now - started
                    tally.withLockedValue { tally in
                        tally.slowest = max(tally.slowest, took)
                        switch reply?.status {
                        case nil: tally.unanswered += 1
                        case let status? where (200..<300).contains(status): tally.acknowledged += 1
                        case let status?: tally.refused[status, default: 0] += 1
                        }
                    }
                    // A refused connection answers at once: do not spin on a service that is down.
                    if reply == nil { try? await Task.sleep(for: .milliseconds(50)) }
                    n += 1
                }
            }
        }
    }

    /// Stops after the request in flight and returns the tally.
    func stop() async -> Tally {
        self.running.withLockedValue { $0 = false }
        await self.task.withLockedValue { $0 }?.value
        return self.tally.withLockedValue { $0 }
    }

    /// The tally so far, with the counts reset (to measure one phase).
    func takeTally() -> Tally {
        self.tally.withLockedValue { tally in
            defer { tally = Tally() }
            return tally
        }
    }
}
