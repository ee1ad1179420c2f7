import Logging
import NIOConcurrencyHelpers
import ServiceKit
import ServiceLifecycle
import TestSupport
import Testing

/// Issue 18, faults: a background worker's loop goes on when one of its rounds can never finish,
/// as an outbox dispatcher's did not, waiting on a query PostgresNIO had dropped.
@Suite struct BackgroundRoundTests {
    let logger = Logger(label: "test.background-round")

    @Test func aRoundThatCannotFinishIsGivenUpAtItsBoundAndTheNextRoundRuns() async throws {
        let stuck = RequestBoundTests.Stuck()
        defer { stuck.release() }
        let started = ContinuousClock.now
        await #expect(throws: BackgroundRound.Abandoned.self) {
            try await BackgroundRound.run("stuck worker", within: .milliseconds(300), logger: self.logger) { await stuck.wait() }
        }
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(300) && waited < .seconds(3), "given up after \(waited)")
        let next = try await BackgroundRound.run("stuck worker", within: .milliseconds(300), logger: self.logger) { 42 }
        #expect(next == 42)
    }

    @Test func anAbandonedRoundIsCancelledSoWhatItHasInFlightEnds() async throws {
        let sawCancellation = NIOLockedValueBox(false)
        await #expect(throws: BackgroundRound.Abandoned.self) {
            try await BackgroundRound.run("slow worker", within: .milliseconds(200), logger: self.logger) {
                do {
                    try await Task.sleep(for: .seconds(60))
                } catch {
                    sawCancellation.withLockedValue { $0 = error is CancellationError }
                }
            }
        }
        let cancelled = try await eventually(timeout: .seconds(2)) { sawCancellation.withLockedValue { $0 } }
        #expect(cancelled, "the abandoned round's sleep was cancelled")
    }

    @Test func aRoundWithinItsBoundGivesItsValueOrItsError() async throws {
        struct Refused: Error {}
        let value = try await BackgroundRound.run("worker", within: .seconds(5), logger: self.logger) { "done" }
        #expect(value == "done")
        await #expect(throws: Refused.self) {
            try await BackgroundRound.run("worker", within: .seconds(5), logger: self.logger) { throw Refused() }
        }
    }

    /// A worker whose one round can never finish, run as a service runs it.
    struct StuckWorker: Service {
        let stuck: RequestBoundTests.Stuck
        let logger: Logger

        func run() async throws {
            try? await BackgroundRound.run("stuck worker", within: .seconds(600), logger: self.logger) { await self.stuck.wait() }
        }
    }

    @Test func aGracefulShutdownWaitsForAStuckRoundOnlyItsGrace() async throws {
        let stuck = RequestBoundTests.Stuck()
        defer { stuck.release() }
        let group = ServiceGroup(services: [StuckWorker(stuck: stuck, logger: self.logger)], logger: self.logger)
        let shutdownBegan = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
        async let shutdown: Void = {
            try? await Task.sleep(for: .milliseconds(200))
            shutdownBegan.withLockedValue { $0 = .now }
            await group.triggerGracefulShutdown()
        }()
        try await group.run()
        await shutdown
        let took = ContinuousClock.now - (try #require(shutdownBegan.withLockedValue { $0 }))
        #expect(
            took >= BackgroundRound.shutdownGrace - .milliseconds(100) && took < BackgroundRound.shutdownGrace + .seconds(5),
            "stopped \(took) after the shutdown began")
    }
}
