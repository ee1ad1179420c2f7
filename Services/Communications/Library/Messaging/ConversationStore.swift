import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Reads and member-side changes of conversations: lists with unread counts, history, members,
/// read receipts, edits, deletes and leaving. Every question starts from the caller's current
/// membership, so a non-member (or one who left) gets the 404 of a conversation that does not exist.
struct ConversationStore: Sendable {
    let postgres: PostgresClient
    let conversations: Conversations

    var settings: MessagingSettings { self.conversations.settings }
    var clock: ServiceClock { self.conversations.clock }

    static let notFound = Problem.notFound("No conversation has this id.")
    static let messageNotFound = Problem.notFound("No message in this conversation has this id.")

    /// Most recent activity first. The key moves when a message arrives, so a conversation that
    /// gets one while a client pages may show again on the first page: the list is an inbox.
    static let activityOrder = Keyset("activity", key: "x.updated_at", type: "timestamptz", descending: true)
    /// History newest first: the cursor of one page is "before" the last message shown.
    static let historyOrder = Keyset("history", key: "x.seq", type: "bigint", descending: true)
    /// Members by user id.
    static let memberOrder = Keyset("member", key: "x.user_id", type: "uuid", descending: false, id: "x.user_id")

    /// A message as JSON, on the row alias `alias`. A deleted message is a tombstone: no body and no
    /// attachments, its place and sender kept. No sender is the Tract team.
    static func messageDocument(_ alias: String) -> String {
        """
        jsonb_build_object('id', \(alias).id, 'conversation_id', \(alias).conversation_id, 'seq', \(alias).seq,
            'sender_id', \(alias).sender_id, 'sent_by_team', \(alias).sender_id IS NULL, 'body', \(alias).body,
            'attachments', to_jsonb(\(alias).attachments), 'created_at', communications.rfc3339(\(alias).created_at),
            'edited_at', communications.rfc3339(\(alias).edited_at), 'deleted_at', communications.rfc3339(\(alias).deleted_at))
        """
    }

    /// The others' live messages after the member's read position: exact, since sequence numbers
    /// are given out in commit order under the conversation's lock.
    static let unreadSQL = """
        (SELECT count(*) FROM communications.messages u
         WHERE u.conversation_id = x.id AND u.seq > m.last_read_seq AND u.sender_id IS DISTINCT FROM m.user_id AND u.deleted_at IS NULL)
        """

    /// A conversation as its member `m` sees it.
    static let conversationDocument = """
        jsonb_build_object('id', x.id, 'kind', x.kind, 'name', x.name, 'property_id', x.property_id, 'created_by', x.created_by,
            'other_user_id', CASE WHEN x.kind = 'direct' THEN CASE WHEN x.pair_low = m.user_id THEN x.pair_high ELSE x.pair_low END END,
            'role', m.role,
            'member_count', (SELECT count(*) FROM communications.conversation_members c WHERE c.conversation_id = x.id AND c.left_at IS NULL),
            'unread_count', \(unreadSQL),
            'last_read_message_id', (SELECT r.id FROM communications.messages r WHERE r.conversation_id = x.id AND r.seq = m.last_read_seq),
            'last_message', (SELECT \(messageDocument("l")) FROM communications.messages l WHERE l.conversation_id = x.id AND l.seq = x.last_seq),
            'last_message_at', communications.rfc3339(x.last_message_at), 'created_at', communications.rfc3339(x.created_at))
        """

    static let memberJoin = "JOIN communications.conversation_members m ON m.conversation_id = x.id AND m.left_at IS NULL"

    func list(for user: UUID, kind: String?, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        let me = binds.add(user)
        let kindCondition = kind.map { "x.kind = \(binds.add($0))" } ?? "TRUE"
        let sql = """
            SELECT \(Self.conversationDocument)::text, \(page.selectKey), x.id
            FROM communications.conversations x \(Self.memberJoin) AND m.user_id = \(me)
            WHERE \(kindCondition) AND \(page.after(&binds)) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    func document(_ conversation: UUID, for user: UUID, on connection: PostgresConnection, logger: Logger) async throws -> String {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.conversationDocument)::text FROM communications.conversations x \(Self.memberJoin) AND m.user_id = $2
                    WHERE x.id = $1
                    """,
                binds: Self.binds(conversation, user)),
            logger: logger)
        for try await text in rows.decode(String.self) { return text }
        throw Self.notFound
    }

    func document(_ conversation: UUID, for user: UUID, logger: Logger) async throws -> String {
        try await self.postgres.withConnection { try await self.document(conversation, for: user, on: $0, logger: logger) }
    }

    /// Unread messages over all the user's conversations, and in how many.
    func unreadTotal(for user: UUID, logger: Logger) async throws -> String {
        let rows = try await self.postgres.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT jsonb_build_object('total', coalesce(sum(n), 0), 'conversations', count(*) FILTER (WHERE n > 0))::text
                    FROM (SELECT \(Self.unreadSQL) AS n FROM communications.conversations x \(Self.memberJoin) AND m.user_id = $1) counts
                    """,
                binds: Self.binds(user)),
            logger: logger)
        for try await text in rows.decode(String.self) { return text }
        return #"{"total":0,"conversations":0}"#
    }

    /// The caller's membership, or the 404.
    func requireMember(_ conversation: UUID, _ user: UUID, on connection: PostgresConnection, logger: Logger) async throws -> (
        kind: String, role: String
    ) {
        let rows = try await connection.query(
            """
            SELECT c.kind, m.role FROM communications.conversations c
            JOIN communications.conversation_members m ON m.conversation_id = c.id AND m.user_id = \(user) AND m.left_at IS NULL
            WHERE c.id = \(conversation)
            """,
            logger: logger)
        for try await (kind, role) in rows.decode((String, String).self) { return (kind, role) }
        throw Self.notFound
    }

    func requireMember(_ conversation: UUID, _ user: UUID, logger: Logger) async throws -> (kind: String, role: String) {
        try await self.postgres.withConnection { try await self.requireMember(conversation, user, on: $0, logger: logger) }
    }

    func messages(in conversation: UUID, for user: UUID, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        try await self.postgres.withConnection { connection in
            _ = try await self.requireMember(conversation, user, on: connection, logger: logger)
            var binds = SQLBinds()
            let sql = """
                SELECT \(Self.messageDocument("x"))::text, \(page.selectKey), x.id FROM communications.messages x
                WHERE x.conversation_id = \(binds.add(conversation)) AND \(page.after(&binds)) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
                """
            return try await connection.documentPage(binds.query(sql), page, logger: logger)
        }
    }

    func message(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> String {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: "SELECT \(Self.messageDocument("x"))::text FROM communications.messages x WHERE x.id = $1", binds: Self.binds(id)),
            logger: logger)
        for try await text in rows.decode(String.self) { return text }
        throw Self.messageNotFound
    }

    /// Members with their read receipts (the last message each has read).
    func members(of conversation: UUID, for user: UUID, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        try await self.postgres.withConnection { connection in
            _ = try await self.requireMember(conversation, user, on: connection, logger: logger)
            var binds = SQLBinds()
            let sql = """
                SELECT jsonb_build_object('id', x.user_id, 'user_id', x.user_id, 'role', x.role, 'joined_at', communications.rfc3339(x.joined_at),
                        'last_read_message_id', (SELECT r.id FROM communications.messages r WHERE r.conversation_id = x.conversation_id AND r.seq = x.last_read_seq),
                        'last_read_at', communications.rfc3339(x.last_read_at))::text,
                    \(page.selectKey), x.user_id
                FROM communications.conversation_members x
                WHERE x.conversation_id = \(binds.add(conversation)) AND x.left_at IS NULL AND \(page.after(&binds))
                ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
                """
            return try await connection.documentPage(binds.query(sql), page, logger: logger)
        }
    }

    /// Moves the member's read position forward to `message` (default: the latest); never back,
    /// so receipts arriving out of order cannot un-read anything. Returns the position's seq and
    /// whether it moved.
    func markRead(_ conversation: UUID, by user: UUID, upTo message: UUID?, on connection: PostgresConnection, logger: Logger) async throws
        -> (seq: Int64, moved: Bool)
    {
        _ = try await self.requireMember(conversation, user, on: connection, logger: logger)
        var seq: Int64?
        if let message {
            let rows = try await connection.query(
                "SELECT seq FROM communications.messages WHERE id = \(message) AND conversation_id = \(conversation)", logger: logger)
            for try await value in rows.decode(Int64.self) { seq = value }
            guard seq != nil else { throw Problem.validation(field: "message_id", "is not a message of this conversation") }
        } else {
            let rows = try await connection.query("SELECT last_seq FROM communications.conversations WHERE id = \(conversation)", logger: logger)
            for try await value in rows.decode(Int64.self) { seq = value }
        }
        let target = seq ?? 0
        let rows = try await connection.query(
            """
            UPDATE communications.conversation_members SET last_read_seq = \(target), last_read_at = \(self.clock.now)
            WHERE conversation_id = \(conversation) AND user_id = \(user) AND last_read_seq < \(target) RETURNING last_read_seq
            """,
            logger: logger)
        for try await value in rows.decode(Int64.self) { return (value, true) }
        return (target, false)
    }

    /// The sender's own message, still editable: within the window and not deleted.
    func edit(_ message: UUID, in conversation: UUID, by user: UUID, body: String, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await self.conversations.requireMayPost(user, in: conversation, on: connection, logger: logger)
        let now = self.clock.now
        let rows = try await connection.query(
            """
            SELECT sender_id, created_at, deleted_at IS NOT NULL FROM communications.messages
            WHERE id = \(message) AND conversation_id = \(conversation) FOR UPDATE
            """,
            logger: logger)
        var found: (UUID?, Date, Bool)?
        for try await row in rows.decode((UUID?, Date, Bool).self) { found = row }
        guard let (sender, createdAt, deleted) = found else { throw Self.messageNotFound }
        guard sender == user else { throw Problem.forbidden("Only its sender may edit a message.") }
        guard !deleted else { throw Problem.conflict("This message was deleted; it cannot be edited.") }
        guard now.timeIntervalSince(createdAt) <= Double(self.settings.editWindowSeconds) else {
            throw Problem.conflict(
                "A message can be edited for \(self.settings.editWindowSeconds / 60) minutes after it was sent; that time has passed.")
        }
        try await connection.query(
            "UPDATE communications.messages SET body = \(body), edited_at = \(now) WHERE id = \(message)", logger: logger)
    }

    /// Soft delete by its sender: the body and attachments go, the tombstone keeps its place.
    /// Deleting a deleted message changes nothing. Returns whether this call deleted it.
    func delete(_ message: UUID, in conversation: UUID, by user: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        _ = try await self.requireMember(conversation, user, on: connection, logger: logger)
        let rows = try await connection.query(
            "SELECT sender_id, deleted_at IS NOT NULL FROM communications.messages WHERE id = \(message) AND conversation_id = \(conversation) FOR UPDATE",
            logger: logger)
        var found: (UUID?, Bool)?
        for try await row in rows.decode((UUID?, Bool).self) { found = row }
        guard let (sender, deleted) = found else { throw Self.messageNotFound }
        guard sender == user else { throw Problem.forbidden("Only its sender may delete a message.") }
        if deleted { return false }
        try await connection.query(
            """
            UPDATE communications.messages SET body = NULL, attachments = '{}', deleted_at = \(self.clock.now)
            WHERE id = \(message)
            """,
            logger: logger)
        return true
    }

    /// Leaves a group or sponsor conversation. A direct conversation is not left (block the person
    /// instead); a team conversation belongs to the team inbox.
    func leave(_ conversation: UUID, user: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let (kind, _) = try await self.requireMember(conversation, user, on: connection, logger: logger)
        guard kind == "group" || kind == "sponsor" else {
            throw Problem.conflict(
                kind == "direct"
                    ? "A direct conversation cannot be left; remove the connection or block the person to stop their messages."
                    : "A team conversation is closed by the team.")
        }
        try await connection.query(
            """
            UPDATE communications.conversation_members SET left_at = \(self.clock.now)
            WHERE conversation_id = \(conversation) AND user_id = \(user)
            """,
            logger: logger)
    }

    /// The other current members of a conversation (who a change is announced to).
    func otherMembers(of conversation: UUID, than user: UUID?, on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        let rows = try await connection.query(
            """
            SELECT user_id FROM communications.conversation_members
            WHERE conversation_id = \(conversation) AND left_at IS NULL AND user_id IS DISTINCT FROM \(user)
            """,
            logger: logger)
        var users: [UUID] = []
        for try await user in rows.decode(UUID.self) { users.append(user) }
        return users
    }

    func directExists(_ user: UUID, _ other: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT id FROM communications.conversations
            WHERE kind = 'direct' AND pair_low = least(\(user), \(other)) AND pair_high = greatest(\(user), \(other))
            """,
            logger: logger
        ).collect()
        return !rows.isEmpty
    }

    /// The current members besides `users`, under the conversation's row lock, so two adders
    /// cannot pass the member limit together.
    func lockedMemberCount(_ conversation: UUID, besides users: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query(
            """
            SELECT (SELECT count(*) FROM communications.conversation_members m
                    WHERE m.conversation_id = c.id AND m.left_at IS NULL AND NOT m.user_id = ANY(\(users)::uuid[]))
            FROM communications.conversations c WHERE c.id = \(conversation) FOR UPDATE
            """,
            logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        throw Self.notFound
    }

    static func binds(_ values: UUID...) -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        return binds
    }
}
