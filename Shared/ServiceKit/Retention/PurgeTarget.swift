import Foundation

/// Rows of one table that may be deleted once they are older than a retention: the unit of work
/// of `RetentionPurge`. The kit's own tables are built in (`kit(schema:retention:)`); a service adds
/// its own through `ServiceDefinition.purgeTargets`.
public struct PurgeTarget: Sendable, Equatable {
    /// `schema.table`: a name from code, never from a request.
    public var table: String
    /// The timestamp a row's age is measured from (`delivered_at`, `expires_at` …).
    public var timeColumn: String
    /// More SQL a row must satisfy to go (e.g. not hard-locked), from code; nil for none.
    public var alsoRequires: String?
    public var retention: Duration

    public init(table: String, timeColumn: String, alsoRequires: String? = nil, retention: Duration) {
        self.table = table
        self.timeColumn = timeColumn
        self.alsoRequires = alsoRequires
        self.retention = retention
    }

    /// Delivered outbox rows, inbox ids and idempotency keys of the service whose bookkeeping
    /// schema is `schema`. Undelivered and dead outbox rows are never purged: they are work left to do.
    public static func kit(schema: String, retention: RetentionConfiguration) -> [PurgeTarget] {
        [
            PurgeTarget(table: "\(schema).outbox", timeColumn: "delivered_at", retention: retention.deliveredEvents),
            PurgeTarget(table: "\(schema).inbox", timeColumn: "received_at", retention: retention.receivedEvents),
            PurgeTarget(table: "\(schema).idempotency_keys", timeColumn: "created_at", retention: retention.idempotencyKeys),
        ]
    }

    /// The `rate_limit_buckets` a `RateLimiter` keeps in `schema`. A bucket left alone for as long as
    /// its limit takes to refill from empty is full again, exactly as if it did not exist, so
    /// deleting it then changes no decision: `longestRefill` is the slowest of the service's limits.
    public static func rateLimitBuckets(schema: String, longestRefill: Duration) -> PurgeTarget {
        PurgeTarget(table: "\(schema).rate_limit_buckets", timeColumn: "updated_at", retention: longestRefill)
    }
}

extension TokenBucket {
    /// How long an empty bucket takes to fill: after this long untouched it is as good as new.
    public var refillTime: Duration {
        guard self.perSecond > 0 else { return .seconds(86400 * 365) }
        return .milliseconds(Int64((self.burst / self.perSecond * 1000).rounded(.up)))
    }
}
