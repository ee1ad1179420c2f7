import Foundation
import Logging
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// The replica's one LISTEN connection on `LiveFeed.channel`: for each NOTIFY it reads the announced
/// rows of the users with a stream open here, in one query on its own connection, and wakes those
/// streams with them (a user whose row it could not read is woken to read the table). When the connection drops (a database restart, a failover) it reconnects after
/// `retryDelay` and wakes every stream, since what committed meanwhile was announced to no one.
struct LiveListener: Service {
    let postgres: PostgresClient
    let hub: LiveHub
    let reader: LiveFeedReader
    let logger: Logger
    var retryDelay: Duration = .seconds(1)

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.listenUntilDisconnected()
                } catch is CancellationError {
                    break
                } catch {
                    self.logger.warning("live listener disconnected", metadata: ["error": .string(String(reflecting: error))])
                }
                self.hub.listenerDisconnected()
                try await Task.sleep(for: self.retryDelay)
            }
        }
        self.hub.listenerDisconnected()
    }

    private func listenUntilDisconnected() async throws {
        // A pool connection held for as long as it listens: the pool reconnects it after a restart
        // and it keeps the service's TLS and role settings.
        try await self.postgres.withConnection { connection in
            try await connection.listen(on: LiveFeed.channel) { notifications in
                self.hub.listenerConnected()
                self.hub.wakeAll()
                self.logger.debug("live listener listening")
                for try await notification in notifications {
                    let heads = LiveNotice.parse(notification.payload)
                    let watched = self.hub.watched(heads.map(\.user))
                    guard !watched.isEmpty else { continue }
                    var rows: [UUID: [LiveFeedReader.Row]] = [:]
                    do {
                        rows = try await self.reader.rows(at: heads.filter { watched.contains($0.user) }, on: connection, logger: self.logger)
                    } catch let error as PSQLError {
                        // The streams read the table themselves; a dead connection ends the loop at the next NOTIFY.
                        self.logger.debug("live rows not read", metadata: ["error": .string(String(reflecting: error))])
                    }
                    for user in watched where rows[user] == nil { rows[user] = [] }
                    self.hub.wake(rows)
                }
            }
        }
    }
}
