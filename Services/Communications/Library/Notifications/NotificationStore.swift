import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// A user's own notifications: the list, the unread count, marking read and deleting. Every
/// statement names the user, so another user's notification is the same 404 as none.
///
/// Marking read is told to the user's other open clients through the live feed
/// (`notification.read`: the ids and the new unread count), in the same transaction, so every
/// badge agrees.
struct NotificationStore: Sendable {
    let postgres: PostgresClient
    let clock: ServiceClock
    let ids: IDGenerator
    var live = LiveFeed()

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
        try await self.postgres.transaction(logger: logger) { connection in
            var binds = SQLBinds()
            let now = binds.add(self.clock.now)
            let sql = """
                WITH before AS (SELECT read_at FROM communications.notifications WHERE id = \(binds.add(id)))
                UPDATE communications.notifications x SET read_at = coalesce(x.read_at, \(now))
                WHERE x.id = \(binds.add(id)) AND x.user_id = \(binds.add(user)) AND x.deleted_at IS NULL
                RETURNING \(Self.documentSQL)::text, (SELECT read_at IS NULL FROM before)
                """
            for try await (document, changed) in try await connection.query(binds.query(sql), logger: logger).decode((String, Bool).self) {
                if changed { try await self.tell(user, read: [id], on: connection, logger: logger) }
                return document
            }
            throw Problem.notFound("No notification has this id.")
        }
    }

    /// Marks the user's unread ones among `ids` (all of them when nil) read; answers how many changed.
    func markRead(_ ids: [UUID]?, user: UUID, logger: Logger) async throws -> Int {
        try await self.postgres.transaction(logger: logger) { connection in
            var binds = SQLBinds()
            let now = binds.add(self.clock.now)
            let only = ids.map { "AND x.id = ANY(\(binds.add($0))::uuid[])" } ?? ""
            let sql = """
                UPDATE communications.notifications x SET read_at = \(now)
                WHERE x.user_id = \(binds.add(user)) AND x.read_at IS NULL AND x.deleted_at IS NULL \(only)
                RETURNING x.id
                """
            var changed: [UUID] = []
            for try await id in try await connection.query(binds.query(sql), logger: logger).decode(UUID.self) { changed.append(id) }
            if !changed.isEmpty { try await self.tell(user, read: changed, on: connection, logger: logger) }
            return changed.count
        }
    }

    /// `notification.read` to the user's live feed: which were read and how many are left.
    private func tell(_ user: UUID, read: [UUID], on connection: PostgresConnection, logger: Logger) async throws {
        var binds = SQLBinds()
        let sql =
            "SELECT count(*)::integer FROM communications.notifications x WHERE \(Self.visible(&binds, user: user, now: self.clock.now)) AND x.read_at IS NULL"
        var unread = 0
        for try await count in try await connection.query(binds.query(sql), logger: logger).decode(Int.self) { unread = count }
        // A long list (mark all read) is said as `all`: the count is what a badge needs.
        let payload = JSONValue.object(
            read.count > NotificationStore.maximumIDs
                ? ["all": .bool(true), "unread_count": .number(Double(unread))]
                : ["ids": .array(read.map { .string($0.uuidString.lowercased()) }), "unread_count": .number(Double(unread))])
        try await self.live.append(
            LiveItem(kind: "notification.read", id: self.ids.next(), payload: payload), to: [user], on: connection, logger: logger)
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
