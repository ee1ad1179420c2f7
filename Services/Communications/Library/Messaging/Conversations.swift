import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Conversations and their messages (seed 001 users.conversations and users.messages), the one
/// way anything in communications opens a conversation or posts into one: the routes here, and
/// the team inbox (`team` conversations, whose staff answers have no sender).
///
/// Both calls run in the caller's transaction, so a message, its unread counts, its live-feed
/// entries and its notifications commit together or not at all.
struct Conversations: Sendable {
    static let kinds: Set<String> = ["direct", "group", "sponsor", "team"]

    let settings: MessagingSettings
    let clock: ServiceClock
    let ids: IDGenerator
    let notices: MessagingNotices

    init(settings: MessagingSettings, clock: ServiceClock, ids: IDGenerator, notices: MessagingNotices) {
        self.settings = settings
        self.clock = clock
        self.ids = ids
        self.notices = notices
    }

    init(_ dependencies: ServiceDependencies, settings: MessagingSettings = MessagingSettings()) {
        self.init(settings: settings, clock: dependencies.clock, ids: dependencies.ids, notices: MessagingNotices(dependencies))
    }

    /// Opens a conversation (`direct`, `group`, `team`; `sponsor` through `openSponsor`) with these
    /// members, `createdBy` among them when it is a user. A direct conversation has exactly two
    /// members and there is one per pair: opening it again returns the existing one (and brings
    /// back a member who had left it).
    func open(
        kind: String, name: String?, createdBy: UUID?, members: [UUID], on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID {
        var everyone = members
        if let createdBy, !everyone.contains(createdBy) { everyone.insert(createdBy, at: 0) }
        everyone = Self.distinct(everyone)
        let now = self.clock.now
        switch kind {
        case "direct":
            guard everyone.count == 2 else { throw Problem.validation(field: "members", "a direct conversation has exactly two people") }
            let (low, high) = everyone[0].uuidString < everyone[1].uuidString ? (everyone[0], everyone[1]) : (everyone[1], everyone[0])
            let id = self.ids.next()
            // Insert-or-find in one statement, so two people opening the same pair at once get one conversation.
            let rows = try await connection.query(
                """
                WITH created AS (
                    INSERT INTO communications.conversations (id, kind, created_by, pair_low, pair_high, created_at, updated_at)
                    VALUES (\(id), 'direct', \(createdBy), \(low), \(high), \(now), \(now))
                    ON CONFLICT (pair_low, pair_high) WHERE kind = 'direct' DO NOTHING RETURNING id
                )
                SELECT id FROM created
                UNION ALL SELECT id FROM communications.conversations WHERE kind = 'direct' AND pair_low = \(low) AND pair_high = \(high)
                """,
                logger: logger
            )
            var found: UUID?
            for try await value in rows.decode(UUID.self) where found == nil { found = value }
            // A concurrent opener's row is not visible to this statement's snapshot: ask again.
            if found == nil {
                let again = try await connection.query(
                    "SELECT id FROM communications.conversations WHERE kind = 'direct' AND pair_low = \(low) AND pair_high = \(high)",
                    logger: logger)
                for try await value in again.decode(UUID.self) { found = value }
            }
            guard let conversation = found else { throw Problem.conflict("The conversation could not be opened; try again.") }
            try await self.addMembers(
                everyone, role: "member", to: conversation, rejoin: createdBy.map { [$0] } ?? [], on: connection, logger: logger)
            return conversation
        case "group", "team":
            if kind == "group" {
                guard everyone.count >= 2 else { throw Problem.validation(field: "members", "a group needs at least one other member") }
                guard everyone.count <= self.settings.maxMembers else {
                    throw Problem.validation(field: "members", "a group has at most \(self.settings.maxMembers) members, its creator included")
                }
            }
            let id = self.ids.next()
            try await connection.query(
                """
                INSERT INTO communications.conversations (id, kind, name, created_by, created_at, updated_at)
                VALUES (\(id), \(kind), \(name), \(createdBy), \(now), \(now))
                """,
                logger: logger
            )
            if let createdBy { try await self.addMembers([createdBy], role: "owner", to: id, rejoin: [], on: connection, logger: logger) }
            try await self.addMembers(everyone.filter { $0 != createdBy }, role: "member", to: id, rejoin: [], on: connection, logger: logger)
            return id
        default:
            throw Problem.validation(field: "kind", "must be one of: direct, group, team")
        }
    }

    /// "Ask the sponsor": the investor's conversation with the sponsor of a property, one per
    /// investor and property (asking again returns it).
    func openSponsor(
        property: UUID, name: String, asker: UUID, sponsor: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws -> (id: UUID, created: Bool) {
        let id = self.ids.next()
        let now = self.clock.now
        let rows = try await connection.query(
            """
            INSERT INTO communications.conversations (id, kind, name, created_by, property_id, created_at, updated_at)
            VALUES (\(id), 'sponsor', \(name), \(asker), \(property), \(now), \(now))
            ON CONFLICT (property_id, created_by) WHERE kind = 'sponsor' DO NOTHING RETURNING id
            """,
            logger: logger
        )
        if try await rows.collect().count == 1 {
            try await self.addMembers([asker], role: "owner", to: id, rejoin: [], on: connection, logger: logger)
            try await self.addMembers([sponsor], role: "sponsor", to: id, rejoin: [], on: connection, logger: logger)
            return (id, true)
        }
        let existing = try await connection.query(
            "SELECT id FROM communications.conversations WHERE kind = 'sponsor' AND property_id = \(property) AND created_by = \(asker)",
            logger: logger)
        for try await value in existing.decode(UUID.self) {
            try await self.addMembers([asker], role: "owner", to: value, rejoin: [asker], on: connection, logger: logger)
            return (value, false)
        }
        throw Problem.conflict("The conversation could not be opened; try again.")
    }

    /// Adds members in one statement; those in `rejoin` who had left are members again. A member
    /// starts having read what was said before they joined: the history is theirs to read, but it
    /// is not news.
    func addMembers(
        _ users: [UUID], role: String, to conversation: UUID, rejoin: [UUID], on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !users.isEmpty else { return }
        let now = self.clock.now
        try await connection.query(
            """
            INSERT INTO communications.conversation_members (conversation_id, user_id, role, joined_at, last_read_seq)
            SELECT \(conversation), u, \(role), \(now), c.last_seq
            FROM unnest(\(users)::uuid[]) AS u, communications.conversations c WHERE c.id = \(conversation)
            ON CONFLICT (conversation_id, user_id) DO UPDATE SET left_at = NULL, joined_at = \(now), last_read_seq = EXCLUDED.last_read_seq
            WHERE communications.conversation_members.left_at IS NOT NULL
              AND communications.conversation_members.user_id = ANY(\(rejoin)::uuid[])
            """,
            logger: logger
        )
    }

    /// Posts a message (sender nil = the team, for staff answers shown as "Tract team"): the body
    /// is checked here too (plain text, the length limit), the sender must be a member, and in a
    /// conversation between two people neither may have blocked the other (a direct one also
    /// needs them connected). The message takes the conversation's next sequence number under its
    /// row lock, which is what keeps every member's unread count exact; its members' live feeds
    /// and notifications are written in the same transaction. `attachments`: media document ids
    /// the caller has already checked the sender may see (a check that calls properties, so it is
    /// made before the transaction).
    func post(
        to conversation: UUID, sender: UUID?, body: String, attachments: [UUID], on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID {
        let text: String
        switch MessageText.check(body, maxCharacters: self.settings.maxCharacters) {
        case .success(let checked): text = checked
        case .failure(let refusal): throw Problem.validation(field: "body", refusal.message)
        }
        guard attachments.count <= self.settings.maxAttachments else {
            throw Problem.validation(field: "attachments", "must be at most \(self.settings.maxAttachments) documents")
        }
        if let sender { try await self.requireMayPost(sender, in: conversation, on: connection, logger: logger) }
        let now = self.clock.now
        let id = self.ids.next()
        // The row lock taken here orders every post in this conversation: seq is gapless and
        // increases in commit order, so "unread = others' messages after my read seq" is exact.
        let rows = try await connection.query(
            """
            WITH bumped AS (
                UPDATE communications.conversations SET last_seq = last_seq + 1, last_message_at = \(now), updated_at = \(now)
                WHERE id = \(conversation) RETURNING id, last_seq, name
            ), added AS (
                INSERT INTO communications.messages (id, conversation_id, seq, sender_id, body, attachments, created_at)
                SELECT \(id), bumped.id, bumped.last_seq, \(sender), \(text), \(Self.distinct(attachments))::uuid[], \(now) FROM bumped
            )
            SELECT last_seq, name FROM bumped
            """,
            logger: logger
        )
        var posted: MessagePosted?
        for try await (seq, name) in rows.decode((Int64, String?).self) {
            posted = MessagePosted(conversation: conversation, message: id, seq: seq, sender: sender, text: text, title: name)
        }
        guard let posted else { throw Problem.notFound("No conversation has this id.") }
        try await self.deliver(posted, on: connection, logger: logger)
        return id
    }

    /// The sender is a current member, and no block (or, in a direct conversation, no missing
    /// connection) stands between them and the other member. Every refusal a non-member could
    /// see is the 404 of a conversation that does not exist.
    func requireMayPost(_ sender: UUID, in conversation: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            SELECT c.kind,
                EXISTS (SELECT 1 FROM communications.conversation_members o
                        JOIN communications.blocks b ON (b.blocker_id = o.user_id AND b.blocked_id = \(sender))
                                                     OR (b.blocker_id = \(sender) AND b.blocked_id = o.user_id)
                        WHERE o.conversation_id = c.id AND o.user_id <> \(sender) AND c.kind IN ('direct', 'sponsor')),
                c.kind <> 'direct' OR EXISTS (
                    SELECT 1 FROM communications.connections k
                    WHERE least(k.requester_id, k.addressee_id) = c.pair_low AND greatest(k.requester_id, k.addressee_id) = c.pair_high
                      AND k.status = 'accepted')
            FROM communications.conversations c
            JOIN communications.conversation_members m ON m.conversation_id = c.id AND m.user_id = \(sender) AND m.left_at IS NULL
            WHERE c.id = \(conversation)
            """,
            logger: logger
        )
        for try await (kind, blocked, connected) in rows.decode((String, Bool, Bool).self) {
            // One answer for "blocked" and "not connected" in a direct conversation: the blocked
            // cannot tell a block from a removed connection.
            if kind == "direct", blocked || !connected {
                throw Problem.forbidden("Direct messages are between connections, and you are not connected with this person.")
            }
            if blocked { throw Problem.forbidden("You cannot message this person.") }
            return
        }
        throw Problem.notFound("No conversation has this id.")
    }

    /// A new message's other current members: their live feeds, and a notification for those to
    /// whom it is the first unread message from someone else (the others were notified of this
    /// unread streak already, and the notifier would only find the same dedupe key).
    func deliver(_ posted: MessagePosted, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            SELECT m.user_id, m.last_read_seq, NOT EXISTS (
                SELECT 1 FROM communications.messages g
                WHERE g.conversation_id = m.conversation_id AND g.seq > m.last_read_seq AND g.seq < \(posted.seq)
                  AND g.sender_id IS DISTINCT FROM m.user_id)
            FROM communications.conversation_members m
            WHERE m.conversation_id = \(posted.conversation) AND m.left_at IS NULL AND m.user_id IS DISTINCT FROM \(posted.sender)
            """,
            logger: logger)
        var recipients: [(user: UUID, readSeq: Int64, first: Bool)] = []
        for try await (user, readSeq, first) in rows.decode((UUID, Int64, Bool).self) { recipients.append((user, readSeq, first)) }
        try await self.notices.messagePosted(posted, to: recipients, on: connection, logger: logger)
    }

    static func distinct(_ ids: [UUID]) -> [UUID] {
        var seen = Set<UUID>()
        return ids.filter { seen.insert($0).inserted }
    }
}

/// What a post tells the other members.
struct MessagePosted: Sendable {
    var conversation: UUID
    var message: UUID
    var seq: Int64
    var sender: UUID?
    var text: String
    /// The conversation's name, if it has one (a group's, a property's).
    var title: String?
}
