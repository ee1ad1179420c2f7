import Crypto
import Foundation
import ServiceKit

/// How notifications are delivered, from the environment (documented in `--help` and the README).
struct NotificationSettings: Sendable {
    /// How often the delivery worker looks for mail that is due (`NOTIFICATION_DELIVERY_INTERVAL_MS`).
    var deliveryInterval: Duration = .seconds(1)
    /// Mails claimed per pass (`NOTIFICATION_DELIVERY_BATCH`).
    var deliveryBatch = 100
    /// Mails sent at once by one worker (`NOTIFICATION_DELIVERY_CONCURRENCY`).
    var deliveryConcurrency = 8
    /// Attempts before a mail is given up as failed (`NOTIFICATION_MAX_ATTEMPTS`).
    var maximumAttempts = 8
    /// The base of links in mails: unsubscribe links and notification actions (`PUBLIC_URL`).
    var publicURL = URL(string: "http://127.0.0.1:8080")!
    /// `UNSUBSCRIBE_SIGNING_KEY`; nil keeps a generated key in the database.
    var unsubscribeKey: SymmetricKey?
    /// How long an unsubscribe link works (`UNSUBSCRIBE_LINK_DAYS`).
    var unsubscribeLinkLifetime: Duration = .seconds(90 * 86400)
    /// Read or deleted notifications and finished deliveries are purged after this (`NOTIFICATION_RETENTION_DAYS`).
    var retention: Duration = .seconds(180 * 86400)
    /// Backoff between attempts of one mail.
    var retries = RetrySchedule(base: .seconds(30), maximum: .seconds(3600))

    /// The lines of `--help` for these settings.
    static let help = """
          PUBLIC_URL                  base of links in notification mails (http://127.0.0.1:8080)
          NOTIFICATION_DELIVERY_INTERVAL_MS  how often due mails and digests are looked for (1000)
          NOTIFICATION_DELIVERY_BATCH  mails claimed per pass (100)
          NOTIFICATION_DELIVERY_CONCURRENCY  mails sent at once per replica (8)
          NOTIFICATION_MAX_ATTEMPTS   attempts before a notification mail is failed (8)
          NOTIFICATION_RETENTION_DAYS  read/deleted notifications and finished mails kept (180)
          UNSUBSCRIBE_SIGNING_KEY     base64, 32+ bytes, signs unsubscribe links (unset: one kept in the database)
          UNSUBSCRIBE_LINK_DAYS       how long an unsubscribe link works (90)

        """

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> NotificationSettings {
        var settings = NotificationSettings()
        settings.deliveryInterval = try environment.duration("NOTIFICATION_DELIVERY_INTERVAL_MS", defaultMilliseconds: 1000, range: 10...600_000)
        settings.deliveryBatch = try environment.integer("NOTIFICATION_DELIVERY_BATCH", default: 100, range: 1...1000)
        settings.deliveryConcurrency = try environment.integer("NOTIFICATION_DELIVERY_CONCURRENCY", default: 8, range: 1...64)
        settings.maximumAttempts = try environment.integer("NOTIFICATION_MAX_ATTEMPTS", default: 8, range: 1...50)
        if let url = try environment.url("PUBLIC_URL", default: nil) { settings.publicURL = url }
        if let encoded = environment.optionalString("UNSUBSCRIBE_SIGNING_KEY") {
            guard let key = Data(base64Encoded: encoded), key.count >= 32 else {
                throw ConfigurationError(variable: "UNSUBSCRIBE_SIGNING_KEY", reason: "must be at least 32 bytes, base64-encoded")
            }
            settings.unsubscribeKey = SymmetricKey(data: key)
        }
        settings.unsubscribeLinkLifetime = .seconds(86400 * (try environment.integer("UNSUBSCRIBE_LINK_DAYS", default: 90, range: 1...3650)))
        settings.retention = .seconds(86400 * (try environment.integer("NOTIFICATION_RETENTION_DAYS", default: 180, range: 1...3650)))
        return settings
    }

    /// `path` (`/documents/…`) as a link from a mail.
    func link(_ path: String) -> String {
        path.hasPrefix("/") ? self.publicURL.absoluteString.trimmingSuffix("/") + path : path
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        self.hasSuffix(suffix) ? String(self.dropLast(suffix.count)) : self
    }
}
