import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Asks the database `SELECT 1` every `interval` on a connection of its own, made for the question
/// and closed after it, and tells `availability` what it found.
///
/// Not through the pool: a pool busy with the service's own load is not an outage, and a probe
/// queued behind a hundred requests would call it one and shed them all. A fresh connection
/// answers what an outage is — Postgres gone (refused at once), refusing new connections
/// (`too many connections`, shutting down) or not answering within `timeout`. A refusal opens the
/// breaker at once; a timeout only when the next probe times out too, so one slow moment on a
/// loaded machine sheds nothing.
struct DatabaseProbe: Service {
    let database: PostgresConnection.Configuration
    let availability: DatabaseAvailability
    let interval: Duration
    let timeout: Duration
    let logger: Logger
    /// Ids for the probe's connections in PostgresNIO's logs, apart from the pool's.
    private static let connectionIDs = Atomic<Int>(1 << 40)

    init(database: PostgresConnection.Configuration, availability: DatabaseAvailability, interval: Duration, timeout: Duration, logger: Logger) {
        var database = database
        database.options.connectTimeout = .init(timeout)
        self.database = database
        self.availability = availability
        self.interval = interval
        self.timeout = timeout
        self.logger = logger
    }

    func run() async throws {
        var timedOutBefore = false
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            switch await self.probe() {
            case .success:
                timedOutBefore = false
                self.availability.markAvailable(logger: self.logger)
            case .failure(let error as DatabaseTimedOut) where !timedOutBefore:
                timedOutBefore = true
                self.logger.notice("database probe timed out; asking again before calling it an outage", metadata: ["error": "\(error)"])
            case .failure(let error):
                self.availability.markUnavailable(because: error, logger: self.logger)
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    func probe() async -> Result<Void, any Error> {
        await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                let connection: PostgresConnection
                do {
                    connection = try await PostgresConnection.connect(
                        on: PostgresClient.defaultEventLoopGroup.next(), configuration: self.database,
                        id: Self.connectionIDs.wrappingAdd(1, ordering: .relaxed).newValue, logger: self.logger
                    ).get()
                } catch {
                    return .failure(error)
                }
                let answer: Result<Void, any Error>
                do {
                    try await connection.query("SELECT 1", logger: self.logger)
                    answer = .success(())
                } catch {
                    answer = .failure(error)
                }
                // Waited for: a connection must be closed before it is let go.
                try? await connection.close()
                return answer
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
