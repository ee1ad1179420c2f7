import Logging
import ServiceLifecycle

/// A service's background work that is done again and again: wait the interval, run a round
/// (each bounded by `BackgroundRound`), log what failed, and wait again, until a graceful shutdown.
///
/// Every worker loop is this one loop, so each stops the same way when the process is told to
/// (between rounds, and while waiting), none can be stopped for good by a round that hangs, and a
/// failed round is logged the same way everywhere and tried again a whole interval later.
///
/// A round returns whether more may be waiting (it took a full batch): then the next round runs at
/// once, without waiting, so a backlog drains at the work's own pace and not one batch an interval.
public struct PeriodicWork: Service {
    /// Whether the first round waits an interval: most work waits, so a process starting does not
    /// meet its migrations or every replica's first round at once; work that has something to do
    /// at start runs at once.
    public enum FirstRound: Sendable {
        case afterInterval
        case atOnce
    }

    let name: String
    let interval: Duration
    let firstRound: FirstRound
    let roundLimit: Duration
    let retryAfterFailure: Duration
    let startup: StartupGate
    let logger: Logger
    let round: @Sendable () async throws -> Bool

    /// `name` names the work in logs and in `BackgroundRound`'s; `roundLimit` is the longest a
    /// healthy round takes, with room (a round left past it is given up, `BackgroundRound.Abandoned`).
    /// After a failed round the next waits `retryAfterFailure` if that is shorter than the
    /// interval (hourly work whose database was away tries again soon). With a `startup` gate
    /// nothing runs before the gate opens (the kit's: once migrations are in).
    public init(
        _ name: String,
        every interval: Duration,
        firstRound: FirstRound = .afterInterval,
        roundLimit: Duration = .seconds(300),
        retryAfterFailure: Duration? = nil,
        startup: StartupGate = .opened,
        logger: Logger,
        round: @escaping @Sendable () async throws -> Bool
    ) {
        self.name = name
        self.interval = interval
        self.firstRound = firstRound
        self.roundLimit = roundLimit
        self.retryAfterFailure = min(interval, retryAfterFailure ?? interval)
        self.startup = startup
        self.logger = logger
        self.round = round
    }

    enum Outcome {
        case moreWaiting
        case caughtUp
        case failed
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.startup.wait() }
        if self.firstRound == .afterInterval { await self.wait(self.interval) }
        while !Self.isStopping {
            var outcome = await self.runRound()
            while outcome == .moreWaiting, !Self.isStopping { outcome = await self.runRound() }
            await self.wait(outcome == .failed ? self.retryAfterFailure : self.interval)
        }
    }

    /// One bounded round.
    func runRound() async -> Outcome {
        do {
            let more = try await BackgroundRound.run(self.name, within: self.roundLimit, logger: self.logger) { try await self.round() }
            return more ? .moreWaiting : .caughtUp
        } catch {
            // The database may be restarting, a peer away: a later round tries again.
            self.logger.warning("\(self.name) failed", metadata: ["error": .string(String(reflecting: error))])
            return .failed
        }
    }

    private func wait(_ duration: Duration) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }

    private static var isStopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }
}
