import Foundation
import ServiceKit

/// How long analytics keeps events and how it looks after their partitions (seed 001 §8 keeps a
/// year of events; 13 months lets a year-over-year report see the whole same month last year).
struct PartitionSettings: Sendable, Equatable {
    /// `ANALYTICS_RETENTION_MONTHS` (13): partitions wholly older than this are detached.
    var retentionMonths = 13
    /// `ANALYTICS_PARTITION_MONTHS_AHEAD` (3): months created ahead of the current one.
    var monthsAhead = 3
    /// `ANALYTICS_DROP_DETACHED` (false): drop a detached partition, or keep it as a table of its own
    /// (`analytics.events_y2025m10`) for an operator to archive.
    var dropsDetached = false
    /// `ANALYTICS_PARTITION_INTERVAL_SECONDS` (3600): how often the job runs.
    var interval: Duration = .seconds(3600)
    /// `ANALYTICS_DEDUPE_WINDOW_DAYS` (30): how long event ids are kept to refuse a redelivery or
    /// a client's retry; the outbox gives up long before.
    var dedupeWindowDays = 30

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> PartitionSettings {
        PartitionSettings(
            retentionMonths: try environment.integer("ANALYTICS_RETENTION_MONTHS", default: 13, range: 1...240),
            monthsAhead: try environment.integer("ANALYTICS_PARTITION_MONTHS_AHEAD", default: 3, range: 1...24),
            dropsDetached: try environment.boolean("ANALYTICS_DROP_DETACHED", default: false),
            interval: .seconds(try environment.integer("ANALYTICS_PARTITION_INTERVAL_SECONDS", default: 3600, range: 1...86_400)),
            dedupeWindowDays: try environment.integer("ANALYTICS_DEDUPE_WINDOW_DAYS", default: 30, range: 1...3650)
        )
    }

    /// `event_ids` past the dedupe window, deleted by the kit's retention purge.
    var eventIDPurge: PurgeTarget {
        PurgeTarget(table: "analytics.event_ids", timeColumn: "received_at", retention: .seconds(self.dedupeWindowDays * 86_400))
    }

    static let help = """
          ANALYTICS_RETENTION_MONTHS  months of events kept: older monthly partitions
                                      are detached (13)
          ANALYTICS_DROP_DETACHED     drop detached partitions instead of keeping them
                                      as tables (false)
          ANALYTICS_PARTITION_MONTHS_AHEAD
                                      monthly partitions made ahead of this one (3)
          ANALYTICS_PARTITION_INTERVAL_SECONDS
                                      how often partitions are looked after (3600)
          ANALYTICS_DEDUPE_WINDOW_DAYS
                                      days an event id is kept to refuse a repeat (30)
        """
}
