import Crypto
import Foundation
import ServiceKit

/// What outgoing webhooks read from the environment.
struct WebhookSettings: Sendable {
    /// Loopback, private, link-local, CGNAT and metadata addresses are refused as targets unless an
    /// operator allows them (tests, a private deployment): otherwise any sponsor could make Tract
    /// POST into its own network (SSRF).
    var allowPrivateTargets = false
    /// Plain `http://` endpoints, for local development only: payloads carry investors' money.
    var allowHTTP = false
    /// Seals endpoint secrets at rest (AES-GCM); nil keeps a generated key in the database.
    var secretKey: SymmetricKey?
    /// One attempt's limit, connect to last byte.
    var timeout: Duration = .seconds(15)
    /// How often each replica looks for due deliveries (one indexed statement when none are).
    var pollInterval: Duration = .milliseconds(1000)
    /// How long a rotated-out secret keeps signing beside the new one.
    var rotationOverlap: Duration = .seconds(24 * 3600)
    /// The longest `Retry-After` honoured: a receiver cannot park a delivery for a week.
    var retryAfterCap: Duration = .seconds(24 * 3600)
    /// Sends one replica runs at once.
    var concurrency = 16
    var maxEndpointsPerOwner = 20
    /// Test events and replays call out at the caller's word: limited per user.
    var callsPerUser = TokenBucket(60, per: .seconds(3600))
    /// 0...1, how far into its jitter band each retry lands (tests pin it to know the times).
    var jitter: @Sendable () -> Double = { Double.random(in: 0...1) }

    /// Fanned-out events are only a queue; deliveries and their attempts are the owner's log for a month.
    static let purgeTargets: [PurgeTarget] = [
        PurgeTarget(
            table: "communications.webhook_events", timeColumn: "received_at", alsoRequires: "fanned_out_at IS NOT NULL",
            retention: .seconds(7 * 86400)),
        PurgeTarget(
            table: "communications.webhook_deliveries", timeColumn: "created_at", alsoRequires: "status <> 'pending'",
            retention: .seconds(30 * 86400)),
    ]

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> WebhookSettings {
        var settings = WebhookSettings()
        settings.allowPrivateTargets = try environment.boolean("WEBHOOK_ALLOW_PRIVATE_TARGETS", default: false)
        settings.allowHTTP = try environment.boolean("WEBHOOK_ALLOW_HTTP", default: false)
        if let encoded = environment.optionalString("WEBHOOK_SECRET_KEY") {
            guard let key = Data(base64Encoded: encoded), key.count >= 32 else {
                throw ConfigurationError(variable: "WEBHOOK_SECRET_KEY", reason: "must be at least 32 bytes, base64-encoded")
            }
            settings.secretKey = SymmetricKey(data: key.prefix(32))
        }
        settings.timeout = .seconds(try environment.integer("WEBHOOK_TIMEOUT_SECONDS", default: 15, range: 1...120))
        settings.pollInterval = try environment.duration("WEBHOOK_POLL_MS", defaultMilliseconds: 1000, range: 20...60000)
        settings.rotationOverlap = .seconds(3600 * (try environment.integer("WEBHOOK_ROTATION_OVERLAP_HOURS", default: 24, range: 0...168)))
        settings.concurrency = try environment.integer("WEBHOOK_CONCURRENCY", default: 16, range: 1...256)
        settings.maxEndpointsPerOwner = try environment.integer("WEBHOOK_MAX_ENDPOINTS_PER_OWNER", default: 20, range: 1...1000)
        settings.callsPerUser = TokenBucket(
            try environment.integer("RATE_LIMIT_WEBHOOK_CALLS_PER_HOUR", default: 60, range: 1...1_000_000), per: .seconds(3600))
        return settings
    }

    static let help = """
          WEBHOOK_ALLOW_PRIVATE_TARGETS  deliver to loopback/private/link-local/metadata addresses (false)
          WEBHOOK_ALLOW_HTTP          accept http:// endpoint URLs, not only https:// (false)
          WEBHOOK_SECRET_KEY          base64, 32+ bytes, seals endpoint secrets (unset: one kept in the database)
          WEBHOOK_TIMEOUT_SECONDS     one delivery attempt's limit (15)
          WEBHOOK_POLL_MS             how often due deliveries are looked for (1000)
          WEBHOOK_ROTATION_OVERLAP_HOURS  how long a rotated-out secret still signs (24)
          WEBHOOK_CONCURRENCY         deliveries sent at once per replica (16)
          WEBHOOK_MAX_ENDPOINTS_PER_OWNER  endpoints one user may register (20)
          RATE_LIMIT_WEBHOOK_CALLS_PER_HOUR  test events and replays per user (60)

        """
}
