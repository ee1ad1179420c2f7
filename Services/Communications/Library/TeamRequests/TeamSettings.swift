import Foundation
import ServiceKit

/// What "speak to the team" reads from the environment.
///
/// | Variable | Default | |
/// |---|---|---|
/// | `RATE_LIMIT_TEAM_REQUESTS_PER_HOUR_PER_IP` | `10` | anonymous and signed-in requests from one client address |
/// | `RATE_LIMIT_TEAM_REQUESTS_PER_DAY_PER_REQUESTER` | `5` | requests per email address (anonymous) or user |
/// | `TEAM_MAIL_POLL_MS` | `500` | how often each replica looks for confirmation and answer mails to send |
struct TeamSettings: Sendable {
    /// The form is public: without a limit per address anyone could fill the staff inbox.
    var requestsPerIP = TokenBucket(10, per: .seconds(3600))
    /// Per requester, so one address cannot be flooded with confirmations from many addresses.
    var requestsPerRequester = TokenBucket(5, per: .seconds(86400))
    /// Mails go out from the background, never in the request: a slow mail server slows nobody's
    /// answer. Each replica looks this often (one indexed statement when nothing is due).
    var mailPollInterval: Duration = .milliseconds(500)
    /// Backoff for a mail the server refused for now (doubling, jittered, capped).
    var mailRetry = RetrySchedule(base: .seconds(30), maximum: .seconds(3600))

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> TeamSettings {
        TeamSettings(
            requestsPerIP: TokenBucket(
                try environment.integer("RATE_LIMIT_TEAM_REQUESTS_PER_HOUR_PER_IP", default: 10, range: 1...1_000_000), per: .seconds(3600)),
            requestsPerRequester: TokenBucket(
                try environment.integer("RATE_LIMIT_TEAM_REQUESTS_PER_DAY_PER_REQUESTER", default: 5, range: 1...1_000_000),
                per: .seconds(86400)),
            mailPollInterval: try environment.duration("TEAM_MAIL_POLL_MS", defaultMilliseconds: 500, range: 50...60000)
        )
    }

    /// Sent and failed team mails are kept this long (their text is in the conversation anyway).
    static let sentMailRetention: Duration = .seconds(30 * 86400)

    /// The slowest bucket's refill: after that long untouched a bucket is as good as new.
    var longestRefill: Duration { max(self.requestsPerIP.refillTime, self.requestsPerRequester.refillTime) }
}
