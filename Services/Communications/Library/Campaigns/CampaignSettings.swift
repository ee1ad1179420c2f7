import Foundation
import ServiceKit

/// What email campaigns read from the environment.
struct CampaignSettings: Sendable {
    /// Campaign mails per second per replica (`CAMPAIGN_MESSAGES_PER_SECOND`).
    var messagesPerSecond = 100
    /// Messages in flight at once per replica (`CAMPAIGN_SENDERS`); each holds a database
    /// connection while its message is with the SMTP server, so keep it under the pool size.
    var senders = 4
    /// Recipients a sender claims in one transaction (`CAMPAIGN_BATCH_SIZE`), capped at about a
    /// second of its share of the throttle.
    var batchSize = 50
    /// How often each replica looks for due and sending campaigns (`CAMPAIGN_POLL_MS`).
    var pollInterval: Duration = .seconds(1)
    /// Test sends per staff member (`RATE_LIMIT_CAMPAIGN_TEST_SENDS_PER_HOUR`).
    var testSends = TokenBucket(20, per: .seconds(3600))

    /// These settings with no more senders than a pool of `poolSize` connections can serve: a
    /// sender holds one connection for its batch and borrows another for each receipt, so with
    /// as many senders as connections every receipt would wait on a batch that waits on it.
    func fitting(poolSize: Int) -> CampaignSettings {
        var fitted = self
        fitted.senders = max(1, min(self.senders, poolSize - 1))
        return fitted
    }

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> CampaignSettings {
        var settings = CampaignSettings()
        settings.messagesPerSecond = try environment.integer("CAMPAIGN_MESSAGES_PER_SECOND", default: 100, range: 1...100_000)
        settings.senders = try environment.integer("CAMPAIGN_SENDERS", default: 4, range: 1...64)
        settings.batchSize = try environment.integer("CAMPAIGN_BATCH_SIZE", default: 50, range: 1...1000)
        settings.pollInterval = .milliseconds(try environment.integer("CAMPAIGN_POLL_MS", default: 1000, range: 10...60_000))
        settings.testSends = TokenBucket(
            try environment.integer("RATE_LIMIT_CAMPAIGN_TEST_SENDS_PER_HOUR", default: 20, range: 1...100_000), per: .seconds(3600))
        return settings
    }

    static let help = """
          CAMPAIGN_MESSAGES_PER_SECOND  campaign mails per second per replica (100)
          CAMPAIGN_SENDERS            campaign mails in flight at once per replica (4)
          CAMPAIGN_BATCH_SIZE         recipients claimed per transaction, at most a second of the throttle (50)
          CAMPAIGN_POLL_MS            how often due and sending campaigns are looked for (1000)
          RATE_LIMIT_CAMPAIGN_TEST_SENDS_PER_HOUR  campaign test sends per staff member (20)

        """
}
