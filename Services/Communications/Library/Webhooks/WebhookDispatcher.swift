import Foundation
import Logging
import ServiceKit
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
                taken = await self.batch("webhook fan-out") { await $0.fanOut(logger: $1) }
                moved = moved || taken > 0
            }
            taken = WebhookDeliveries.batchSize
            while taken == WebhookDeliveries.batchSize, !Task.isCancelled {
                taken = await self.batch("webhook delivery") { await $0.deliverDue(logger: $1) }
                moved = moved || taken > 0
            }
            // Counted when the queue moved, else now and then: a count per idle poll would be waste.
            if moved || lastGauge.map({ ContinuousClock.now - $0 >= Self.gaugeInterval }) ?? true {
                try? await BackgroundRound.run("webhook queue gauge", within: .seconds(60), logger: self.logger) {
                    await self.deliveries.recordQueueDepth(logger: self.logger)
                }
                lastGauge = ContinuousClock.now
            }
        }
    }

    /// One batch of `step`, waited for at most five minutes (`BackgroundRound`); none taken when given up.
    private func batch(_ worker: String, _ step: @escaping @Sendable (WebhookDeliveries, Logger) async -> Int) async -> Int {
        let taken = try? await BackgroundRound.run(worker, within: .seconds(300), logger: self.logger) {
            await step(self.deliveries, self.logger)
        }
        return taken ?? 0
    }
}
