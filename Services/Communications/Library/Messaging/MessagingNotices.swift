import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// What messaging tells people, in the transaction of the change: live-feed items for their open
/// clients and notifications (category `messages` or `connections`, in-app only: a private
/// message's text is not mailed).
struct MessagingNotices: Sendable {
    let live: LiveFeed
    let notifier: Notifier

    init(live: LiveFeed, notifier: Notifier) {
        self.live = live
        self.notifier = notifier
    }

    init(_ dependencies: ServiceDependencies) {
        self.init(live: LiveFeed(), notifier: Notifier(dependencies))
    }

    /// The message to the other members' open clients, and a notification to each. Notifications
    /// collapse per conversation: the key is the member's read position, so a burst of messages
    /// the member has not read yet makes one notification, and the next one after they read
    /// makes a new one.
    func messagePosted(
        _ posted: MessagePosted, to recipients: [(user: UUID, readSeq: Int64, first: Bool)], on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        guard !recipients.isEmpty else { return }
        let document = try await Self.messageJSON(posted.message, on: connection, logger: logger)
        try await self.live.append(
            LiveItem(kind: "message", id: posted.message, payload: document), to: recipients.map(\.user), on: connection, logger: logger)
        let conversation = posted.conversation.uuidString.lowercased()
        let title = posted.sender == nil ? "New message from the Tract team" : posted.title.map { "New message in \($0)" } ?? "New message"
        // The team's answers (no sender) are the `team` category, so muting members' chatter
        // does not also silence the answer to a request the user made.
        let (type, category): (String, NotificationCategory) =
            posted.sender == nil ? ("team_request.answered", .team) : ("message.received", .messages)
        let drafts = recipients.filter(\.first).map { recipient in
            NotificationDraft(
                userID: recipient.user, type: type, category: category, title: title,
                message: Self.preview(posted.text), actionURL: "/messages/\(conversation)",
                dedupeKey: "conversation:\(conversation):after:\(recipient.readSeq)")
        }
        guard !drafts.isEmpty else { return }
        _ = try await self.notifier.notify(drafts, on: connection, logger: logger)
    }

    /// An edit or a delete: the members' clients replace what they show with the message now.
    func messageChanged(
        _ kind: String, message: UUID, in conversation: UUID, to recipients: [UUID], on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !recipients.isEmpty else { return }
        let document = try await Self.messageJSON(message, on: connection, logger: logger)
        try await self.live.append(LiveItem(kind: kind, id: message, payload: document), to: recipients, on: connection, logger: logger)
    }

    /// A read receipt: the others' clients move this member's "seen" mark.
    func conversationRead(
        _ conversation: UUID, by user: UUID, upTo seq: Int64, to recipients: [UUID], on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !recipients.isEmpty else { return }
        let payload = JSONValue.object([
            "conversation_id": .string(conversation.uuidString.lowercased()), "user_id": .string(user.uuidString.lowercased()),
            "last_read_seq": .number(Double(seq)),
        ])
        try await self.live.append(
            LiveItem(kind: "conversation.read", id: conversation, payload: payload), to: recipients, on: connection, logger: logger)
    }

    /// The addressee hears of a request (never of a hidden one: the caller does not call this).
    func connectionRequested(
        _ id: UUID, from requester: UUID, to addressee: UUID, note: String?, at time: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let draft = NotificationDraft(
            userID: addressee, type: "connection.requested", category: .connections, title: "New connection request",
            message: note.map { "Someone asked to connect with you: \(Self.preview($0))" } ?? "Someone asked to connect with you.",
            actionURL: "/connections/\(id.uuidString.lowercased())",
            dedupeKey: "connection:\(id.uuidString.lowercased()):requested:\(Int(time.timeIntervalSince1970 * 1_000_000))")
        _ = try await self.notifier.notify([draft], on: connection, logger: logger)
    }

    func connectionAccepted(_ id: UUID, by addressee: UUID, requester: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let draft = NotificationDraft(
            userID: requester, type: "connection.accepted", category: .connections, title: "Connection accepted",
            message: "Your connection request was accepted; you can message each other now.",
            actionURL: "/connections/\(id.uuidString.lowercased())", dedupeKey: "connection:\(id.uuidString.lowercased()):accepted")
        _ = try await self.notifier.notify([draft], on: connection, logger: logger)
    }

    /// The first line of a text, at most 140 characters: a notification is a pointer, not the message.
    static func preview(_ text: String) -> String {
        let line = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        return line.count > 140 ? String(line.prefix(139)) + "…" : line
    }

    static func messageJSON(_ message: UUID, on connection: PostgresConnection, logger: Logger) async throws -> JSONValue {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: "SELECT \(ConversationStore.messageDocument("x"))::text FROM communications.messages x WHERE x.id = $1",
                binds: ConversationStore.binds(message)),
            logger: logger)
        for try await text in rows.decode(String.self) { return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }
        throw ConversationStore.messageNotFound
    }
}
