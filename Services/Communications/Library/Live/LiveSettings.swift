import Foundation
import ServiceKit

/// Limits and timings of the live stream (`GET /v1/communications/stream`) and its feed.
struct LiveSettings: Sendable, Equatable {
    /// `LIVE_MAX_STREAMS_PER_USER` (5): open streams one user may hold on one replica (tabs,
    /// devices); one more ends their oldest (`end` event, reason `replaced`).
    var maxStreamsPerUser = 5
    /// `LIVE_MAX_STREAMS` (10000): open streams on one replica; one more is refused with 503 so a
    /// load balancer or the client's retry tries elsewhere.
    var maxStreams = 10_000
    /// `LIVE_HEARTBEAT_SECONDS` (15): a comment line this often keeps proxies from closing an idle
    /// stream and finds clients that have gone.
    var heartbeat: Duration = .seconds(15)
    /// `LIVE_POLL_SECONDS` (60): a stream re-reads the feed at least this often even when the
    /// listener has been up throughout (at once, at its next heartbeat, after the listener was down).
    var poll: Duration = .seconds(60)
    /// `LIVE_MAX_STREAM_SECONDS` (3600): a stream ends after this long even with a longer-lived
    /// token, so connections rebalance across replicas; clients resume with `Last-Event-ID`.
    var maxLifetime: Duration = .seconds(3600)
    /// `LIVE_FEED_RETENTION_SECONDS` (604800, a week): feed rows older than this are purged. A
    /// client away longer reloads its lists; its resume says so with a `reset` event.
    var retention: Duration = .seconds(604_800)
    /// `LIVE_BATCH_SIZE` (200): rows read per query when a stream catches up.
    var batchSize = 200

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> LiveSettings {
        LiveSettings(
            maxStreamsPerUser: try environment.integer("LIVE_MAX_STREAMS_PER_USER", default: 5, range: 1...100),
            maxStreams: try environment.integer("LIVE_MAX_STREAMS", default: 10_000, range: 1...1_000_000),
            heartbeat: .seconds(try environment.integer("LIVE_HEARTBEAT_SECONDS", default: 15, range: 1...300)),
            poll: .seconds(try environment.integer("LIVE_POLL_SECONDS", default: 60, range: 1...3600)),
            maxLifetime: .seconds(try environment.integer("LIVE_MAX_STREAM_SECONDS", default: 3600, range: 10...86_400)),
            retention: .seconds(try environment.integer("LIVE_FEED_RETENTION_SECONDS", default: 604_800, range: 60...31_536_000)),
            batchSize: try environment.integer("LIVE_BATCH_SIZE", default: 200, range: 1...5000)
        )
    }

    /// Feed rows past the retention, deleted by the kit's retention purge.
    var feedPurge: PurgeTarget {
        PurgeTarget(table: "communications.live_items", timeColumn: "created_at", retention: self.retention)
    }

    static let help = """
          LIVE_MAX_STREAMS_PER_USER   open live streams per user and replica; one more
                                      ends the oldest (5)
          LIVE_MAX_STREAMS            open live streams per replica (10000)
          LIVE_HEARTBEAT_SECONDS      keep-alive comment interval on live streams (15)
          LIVE_POLL_SECONDS           feed re-read interval of a live stream, in case a
                                      NOTIFY was missed (60)
          LIVE_MAX_STREAM_SECONDS     longest a live stream stays open (3600)
          LIVE_FEED_RETENTION_SECONDS how long live feed rows are kept (604800)
          LIVE_BATCH_SIZE             feed rows read per query by a stream (200)
        """
}
