import Foundation
import HTTPTypes
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Connections between users and blocks (seed 001 users.connections), and the questions
/// messaging asks of them.
///
/// A block removes whatever connection or request stood between the two and keeps either from
/// messaging the other in a direct conversation. It is not revealed to the blocked: their direct
/// messages meet the same 403 as anyone's who is not connected, and a request they send is
/// answered like any request (201, pending) but stored hidden, so the blocker never sees it and
/// is not notified.
struct ConnectionStore: Sendable {
    let postgres: PostgresClient
    let clock: ServiceClock
    let ids: IDGenerator
    /// Requests one user may have waiting for an answer: requests notify, so this caps what one
    /// account can push into strangers' notifications (LinkedIn caps pending invitations too).
    var maxPending = 100

    static let notFound = Problem.notFound("No connection has this id.")
    static let order = Keyset.newestFirst
    static let blockOrder = Keyset("blocked", key: "x.created_at", type: "timestamptz", descending: true, id: "x.blocked_id")

    /// A connection as `user` sees it: the other person, which way the request went.
    static func document(for user: String) -> String {
        """
        jsonb_build_object('id', x.id, 'user_id', CASE WHEN x.requester_id = \(user) THEN x.addressee_id ELSE x.requester_id END,
            'direction', CASE WHEN x.requester_id = \(user) THEN 'outgoing' ELSE 'incoming' END,
            'status', x.status, 'note', x.note, 'created_at', communications.rfc3339(x.created_at),
            'responded_at', communications.rfc3339(x.responded_at))
        """
    }

    /// What `request` did: the connection's id, whether it is new, and whether the addressee is to
    /// hear of it (not when it is hidden).
    struct Requested: Sendable {
        var id: UUID
        var created: Bool
        var notify: Bool
    }

    func request(from requester: UUID, to addressee: UUID, note: String?, on connection: PostgresConnection, logger: Logger) async throws
        -> Requested
    {
        // Both directions of a pair serialise on one advisory lock, so two people asking each
        // other at once cannot make two rows (the unique index would turn one into a 500).
        try await connection.query(
            "SELECT pg_advisory_xact_lock(hashtextextended(least(\(requester), \(addressee))::text || greatest(\(requester), \(addressee))::text, 14))",
            logger: logger)
        let blocks = try await connection.query(
            """
            SELECT blocker_id FROM communications.blocks
            WHERE (blocker_id = \(requester) AND blocked_id = \(addressee)) OR (blocker_id = \(addressee) AND blocked_id = \(requester))
            """,
            logger: logger)
        var blockedBy: Set<UUID> = []
        for try await blocker in blocks.decode(UUID.self) { blockedBy.insert(blocker) }
        if blockedBy.contains(requester) { throw Problem.conflict("You block this person; unblock them before asking to connect.") }
        let hidden = blockedBy.contains(addressee)

        let existing = try await connection.query(
            """
            SELECT id, requester_id, status FROM communications.connections
            WHERE least(requester_id, addressee_id) = least(\(requester), \(addressee))
              AND greatest(requester_id, addressee_id) = greatest(\(requester), \(addressee))
            FOR UPDATE
            """,
            logger: logger)
        let now = self.clock.now
        for try await (id, asker, status) in existing.decode((UUID, UUID, String).self) {
            switch (status, asker == requester) {
            case ("accepted", _): throw Problem.conflict("You are connected with this person already.")
            case ("pending", true): return Requested(id: id, created: false, notify: false)
            case ("pending", false): throw Problem.conflict("This person has asked to connect with you: accept their request instead.")
            case ("declined", true): throw Problem.conflict("This person declined your request.")
            default:
                // They asked once and were declined by this requester, who now asks them.
                try await self.requireRoomForRequest(from: requester, on: connection, logger: logger)
                try await connection.query(
                    """
                    UPDATE communications.connections SET requester_id = \(requester), addressee_id = \(addressee), status = 'pending',
                        note = \(note), created_at = \(now), updated_at = \(now), responded_at = NULL, hidden = \(hidden)
                    WHERE id = \(id)
                    """,
                    logger: logger)
                return Requested(id: id, created: true, notify: !hidden)
            }
        }
        try await self.requireRoomForRequest(from: requester, on: connection, logger: logger)
        let id = self.ids.next()
        try await connection.query(
            """
            INSERT INTO communications.connections (id, requester_id, addressee_id, status, note, created_at, updated_at, hidden)
            VALUES (\(id), \(requester), \(addressee), 'pending', \(note), \(now), \(now), \(hidden))
            """,
            logger: logger)
        return Requested(id: id, created: true, notify: !hidden)
    }

    /// 429 when the requester has `maxPending` requests waiting already (hidden ones count: the
    /// answer must not differ for them).
    func requireRoomForRequest(from requester: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            SELECT count(*) FROM (
                SELECT 1 FROM communications.connections WHERE requester_id = \(requester) AND status = 'pending' LIMIT \(self.maxPending)
            ) waiting
            """,
            logger: logger)
        for try await waiting in rows.decode(Int.self) where waiting >= self.maxPending {
            throw Problem(
                .tooManyRequests,
                detail: "You have \(self.maxPending) connection requests waiting for an answer; withdraw some or wait for answers before asking more."
            )
        }
    }

    /// The addressee answers a pending request: `accepted` or `declined`.
    func respond(_ id: UUID, by user: UUID, status: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID {
        let rows = try await connection.query(
            """
            SELECT requester_id, addressee_id, status FROM communications.connections
            WHERE id = \(id) AND (requester_id = \(user) OR (addressee_id = \(user) AND NOT hidden)) FOR UPDATE
            """,
            logger: logger)
        for try await (requester, addressee, current) in rows.decode((UUID, UUID, String).self) {
            guard addressee == user else { throw Problem.forbidden("Only the person asked may answer a connection request.") }
            guard current == "pending" else { throw Problem.conflict("This request was answered already (\(current)).") }
            let now = self.clock.now
            try await connection.query(
                "UPDATE communications.connections SET status = \(status), responded_at = \(now), updated_at = \(now) WHERE id = \(id)",
                logger: logger)
            return requester
        }
        throw Self.notFound
    }

    /// Withdraws a request or removes a connection, by either of the two.
    func remove(_ id: UUID, by user: UUID, logger: Logger) async throws {
        let rows = try await self.postgres.query(
            """
            DELETE FROM communications.connections
            WHERE id = \(id) AND (requester_id = \(user) OR (addressee_id = \(user) AND NOT hidden)) RETURNING id
            """,
            logger: logger
        ).collect()
        guard !rows.isEmpty else { throw Self.notFound }
    }

    func document(_ id: UUID, for user: UUID, logger: Logger) async throws -> String {
        var binds = SQLBinds()
        let me = binds.add(user)
        let sql = """
            SELECT \(Self.document(for: me))::text FROM communications.connections x
            WHERE x.id = \(binds.add(id)) AND (x.requester_id = \(me) OR (x.addressee_id = \(me) AND NOT x.hidden))
            """
        for try await text in try await self.postgres.query(binds.query(sql), logger: logger).decode(String.self) { return text }
        throw Self.notFound
    }

    func list(for user: UUID, status: String?, direction: String?, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        let me = binds.add(user)
        var conditions = ["(x.requester_id = \(me) OR (x.addressee_id = \(me) AND NOT x.hidden))"]
        if let status { conditions.append("x.status = \(binds.add(status))") }
        switch direction {
        case "incoming": conditions.append("x.addressee_id = \(me)")
        case "outgoing": conditions.append("x.requester_id = \(me)")
        default: break
        }
        let sql = """
            SELECT \(Self.document(for: me))::text, \(page.selectKey), x.id FROM communications.connections x
            WHERE \(conditions.joined(separator: " AND ")) AND \(page.after(&binds)) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    /// Blocks `blocked`: any connection or request between the two goes. Returns whether the block is new.
    func block(_ blocked: UUID, by blocker: UUID, logger: Logger) async throws -> Bool {
        try await self.postgres.transaction(logger: logger) { connection in
            try await connection.query(
                """
                DELETE FROM communications.connections
                WHERE least(requester_id, addressee_id) = least(\(blocker), \(blocked))
                  AND greatest(requester_id, addressee_id) = greatest(\(blocker), \(blocked))
                """,
                logger: logger)
            let rows = try await connection.query(
                """
                INSERT INTO communications.blocks (blocker_id, blocked_id, created_at) VALUES (\(blocker), \(blocked), \(self.clock.now))
                ON CONFLICT DO NOTHING RETURNING blocked_id
                """,
                logger: logger
            ).collect()
            return !rows.isEmpty
        }
    }

    /// Lifts a block. Requests sent while it stood, which the blocker never saw, go too, so the
    /// other may ask again.
    func unblock(_ blocked: UUID, by blocker: UUID, logger: Logger) async throws {
        try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                "DELETE FROM communications.blocks WHERE blocker_id = \(blocker) AND blocked_id = \(blocked) RETURNING blocked_id", logger: logger
            ).collect()
            guard !rows.isEmpty else { throw Problem.notFound("You do not block this person.") }
            try await connection.query(
                "DELETE FROM communications.connections WHERE requester_id = \(blocked) AND addressee_id = \(blocker) AND hidden", logger: logger)
        }
    }

    func blocks(by user: UUID, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        let sql = """
            SELECT jsonb_build_object('id', x.blocked_id, 'user_id', x.blocked_id, 'created_at', communications.rfc3339(x.created_at))::text,
                \(page.selectKey), x.blocked_id
            FROM communications.blocks x WHERE x.blocker_id = \(binds.add(user)) AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    /// Which of `others` are not `user`'s accepted connections (a block removed any there was).
    static func notConnected(_ others: [UUID], to user: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        let rows = try await connection.query(
            """
            SELECT o FROM unnest(\(others)::uuid[]) AS o
            WHERE NOT EXISTS (
                SELECT 1 FROM communications.connections k
                WHERE k.status = 'accepted' AND least(k.requester_id, k.addressee_id) = least(o, \(user))
                  AND greatest(k.requester_id, k.addressee_id) = greatest(o, \(user)))
            """,
            logger: logger)
        var missing: [UUID] = []
        for try await id in rows.decode(UUID.self) { missing.append(id) }
        return missing
    }

    /// Whether either of the two blocks the other.
    static func blocked(_ a: UUID, _ b: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT 1 FROM communications.blocks
            WHERE (blocker_id = \(a) AND blocked_id = \(b)) OR (blocker_id = \(b) AND blocked_id = \(a))
            """,
            logger: logger
        ).collect()
        return !rows.isEmpty
    }
}
