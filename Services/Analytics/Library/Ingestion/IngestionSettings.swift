import Foundation
import ServiceKit

/// What ingestion reads from the environment (README "Configuration", `analytics --help`).
public struct IngestionSettings: Sendable {
    /// `ANALYTICS_MAX_EVENT_AGE_DAYS` (7): an older client timestamp is refused. Bounds what a
    /// replaying or misconfigured client can write into months already rolled up.
    public var maximumAge: TimeInterval = 7 * 86_400
    /// `RATE_LIMIT_ANALYTICS_PER_MIN_PER_IP` (600): requests from one address without a signed-in
    /// user. Generous, as one page view is a request, but a flood from one address stops there.
    public var anonymousRequestsPerIP = TokenBucket(600, per: .seconds(60))

    /// Events in one batch, and its bytes: Umami's and Segment's order of size.
    static let maximumBatchEvents = 500
    static let maximumBatchBytes = 1 << 20

    public init() {}

    public static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> IngestionSettings {
        var settings = IngestionSettings()
        settings.maximumAge = TimeInterval(try environment.integer("ANALYTICS_MAX_EVENT_AGE_DAYS", default: 7, range: 1...365) * 86_400)
        settings.anonymousRequestsPerIP = TokenBucket(
            try environment.integer("RATE_LIMIT_ANALYTICS_PER_MIN_PER_IP", default: 600, range: 1...1_000_000), per: .seconds(60))
        return settings
    }
}
