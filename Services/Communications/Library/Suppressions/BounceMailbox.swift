import Foundation
import Logging
import ServiceKit
import ServiceLifecycle

/// Reads bounces that come back by mail: the local bounce mailbox (a Maildir the MTA delivers
/// the envelope sender's mail into, `BOUNCE_MAILDIR`). Each message in `new/` is read as a DSN or
/// abuse report (`DeliveryStatusNotification`) and recorded like a provider's report (provider
/// `dsn`, so idempotent per message and recipient), then moved to `cur/` — after the record
/// commits, so a crash reads it again and changes nothing the second time.
struct BounceMailbox: Service {
    static let provider = "dsn"

    let folder: URL
    let store: BounceStore
    let clock: ServiceClock
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await PeriodicWork("bounce mailbox", every: self.interval, firstRound: .atOnce, logger: self.logger) {
            _ = try await self.sweep()
            return false
        }.run()
    }

    /// One pass over `new/`; how many messages it finished with.
    @discardableResult
    func sweep() async throws -> Int {
        let fresh = self.folder.appendingPathComponent("new")
        let done = self.folder.appendingPathComponent("cur")
        try FileManager.default.createDirectory(at: done, withIntermediateDirectories: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fresh.path)) ?? []
        var finished = 0
        for name in names.sorted() where !name.hasPrefix(".") {
            let file = fresh.appendingPathComponent(name)
            let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
            let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
            var reports: [BounceReport] = []
            if size <= DeliveryStatusNotification.maximumSize, let data = FileManager.default.contents(atPath: file.path) {
                reports = DeliveryStatusNotification.reports(
                    in: String(decoding: data, as: UTF8.self), fallbackID: name, receivedAt: self.clock.now)
            }
            for report in reports {
                _ = try await self.store.record(report, provider: Self.provider, logger: self.logger)
            }
            if reports.isEmpty { self.logger.notice("bounce mailbox message is no delivery report", metadata: ["file": "\(name)"]) }
            // Maildir: a message seen is moved to cur/ with the ":2," info suffix.
            let target = done.appendingPathComponent(name.contains(":2,") ? name : name + ":2,S")
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.moveItem(at: file, to: target)
            finished += 1
        }
        return finished
    }
}
