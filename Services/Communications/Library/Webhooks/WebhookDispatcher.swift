import Foundation
import Logging
import ServiceLifecycle

/// The background service that fans events out and sends due deliveries, every poll interval, in
/// each replica (they share the work through leases, see `WebhookDeliveries`).
struct WebhookDispatcher: Service {
    let deliveries: WebhookDeliveries
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
            while await self.deliveries.fanOut(logger: self.logger) == WebhookDeliveries.batchSize, !Task.isCancelled {}
            while await self.deliveries.deliverDue(logger: self.logger) == WebhookDeliveries.batchSize, !Task.isCancelled {}
        }
    }
}
