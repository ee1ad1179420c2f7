import Foundation
import Logging
import ServiceLifecycle

/// The background service that fans events out and sends due deliveries, every poll interval, in
/// each replica (they share the work through leases, see `WebhookDeliveries`).
struct WebhookDispatcher: Service {
    let deliveries: WebhookDeliveries
    let interval: Duration
    let logger: Logger

    /// How often the queue's depth is counted for `/metrics`.
    static let gaugeInterval: Duration = .seconds(15)

    func run() async throws {
        var lastGauge: ContinuousClock.Instant?
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
            var moved = false
            var taken = WebhookDeliveries.batchSize
            while taken == WebhookDeliveries.batchSize, !Task.isCancelled {
                taken = await self.deliveries.fanOut(logger: self.logger)
                moved = moved || taken > 0
            }
            taken = WebhookDeliveries.batchSize
            while taken == WebhookDeliveries.batchSize, !Task.isCancelled {
                taken = await self.deliveries.deliverDue(logger: self.logger)
                moved = moved || taken > 0
            }
            // Counted when the queue moved, else now and then: a count per idle poll would be waste.
            if moved || lastGauge.map({ ContinuousClock.now - $0 >= Self.gaugeInterval }) ?? true {
                await self.deliveries.recordQueueDepth(logger: self.logger)
                lastGauge = ContinuousClock.now
            }
        }
    }
}
