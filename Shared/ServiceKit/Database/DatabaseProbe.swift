import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Asks the database `SELECT 1` every `interval` on a connection of its own, and tells
/// `availability` what it found.
///
/// Not through the pool: a pool busy with the service's own load is not an outage, and a probe
/// queued behind a hundred requests would call it one and shed them all. The probe's connection
/// answers what an outage is: Postgres gone (the connection drops, and a new one is refused at
/// once) or not answering within `timeout`. It is kept from one probe to the next and made anew
/// every `renewal`, so a database refusing new connections (`too many connections`, shutting down)
/// is noticed within that. (A fresh connection for every probe was a fork, a SCRAM exchange and an
/// exit in Postgres every second for each replica of each service: 2 % of the machine under the
/// sign-in benchmark, issue 19.) A failed probe drops its connection; the next one connects anew.
/// A refusal opens the breaker at once; a timeout only when the next probe times out too, so one
/// slow moment on a loaded machine sheds nothing.
struct DatabaseProbe: Service {
    let database: PostgresConnection.Configuration
    let availability: DatabaseAvailability
    let interval: Duration
    let timeout: Duration
    let renewal: Duration
    let logger: Logger
    /// Ids for the probe's connections in PostgresNIO's logs, apart from the pool's.
    private static let connectionIDs = Atomic<Int>(1 << 40)

    init(
        database: PostgresConnection.Configuration, availability: DatabaseAvailability, interval: Duration, timeout: Duration,
        renewal: Duration = .seconds(30), logger: Logger
    ) {
        var database = database
        database.options.connectTimeout = .init(timeout)
        self.database = database
        self.availability = availability
        self.interval = interval
        self.timeout = timeout
        self.renewal = renewal
        self.logger = logger
    }

    /// The connection the probes ask on, and since when.
    struct KeptConnection: Sendable {
        var connection: PostgresConnection
        var opened: ContinuousClock.Instant
    }

    func run() async throws {
        var timedOutBefore = false
        var kept: KeptConnection?
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            switch await self.probe(&kept) {
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
        try? await kept?.connection.close()
    }

    /// One probe on `kept`, renewed or made first when due; a connection that failed is closed and
    /// forgotten.
    func probe(_ kept: inout KeptConnection?) async -> Result<Void, any Error> {
        // A connection that dropped (the database went away, or restarted) is replaced before it is
        // asked: a query written to it just as it closed may never answer.
        if let current = kept, current.connection.isClosed || current.opened.duration(to: .now) >= self.renewal {
            try? await current.connection.close()
            kept = nil
        }
        let reused = kept?.connection
        let answer = FirstResult<PostgresConnection>()
        // Neither is waited for once the other has answered: a query written to a connection that
        // had just dropped may never answer (the hang `RequestBound` exists for).
        Task {
            let outcome = await self.ask(on: reused)
            if !answer.offer(outcome), case .success(let connection) = outcome, connection !== reused {
                try? await connection.close()  // connected after the deadline: not kept
            }
        }
        let deadline = Task {
            try await Task.sleep(for: self.timeout)
            answer.offer(.failure(DatabaseTimedOut(timeout: self.timeout)))
        }
        defer { deadline.cancel() }
        do {
            let connection = try await answer.value()
            if reused == nil { kept = KeptConnection(connection: connection, opened: .now) }
            return .success(())
        } catch {
            if let reused { Task { try? await reused.close() } }
            kept = nil
            return .failure(error)
        }
    }

    /// `SELECT 1` on `connection`, or on a new one; a connection whose query failed is closed.
    private func ask(on connection: PostgresConnection?) async -> Result<PostgresConnection, any Error> {
        let asked: PostgresConnection
        if let connection {
            asked = connection
        } else {
            do {
                asked = try await self.connect()
            } catch {
                return .failure(error)
            }
        }
        do {
            try await asked.query("SELECT 1", logger: self.logger)
            return .success(asked)
        } catch {
            // Waited for: a connection must be closed before it is let go.
            try? await asked.close()
            return .failure(error)
        }
    }

    private func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(
            on: PostgresClient.defaultEventLoopGroup.next(), configuration: self.database,
            id: Self.connectionIDs.wrappingAdd(1, ordering: .relaxed).newValue, logger: self.logger
        ).get()
    }
}

/// The probe's `SELECT 1` got no answer in time.
struct DatabaseTimedOut: Error, CustomStringConvertible {
    let timeout: Duration
    var description: String { "no answer from the database within \(self.timeout)" }
}
