import Foundation
import ServiceKit

/// What email campaigns read from the environment.
struct CampaignSettings: Sendable {
    /// Campaign mails per second per replica (`CAMPAIGN_MESSAGES_PER_SECOND`).
    var messagesPerSecond = 100
    /// Messages in flight at once per replica (`CAMPAIGN_SENDERS`); each holds a database
    /// connection while its message is with the SMTP server, so keep it under the pool size.
    var senders = 4
    /// How often each replica looks for due and sending campaigns (`CAMPAIGN_POLL_MS`).
    var pollInterval: Duration = .seconds(1)
    /// Test sends per staff member (`RATE_LIMIT_CAMPAIGN_TEST_SENDS_PER_HOUR`).
    var testSends = TokenBucket(20, per: .seconds(3600))

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> CampaignSettings {
        var settings = CampaignSettings()
        settings.messagesPerSecond = try environment.integer("CAMPAIGN_MESSAGES_PER_SECOND", default: 100, range: 1...100_000)
        settings.senders = try environment.integer("CAMPAIGN_SENDERS", default: 4, range: 1...64)
        settings.pollInterval = .milliseconds(try environment.integer("CAMPAIGN_POLL_MS", default: 1000, range: 10...60_000))
        settings.testSends = TokenBucket(
            try environment.integer("RATE_LIMIT_CAMPAIGN_TEST_SENDS_PER_HOUR", default: 20, range: 1...100_000), per: .seconds(3600))
        return settings
    }

    static let help = """
          CAMPAIGN_MESSAGES_PER_SECOND  campaign mails per second per replica (100)
          CAMPAIGN_SENDERS            campaign mails in flight at once per replica (4)
          CAMPAIGN_POLL_MS            how often due and sending campaigns are looked for (1000)
          RATE_LIMIT_CAMPAIGN_TEST_SENDS_PER_HOUR  campaign test sends per staff member (20)

        """
}
