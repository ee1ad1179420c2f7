import Foundation
import ServiceKit

/// What webinars and events read from the environment.
///
/// | Variable | Default | |
/// |---|---|---|
/// | `EVENT_REMINDER_INTERVAL_MS` | `60000` | how often each replica looks for 24 h and 1 h reminders due |
/// | `EVENT_REMINDER_BATCH` | `500` | registrations reminded per transaction |
/// | `RATE_LIMIT_EVENT_REGISTRATIONS_PER_HOUR` | `60` | registrations and re-registrations per user |
/// | `RATE_LIMIT_EVENTS_PER_DAY` | `50` | events created per host |
struct WebinarSettings: Sendable {
    /// Reminders are due to the minute; a sweep that finds nothing is one indexed statement.
    var reminderInterval: Duration = .seconds(60)
    var reminderBatch = 500
    /// Registering can promote and notify others; a script must not churn a waitlist.
    var registrationsPerUser = TokenBucket(60, per: .seconds(3600))
    /// Each event's cancellation mails every registrant: creation is limited per host.
    var eventsPerHost = TokenBucket(50, per: .seconds(86400))

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> WebinarSettings {
        WebinarSettings(
            reminderInterval: try environment.duration("EVENT_REMINDER_INTERVAL_MS", defaultMilliseconds: 60000, range: 50...3_600_000),
            reminderBatch: try environment.integer("EVENT_REMINDER_BATCH", default: 500, range: 1...10000),
            registrationsPerUser: TokenBucket(
                try environment.integer("RATE_LIMIT_EVENT_REGISTRATIONS_PER_HOUR", default: 60, range: 1...1_000_000), per: .seconds(3600)),
            eventsPerHost: TokenBucket(try environment.integer("RATE_LIMIT_EVENTS_PER_DAY", default: 50, range: 1...1_000_000), per: .seconds(86400))
        )
    }

    /// The slowest bucket's refill (the rate-limit purge keeps buckets this long).
    var longestRefill: Duration { max(self.registrationsPerUser.refillTime, self.eventsPerHost.refillTime) }

    static let help = """
          EVENT_REMINDER_INTERVAL_MS  how often 24 h and 1 h event reminders due are looked for (60000)
          EVENT_REMINDER_BATCH        registrations reminded per transaction (500)
          RATE_LIMIT_EVENT_REGISTRATIONS_PER_HOUR  event registrations per user (60)
          RATE_LIMIT_EVENTS_PER_DAY   events created per host (50)

        """
}
