import Foundation

/// How long the kit keeps its bookkeeping rows, and how the purge job paces itself (README,
/// "Retention"). A service's own tables have their own settings (auth's, for instance).
public struct RetentionConfiguration: Sendable, Equatable {
    /// `PURGE_INTERVAL_SECONDS` (default 3600): how often the purge runs.
    public var interval: Duration
    /// `PURGE_BATCH_SIZE` (default 1000): rows deleted per statement.
    public var batchSize: Int
    /// `OUTBOX_RETENTION_DAYS` (default 7): delivered outbox rows, kept to answer "was it sent?".
    /// A delivered row is never sent again, so this bounds nothing but that question.
    public var deliveredEvents: Duration
    /// `INBOX_RETENTION_DAYS` (default 30): ids of events applied here. A publisher redelivers an
    /// event only until it is acknowledged or dead (about 2.7 hours at the default
    /// `EVENT_MAX_ATTEMPTS`) or when an operator retries a dead letter, so the ids must outlive
    /// that by a wide margin: a redelivered id that is no longer here is applied again.
    public var receivedEvents: Duration
    /// `IDEMPOTENCY_KEY_RETENTION_HOURS` (default 24): how long a POST's retry with the same
    /// `Idempotency-Key` gets the first answer (the window Stripe documents).
    public var idempotencyKeys: Duration

    public init(
        interval: Duration = .seconds(3600),
        batchSize: Int = 1000,
        deliveredEvents: Duration = .seconds(7 * 86400),
        receivedEvents: Duration = .seconds(30 * 86400),
        idempotencyKeys: Duration = .seconds(24 * 3600)
    ) {
        self.interval = interval
        self.batchSize = batchSize
        self.deliveredEvents = deliveredEvents
        self.receivedEvents = receivedEvents
        self.idempotencyKeys = idempotencyKeys
    }

    static func fromEnvironment(_ environment: EnvironmentReader) throws -> RetentionConfiguration {
        RetentionConfiguration(
            interval: .seconds(try environment.integer("PURGE_INTERVAL_SECONDS", default: 3600, range: 1...86400)),
            batchSize: try environment.integer("PURGE_BATCH_SIZE", default: 1000, range: 1...100_000),
            deliveredEvents: .seconds(86400 * (try environment.integer("OUTBOX_RETENTION_DAYS", default: 7, range: 1...3650))),
            receivedEvents: .seconds(86400 * (try environment.integer("INBOX_RETENTION_DAYS", default: 30, range: 1...3650))),
            idempotencyKeys: .seconds(3600 * (try environment.integer("IDEMPOTENCY_KEY_RETENTION_HOURS", default: 24, range: 1...87600)))
        )
    }
}
