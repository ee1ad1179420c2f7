import Foundation
import Logging
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// The replica's one LISTEN connection on `LiveFeed.channel`: each NOTIFY wakes the streams of the
/// users it names. When the connection drops (a database restart, a failover) it reconnects after
/// `retryDelay` and wakes every stream, since what committed meanwhile was announced to no one.
struct LiveListener: Service {
    let postgres: PostgresClient
    let hub: LiveHub
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
                self.hub.isListening = false
                try await Task.sleep(for: self.retryDelay)
            }
        }
        self.hub.isListening = false
    }

    private func listenUntilDisconnected() async throws {
        // A pool connection held for as long as it listens: the pool reconnects it after a restart
        // and it keeps the service's TLS and role settings.
        try await self.postgres.withConnection { connection in
            try await connection.listen(on: LiveFeed.channel) { notifications in
                self.hub.isListening = true
                self.hub.wakeAll()
                self.logger.debug("live listener listening")
                for try await notification in notifications {
                    self.hub.wake(LiveNotice.parse(notification.payload).map(\.user))
                }
            }
        }
    }
}
