import Crypto
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// `analytics.dashboard_links`: one-use URLs to the dashboard for browsers, which cannot send a
/// bearer token. The URL carries a 256-bit random secret, found by its SHA-256 (only the hash is
/// stored; a lookup by the hash of a guess leaks nothing about a real secret). Opening the URL
/// spends it and starts an hour's browser session whose cookie holds the same secret.
struct DashboardLinks: Sendable {
    let postgres: PostgresClient
    let clock: ServiceClock
    let ids: IDGenerator

    /// How long a minted URL waits to be opened.
    static let linkLifetime: TimeInterval = 5 * 60
    /// How long the browser session an opened link starts lasts.
    static let sessionLifetime: TimeInterval = 60 * 60
    /// The session cookie, scoped to the dashboard's path.
    static let cookieName = "tract_dashboard"
    /// Spent and expired links are purged after this (kept a while for audit: who looked when).
    static let retention: Duration = .seconds(30 * 24 * 3600)

    /// A new link for `user`: the secret (shown this once) and when the URL stops working.
    func mint(for user: UUID, logger: Logger) async throws -> (secret: String, expiresAt: Date) {
        let secret = SecretToken.make()
        let now = self.clock.now
        let expiresAt = now.addingTimeInterval(Self.linkLifetime)
        try await self.postgres.query(
            """
            INSERT INTO analytics.dashboard_links (id, token_hash, created_by, created_at, expires_at)
            VALUES (\(self.ids.next()), \(SecretToken.hash(secret)), \(user), \(now), \(expiresAt))
            """,
            logger: logger
        )
        return (secret, expiresAt)
    }

    /// Spends an unopened, unexpired link in one statement (two tabs racing: one wins); true when
    /// it was this call that opened it.
    func open(_ secret: String, logger: Logger) async throws -> Bool {
        guard SecretToken.isWellFormed(secret) else { return false }
        let now = self.clock.now
        let rows = try await self.postgres.query(
            """
            UPDATE analytics.dashboard_links SET opened_at = \(now), session_expires_at = \(now.addingTimeInterval(Self.sessionLifetime))
            WHERE token_hash = \(SecretToken.hash(secret)) AND opened_at IS NULL AND expires_at > \(now)
            RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Whether `secret` is an opened link whose browser session is still running.
    func isSession(_ secret: String, logger: Logger) async throws -> Bool {
        guard SecretToken.isWellFormed(secret) else { return false }
        let rows = try await self.postgres.query(
            """
            SELECT id FROM analytics.dashboard_links
            WHERE token_hash = \(SecretToken.hash(secret)) AND opened_at IS NOT NULL AND session_expires_at > \(self.clock.now)
            """,
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    static var purgeTarget: PurgeTarget {
        PurgeTarget(table: "analytics.dashboard_links", timeColumn: "created_at", retention: Self.retention)
    }
}
