import Crypto
import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// A session and its refresh-token family (seed 004 `user_sessions`).
struct Sessions: Sendable {
    let postgres: PostgresClient
    let refreshLifetime: Duration
    let reuseGrace: Duration
    let successorKey: SymmetricKey

    struct Opened: Sendable {
        var sessionID: UUID
        var refreshToken: String
    }

    struct Device: Sendable {
        var ip: String?
        var userAgentHeader: String?
        var userAgent: UserAgent { UserAgent(header: self.userAgentHeader) }
    }

    /// Opens a session for a user who just proved who they are.
    func open(userID: UUID, method: String, device: Device, on connection: PostgresConnection, logger: Logger) async throws -> Opened {
        let sessionID = UUIDv7.make()
        let refreshToken = OpaqueToken.make()
        let agent = device.userAgent
        let lifetime = Double(self.refreshLifetime.components.seconds)
        try await connection.query(
            """
            INSERT INTO auth.sessions (id, user_id, auth_method, device_type, browser, os, user_agent, ip_address, expires_at)
            VALUES (\(sessionID), \(userID), \(method), \(agent.deviceType), \(agent.browser), \(agent.os),
                    \(device.userAgentHeader.map { String($0.prefix(512)) }), \(device.ip)::inet,
                    now() + make_interval(secs => \(lifetime)))
            """,
            logger: logger
        )
        try await connection.query(
            "INSERT INTO auth.refresh_tokens (id, session_id, token_hash) VALUES (\(UUIDv7.make()), \(sessionID), \(OpaqueToken.hash(refreshToken)))",
            logger: logger
        )
        return Opened(sessionID: sessionID, refreshToken: refreshToken)
    }

    enum Rotation: Sendable {
        case rotated(sessionID: UUID, userID: UUID, refreshToken: String)
        /// Presented again after the grace window: the family is revoked.
        case reused(sessionID: UUID, userID: UUID)
        case invalid
    }

    /// Exchanges a refresh token for its successor.
    ///
    /// The first presenter wins a compare-and-swap on `rotated_at` and records the successor; a
    /// concurrent presenter blocks on that row until the winner commits, then finds it rotated and,
    /// inside the grace window, is handed the same successor (it is derived, not stored). Outside
    /// the window a second presentation means the token was copied: the session is revoked.
    ///
    /// `record` runs in the same transaction for a successful rotation (the login-history row), so
    /// a refresh costs one commit besides its rate-limit check.
    func rotate(
        _ presented: String,
        logger: Logger,
        record: @Sendable (_ userID: UUID, _ connection: PostgresConnection) async throws -> Void = { _, _ in }
    ) async throws -> Rotation {
        let presentedHash = OpaqueToken.hash(presented)
        let successor = OpaqueToken.successor(of: presented, key: self.successorKey)
        let graceSeconds = Double(self.reuseGrace.components.seconds)
        let lifetime = Double(self.refreshLifetime.components.seconds)
        return try await self.postgres.transaction(logger: logger) { connection in
            // One statement: win the compare-and-swap, store the successor, slide the session's
            // expiry (a session in use stays open). The CTEs run only for a winning row.
            let won = try await connection.query(
                """
                WITH won AS (
                    UPDATE auth.refresh_tokens AS t SET rotated_at = now()
                    FROM auth.sessions AS s
                    WHERE t.token_hash = \(presentedHash) AND t.rotated_at IS NULL
                      AND s.id = t.session_id AND s.revoked_at IS NULL AND s.expires_at > now()
                    RETURNING t.id AS token_id, s.id AS session_id, s.user_id
                ), successor AS (
                    INSERT INTO auth.refresh_tokens (id, session_id, token_hash, parent_id)
                    SELECT \(UUIDv7.make()), session_id, \(OpaqueToken.hash(successor)), token_id FROM won
                ), slid AS (
                    UPDATE auth.sessions SET last_active_at = now(), expires_at = now() + make_interval(secs => \(lifetime))
                    WHERE id IN (SELECT session_id FROM won)
                )
                SELECT session_id, user_id FROM won
                """,
                logger: logger
            )
            for try await (sessionID, userID) in won.decode((UUID, UUID).self) {
                try await record(userID, connection)
                return .rotated(sessionID: sessionID, userID: userID, refreshToken: successor)
            }
            let seen = try await connection.query(
                """
                SELECT s.id, s.user_id, t.rotated_at > now() - make_interval(secs => \(graceSeconds)),
                       s.revoked_at IS NULL AND s.expires_at > now()
                FROM auth.refresh_tokens AS t JOIN auth.sessions AS s ON s.id = t.session_id
                WHERE t.token_hash = \(presentedHash) AND t.rotated_at IS NOT NULL
                """,
                logger: logger
            )
            for try await (sessionID, userID, withinGrace, live) in seen.decode((UUID, UUID, Bool, Bool).self) {
                guard live else { return .invalid }
                if withinGrace {
                    try await record(userID, connection)
                    return .rotated(sessionID: sessionID, userID: userID, refreshToken: successor)
                }
                try await self.revoke(sessionID, reason: "refresh_token_reuse", on: connection, logger: logger)
                return .reused(sessionID: sessionID, userID: userID)
            }
            return .invalid
        }
    }

    /// Revokes a session; `false` when it was already revoked (so events fire once).
    @discardableResult
    func revoke(_ sessionID: UUID, reason: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            "UPDATE auth.sessions SET revoked_at = now(), revoked_reason = \(reason) WHERE id = \(sessionID) AND revoked_at IS NULL RETURNING id",
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Revokes every live session of a user except `keep`; returns the revoked ids.
    func revokeAll(userID: UUID, except keep: UUID?, reason: String, on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        let rows = try await connection.query(
            """
            UPDATE auth.sessions SET revoked_at = now(), revoked_reason = \(reason)
            WHERE user_id = \(userID) AND revoked_at IS NULL AND (\(keep)::uuid IS NULL OR id <> \(keep))
            RETURNING id
            """,
            logger: logger
        )
        var revoked: [UUID] = []
        for try await id in rows.decode(UUID.self) { revoked.append(id) }
        return revoked
    }

    /// The session a refresh token belongs to, if that token is its live one.
    func session(ofRefreshToken token: String, logger: Logger) async throws -> (sessionID: UUID, userID: UUID)? {
        let rows = try await self.postgres.query(
            """
            SELECT s.id, s.user_id FROM auth.refresh_tokens t JOIN auth.sessions s ON s.id = t.session_id
            WHERE t.token_hash = \(OpaqueToken.hash(token)) AND s.revoked_at IS NULL
            """,
            logger: logger
        )
        for try await (sessionID, userID) in rows.decode((UUID, UUID).self) { return (sessionID, userID) }
        return nil
    }
}
