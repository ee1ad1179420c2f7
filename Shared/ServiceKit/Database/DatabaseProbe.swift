import Logging
import PostgresNIO
import ServiceLifecycle

/// Asks the database `SELECT 1` through the pool every `interval` and tells `availability` what
/// it found: no answer within `timeout` opens the breaker, an answer closes it.
///
/// It asks through the pool, not a connection of its own, on purpose: a pool that cannot hand out
/// a connection within the timeout — the server refuses new ones (`too many connections`) or every
/// connection is busy for that long — serves requests no better than a database that is down, and
/// shedding them with 503 and `Retry-After` is kinder than letting them queue.
struct DatabaseProbe: Service {
    let postgres: PostgresClient
    let availability: DatabaseAvailability
    let interval: Duration
    let timeout: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            switch await self.probe() {
            case .success: self.availability.markAvailable(logger: self.logger)
            case .failure(let error): self.availability.markUnavailable(because: error, logger: self.logger)
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    func probe() async -> Result<Void, any Error> {
        await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                do {
                    try await self.postgres.query("SELECT 1", logger: self.logger)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: self.timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(DatabaseTimedOut(timeout: self.timeout))
        }
    }
}

/// The probe's `SELECT 1` got no answer in time.
struct DatabaseTimedOut: Error, CustomStringConvertible {
    let timeout: Duration
    var description: String { "no answer from the database within \(self.timeout)" }
}
