import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// A user's own notifications: the list, the unread count, marking read and deleting. Every
/// statement names the user, so another user's notification is the same 404 as none.
struct NotificationStore: Sendable {
    let postgres: PostgresClient
    let clock: ServiceClock

    /// At most this many ids in one "mark several read".
    static let maximumIDs = 200

    static let documentSQL = """
        jsonb_build_object('id', x.id, 'type', x.type, 'category', x.category, 'title', x.title, 'message', x.message,
            'action_url', x.action_url, 'priority', x.priority, 'channels', to_jsonb(x.channels), 'read', x.read_at IS NOT NULL,
            'read_at', to_char(x.read_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            'expires_at', to_char(x.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            'created_at', to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
        """

    /// What a user's list shows: theirs, not deleted, meant for the app, not expired.
    static func visible(_ binds: inout SQLBinds, user: UUID, now: Date) -> String {
        "x.user_id = \(binds.add(user)) AND x.deleted_at IS NULL AND 'in_app' = ANY (x.channels) AND (x.expires_at IS NULL OR x.expires_at > \(binds.add(now)))"
    }

    func list(user: UUID, unreadOnly: Bool, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        let sql = """
            SELECT \(Self.documentSQL)::text, \(page.selectKey), x.id FROM communications.notifications x
            WHERE \(Self.visible(&binds, user: user, now: self.clock.now)) \(unreadOnly ? "AND x.read_at IS NULL" : "")
              AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    func unreadCount(user: UUID, logger: Logger) async throws -> Int {
        var binds = SQLBinds()
        let sql =
            "SELECT count(*)::integer FROM communications.notifications x WHERE \(Self.visible(&binds, user: user, now: self.clock.now)) AND x.read_at IS NULL"
        for try await count in try await self.postgres.query(binds.query(sql), logger: logger).decode(Int.self) { return count }
        return 0
    }

    /// Marks one read (again is fine) and answers it.
    func markRead(_ id: UUID, user: UUID, logger: Logger) async throws -> String {
        var binds = SQLBinds()
        let now = binds.add(self.clock.now)
        let sql = """
            UPDATE communications.notifications x SET read_at = coalesce(x.read_at, \(now))
            WHERE x.id = \(binds.add(id)) AND x.user_id = \(binds.add(user)) AND x.deleted_at IS NULL
            RETURNING \(Self.documentSQL)::text
            """
        for try await document in try await self.postgres.query(binds.query(sql), logger: logger).decode(String.self) { return document }
        throw Problem.notFound("No notification has this id.")
    }

    /// Marks the user's unread ones among `ids` (all of them when nil) read; answers how many changed.
    func markRead(_ ids: [UUID]?, user: UUID, logger: Logger) async throws -> Int {
        var binds = SQLBinds()
        let now = binds.add(self.clock.now)
        let only = ids.map { "AND x.id = ANY(\(binds.add($0))::uuid[])" } ?? ""
        let sql = """
            WITH changed AS (
                UPDATE communications.notifications x SET read_at = \(now)
                WHERE x.user_id = \(binds.add(user)) AND x.read_at IS NULL AND x.deleted_at IS NULL \(only)
                RETURNING 1
            )
            SELECT count(*)::integer FROM changed
            """
        for try await count in try await self.postgres.query(binds.query(sql), logger: logger).decode(Int.self) { return count }
        return 0
    }

    /// Soft delete: the row stays for its mail's record until the purge takes it.
    func delete(_ id: UUID, user: UUID, logger: Logger) async throws {
        let rows = try await self.postgres.query(
            """
            UPDATE communications.notifications SET deleted_at = \(self.clock.now)
            WHERE id = \(id) AND user_id = \(user) AND deleted_at IS NULL RETURNING id
            """,
            logger: logger
        ).collect()
        guard !rows.isEmpty else { throw Problem.notFound("No notification has this id.") }
    }
}
