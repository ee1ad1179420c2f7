import Crypto
import Foundation
import ServiceKit

/// Data exports and account deletion (issue 16, privacy; README, "Privacy").
public struct PrivacySettings: Sendable {
    /// `DATA_EXPORT_TTL_DAYS` (default 7): how long a ready export can be downloaded; then it
    /// answers 410 and the retention purge deletes the archive.
    public var exportLifetime: Duration
    /// `DATA_EXPORT_POLL_SECONDS` (default 5): how often each replica looks for exports to gather.
    public var exportPollInterval: Duration
    /// `DATA_EXPORT_RETRY_SECONDS` (default 60): the wait after a failed attempt (a service was
    /// down), doubled each time up to an hour.
    public var exportRetryDelay: Duration
    /// `DATA_EXPORT_MAX_ATTEMPTS` (default 10): attempts before an export is marked failed.
    public var exportMaxAttempts: Int
    /// `RATE_LIMIT_DATA_EXPORT_PER_DAY_PER_USER` (3): gathering reads every service's tables.
    public var exportsPerUser: TokenBucket
    /// `DATA_EXPORT_ENCRYPTION_KEY` (base64, at least 32 bytes): seals archives at rest. Unset, a
    /// key is made once and kept in `auth.data_export_keys`; production sets it, so a copy of the
    /// database alone does not open the archives.
    public var exportKey: SymmetricKey?
    /// `ACCOUNT_DELETION_DELAY_DAYS` (default 30): how long after the request an account is
    /// deleted; it can be cancelled until then.
    public var deletionDelay: Duration = .seconds(30 * 86400)
    /// `ACCOUNT_DELETION_POLL_SECONDS` (default 60): how often each replica looks for due deletions.
    public var deletionPollInterval: Duration = .seconds(60)
    /// `ACCOUNT_DELETION_RETRY_SECONDS` (default 300): the wait before a service that did not
    /// acknowledge an erasure is asked again.
    public var deletionRetryDelay: Duration = .seconds(300)

    public init(
        exportLifetime: Duration = .seconds(7 * 86400),
        exportPollInterval: Duration = .seconds(5),
        exportRetryDelay: Duration = .seconds(60),
        exportMaxAttempts: Int = 10,
        exportsPerUser: TokenBucket = TokenBucket(3, per: .seconds(86400)),
        exportKey: SymmetricKey? = nil
    ) {
        self.exportLifetime = exportLifetime
        self.exportPollInterval = exportPollInterval
        self.exportRetryDelay = exportRetryDelay
        self.exportMaxAttempts = exportMaxAttempts
        self.exportsPerUser = exportsPerUser
        self.exportKey = exportKey
    }

    static func fromEnvironment(_ environment: EnvironmentReader) throws -> PrivacySettings {
        var settings = PrivacySettings(
            exportLifetime: .seconds(86400 * (try environment.integer("DATA_EXPORT_TTL_DAYS", default: 7, range: 1...90))),
            exportPollInterval: .seconds(try environment.integer("DATA_EXPORT_POLL_SECONDS", default: 5, range: 1...3600)),
            exportRetryDelay: .seconds(try environment.integer("DATA_EXPORT_RETRY_SECONDS", default: 60, range: 1...3600)),
            exportMaxAttempts: try environment.integer("DATA_EXPORT_MAX_ATTEMPTS", default: 10, range: 1...100),
            exportsPerUser: TokenBucket(
                try environment.integer("RATE_LIMIT_DATA_EXPORT_PER_DAY_PER_USER", default: 3, range: 1...1000), per: .seconds(86400))
        )
        settings.deletionDelay = .seconds(86400 * (try environment.integer("ACCOUNT_DELETION_DELAY_DAYS", default: 30, range: 1...365)))
        settings.deletionPollInterval = .seconds(try environment.integer("ACCOUNT_DELETION_POLL_SECONDS", default: 60, range: 1...3600))
        settings.deletionRetryDelay = .seconds(try environment.integer("ACCOUNT_DELETION_RETRY_SECONDS", default: 300, range: 1...86400))
        if let encoded = environment.optionalString("DATA_EXPORT_ENCRYPTION_KEY") {
            guard let key = Data(base64Encoded: encoded), key.count >= 32 else {
                throw ConfigurationError(variable: "DATA_EXPORT_ENCRYPTION_KEY", reason: "must be at least 32 bytes, base64-encoded")
            }
            settings.exportKey = SymmetricKey(data: key.prefix(32))
        }
        return settings
    }
}
