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
    let ids: IDGenerator

    struct Opened: Sendable {
        var sessionID: UUID
        var refreshToken: String
        var proof: Proof
    }

    /// What the session proved, kept on its row (`amr`, `mfa_at`) so every token of the session
    /// states it; `authTime` is when the session opened.
    struct Proof: Sendable, Equatable {
        var amr: [String]
        var authTime: Date
        var mfaAt: Date?

        func authentication(mfaEnrolled: Bool) -> SessionAuthentication {
            SessionAuthentication(amr: self.amr, authTime: self.authTime, mfaAt: self.mfaAt, mfaEnrolled: mfaEnrolled)
        }
    }

    struct Device: Sendable {
        var ip: String?
        var userAgentHeader: String?
        var userAgent: UserAgent { UserAgent(header: self.userAgentHeader) }
    }

    /// Opens a session for a user who just proved who they are with `amr`; `multiFactor` when
    /// that proof included a second factor (its time becomes the session's `mfa_at`). One
    /// statement (`SessionOpeningStatement`) with the history row and the events; nil when the
    /// account is suspended or closed (nothing is written then but the cleared counts).
    func open(
        _ user: User, method: String, amr: [String], multiFactor: Bool, device: Device, clearingLockoutOf lockoutEmail: String?,
        signedIn: (_ sessionID: UUID) throws -> QueuedEvent, newDeviceMail: QueuedEvent, logger: Logger
    ) async throws -> (opened: Opened, account: SessionOpeningStatement.Row)? {
        let sessionID = self.ids.next()
        let refreshToken = SecretToken.make()
        let statement = SessionOpeningStatement(
            userID: user.id, clearingLockoutOf: lockoutEmail, sessionID: sessionID, method: method, device: device,
            lifetimeSeconds: self.refreshLifetime.inSeconds, amr: amr, multiFactor: multiFactor, refreshTokenID: self.ids.next(),
            refreshTokenHash: SecretToken.hash(refreshToken), historyID: self.ids.next(), email: user.email,
            signedIn: try signedIn(sessionID), newDeviceMail: newDeviceMail)
        var account: SessionOpeningStatement.Row?
        for try await row in try await self.postgres.execute(statement, logger: logger) { account = row }
        guard let account else { return nil }
        let proof = Proof(amr: amr, authTime: account.createdAt, mfaAt: account.mfaAt)
        return (Opened(sessionID: sessionID, refreshToken: refreshToken, proof: proof), account)
    }

    enum Rotation: Sendable {
        case rotated(sessionID: UUID, userID: UUID, refreshToken: String, proof: Proof, holder: SessionHolder)
        /// Presented again after the grace window: the family is revoked.
        case reused(sessionID: UUID, userID: UUID)
        case invalid
    }

    /// The rate limit a refresh or a password sign-in takes its token from (`RateLimiter`), keyed by
    /// the client, inside the statement that does the work.
    struct Limit: Sendable {
        var action: String
        var identifier: String
        var bucket: TokenBucket
    }

    /// Exchanges a refresh token for its successor, after taking `limit`'s token (429 without one,
    /// and then nothing else happens).
    ///
    /// The first presenter wins a compare-and-swap on `rotated_at` and records the successor; a
    /// concurrent presenter blocks on that row until the winner commits, then finds it rotated and,
    /// inside the grace window, is handed the same successor (it is derived, not stored). Outside
    /// the window a second presentation means the token was copied: the session is revoked.
    ///
    /// The winner's path is one prepared statement (`RefreshRotationStatement`), history row and
    /// the new token's facts included. Only a token that did not win takes a transaction to find out why.
    func rotate(_ presented: String, limit: Limit, device: Device, history: LoginHistory, logger: Logger) async throws -> Rotation {
        let presentedHash = SecretToken.hash(presented)
        let successor = OpaqueToken.successor(of: presented, key: self.successorKey)
        let statement = RefreshRotationStatement(
            action: limit.action, identifier: limit.identifier, bucket: limit.bucket, presentedHash: presentedHash,
            successorID: self.ids.next(), successorHash: SecretToken.hash(successor), lifetimeSeconds: self.refreshLifetime.inSeconds,
            historyID: history.ids.next(), ip: device.ip, deviceSummary: LoginHistory.deviceSummary(device.userAgent))
        var outcome: RefreshRotationStatement.Row?
        for try await row in try await self.postgres.execute(statement, logger: logger) { outcome = row }
        guard let outcome else { return .invalid }
        try RateLimiter.admit(outcome.allowed, tokens: outcome.tokens, action: limit.action, bucket: limit.bucket, logger: logger)
        if let won = outcome.won {
            return .rotated(sessionID: won.sessionID, userID: won.userID, refreshToken: successor, proof: won.proof, holder: won.holder)
        }
        return try await self.afterLosing(presentedHash, successor: successor, device: device, history: history, logger: logger)
    }

    /// Why a presented token did not win: unknown or dead (invalid), rotated moments ago by a
    /// concurrent presenter (the same successor), or rotated long ago (reuse: the session ends).
    private func afterLosing(
        _ presentedHash: String, successor: String, device: Device, history: LoginHistory, logger: Logger
    ) async throws -> Rotation {
        let graceSeconds = self.reuseGrace.inSeconds
        return try await self.postgres.transaction(logger: logger) { connection in
            let seen = try await connection.query(
                """
                SELECT s.id, s.user_id, t.rotated_at > now() - make_interval(secs => \(graceSeconds)),
                       s.revoked_at IS NULL AND s.expires_at > now(), s.amr, s.created_at, s.mfa_at,
                       \(unescaped: SessionHolder.columns)
                FROM auth.refresh_tokens AS t JOIN auth.sessions AS s ON s.id = t.session_id
                \(unescaped: SessionHolder.joins(session: "s"))
                WHERE t.token_hash = \(presentedHash) AND t.rotated_at IS NOT NULL
                """,
                logger: logger
            )
            for try await row in seen {
                let row = row.makeRandomAccess()
                let sessionID = try row[0].decode(UUID.self)
                let userID = try row[1].decode(UUID.self)
                guard try row[3].decode(Bool.self) else { return .invalid }
                if try row[2].decode(Bool.self) {
                    try await history.record(
                        .refresh, userID: userID, method: "refresh_token", ip: device.ip, userAgent: device.userAgent, success: true,
                        on: connection, logger: logger)
                    let proof = Proof(
                        amr: try row[4].decode([String].self), authTime: try row[5].decode(Date.self), mfaAt: try row[6].decode(Date?.self))
                    return .rotated(
                        sessionID: sessionID, userID: userID, refreshToken: successor, proof: proof, holder: try SessionHolder(row, from: 7))
                }
                try await self.revoke(sessionID, reason: "refresh_token_reuse", on: connection, logger: logger)
                return .reused(sessionID: sessionID, userID: userID)
            }
            return .invalid
        }
    }

    /// Records a second factor proven in a live session now (MFA confirm, step-up): its `mfa_at`
    /// becomes now and `amr` gains what the factor adds. Nil when the session is not live.
    func proveSecondFactor(
        _ sessionID: UUID, userID: UUID, amr added: [String], on connection: PostgresConnection, logger: Logger
    ) async throws -> Proof? {
        let current = try await connection.query(
            """
            SELECT amr FROM auth.sessions
            WHERE id = \(sessionID) AND user_id = \(userID) AND revoked_at IS NULL AND expires_at > now() FOR UPDATE
            """,
            logger: logger
        )
        var amr: [String]?
        for try await value in current.decode([String].self) { amr = value }
        guard let amr else { return nil }
        let rows = try await connection.query(
            """
            UPDATE auth.sessions SET amr = \(SignInProof.union(amr, added)), mfa_at = now(), last_active_at = now()
            WHERE id = \(sessionID) RETURNING amr, created_at, mfa_at
            """,
            logger: logger
        )
        for try await (amr, createdAt, mfaAt) in rows.decode(([String], Date, Date?).self) {
            return Proof(amr: amr, authTime: createdAt, mfaAt: mfaAt)
        }
        return nil
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

    /// A user's live sessions, newest first (`Keyset.newestFirst`); `current` is marked.
    func list(userID: UUID, current: UUID?, _ page: PageRequest, logger: Logger) async throws -> Page<SessionView> {
        var binds = SQLBinds()
        let sql = """
            SELECT x.id, x.auth_method, x.device_type, x.browser, x.os, host(x.ip_address), x.created_at, x.last_active_at, x.expires_at,
                   \(page.selectKey)
            FROM auth.sessions x
            WHERE x.user_id = \(binds.add(userID)) AND x.revoked_at IS NULL AND x.expires_at > now() AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        let rows = try await self.postgres.query(binds.query(sql), logger: logger)
        var views: [(item: SessionView, key: String, id: UUID)] = []
        for try await row in rows.decode((UUID, String, String?, String?, String?, String?, Date, Date, Date, String).self) {
            let view = SessionView(
                id: row.0, current: row.0 == current, authMethod: row.1, deviceType: row.2, browser: row.3, os: row.4, ipAddress: row.5,
                createdAt: row.6, lastActiveAt: row.7, expiresAt: row.8
            )
            views.append((view, row.9, row.0))
        }
        return page.page(views)
    }

    /// Whether `sessionID` is a live session of `userID`.
    func isActive(_ sessionID: UUID, of userID: UUID, logger: Logger) async throws -> Bool {
        let rows = try await self.postgres.query(
            "SELECT 1 FROM auth.sessions WHERE id = \(sessionID) AND user_id = \(userID) AND revoked_at IS NULL",
            logger: logger
        )
        var exists = false
        for try await _ in rows { exists = true }
        return exists
    }

    /// The session a refresh token belongs to, if that token is its live one.
    func session(ofRefreshToken token: String, logger: Logger) async throws -> (sessionID: UUID, userID: UUID)? {
        let rows = try await self.postgres.query(
            """
            SELECT s.id, s.user_id FROM auth.refresh_tokens t JOIN auth.sessions s ON s.id = t.session_id
            WHERE t.token_hash = \(SecretToken.hash(token)) AND s.revoked_at IS NULL
            """,
            logger: logger
        )
        for try await (sessionID, userID) in rows.decode((UUID, UUID).self) { return (sessionID, userID) }
        return nil
    }
}
