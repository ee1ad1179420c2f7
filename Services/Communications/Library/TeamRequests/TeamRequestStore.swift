import Foundation
import HTTPTypes
import Logging
import Models
import PostgresNIO
import ServiceKit

/// SQL for `team_requests`. Each change is one transaction with what goes with it: the request and
/// its conversation, the mail it owes and `team_contact.requested`; an answer and its mail. Moves
/// are compare-and-swap `UPDATE`s, so two staff acting at once cannot leave a closed request open.
struct TeamRequestStore: Sendable {
    static let statuses = ["open", "assigned", "answered", "closed"]
    /// An answer is mailed whole to an anonymous visitor; the mail's variables hold at most 2000
    /// characters (`EmailTemplates.maximumVariableLength`).
    static let maximumAnswerLength = 2000

    let postgres: PostgresClient
    let outbox: OutboxPublisher
    let idempotency: IdempotentRequests
    let conversations: Conversations
    let clock: ServiceClock
    let ids: IDGenerator

    /// Stores the request with its conversation, owes the requester a confirmation and tells
    /// analytics, in one transaction (`TeamMailer` sends the mail). `limits` runs inside the
    /// idempotent work on the transaction, so a replayed retry is not counted again.
    func create(
        _ form: TeamRequestForm,
        requester: UUID?,
        claim: IdempotencyClaim,
        limits: (PostgresConnection) async throws -> Void,
        logger: Logger
    ) async throws -> JSONDocument {
        try await self.postgres.transaction(logger: logger) { connection in
            try await self.idempotency.run(claim, on: connection, logger: logger) {
                try await limits(connection)
                let id = self.ids.next()
                let now = self.clock.now
                let conversation = try await self.conversations.open(
                    kind: "team", name: "Team request: \(form.topic)", createdBy: requester, members: requester.map { [$0] } ?? [],
                    on: connection, logger: logger)
                let windows = String(decoding: try JSONEncoder.tract.encode(form.preferredTimes), as: UTF8.self)
                try await connection.query(
                    """
                    INSERT INTO communications.team_requests
                        (id, user_id, email, name, phone, topic, message, preferred_times, preferred_times_note, consent_at,
                         conversation_id, created_at, updated_at)
                    VALUES (\(id), \(requester), \(form.email), \(form.name), \(form.phone), \(form.topic), \(form.message),
                            \(windows)::jsonb, \(form.preferredTimesNote), CASE WHEN \(requester == nil) THEN \(now)::timestamptz END,
                            \(conversation), \(now), \(now))
                    """,
                    logger: logger
                )
                // A signed-in requester's words open their side of the conversation; an anonymous
                // visitor has no side (they are no member), and a message with no sender would read as the team's.
                if let requester {
                    _ = try await self.conversations.post(
                        to: conversation, sender: requester, body: form.message, attachments: [], on: connection, logger: logger)
                }
                var variables = ["topic": Self.topicLabel(form.topic), "reference": id.uuidString.lowercased()]
                if let name = form.name { variables["greeting_name"] = name }
                try await TeamMails.owe(
                    self.ids.next(), request: id, template: "team_request_received",
                    to: requester.map { .user($0) } ?? .address(form.email ?? ""), variables: variables, now: now,
                    on: connection, logger: logger)
                try await self.outbox.publish(
                    TeamContactRequested(requestId: id, userId: requester, topic: form.topic), on: connection, logger: logger)
                return JSONDocument(
                    try await Self.document(id, thread: false, on: connection, logger: logger), status: .created,
                    headers: [.location: "/v1/communications/team-requests/\(id.uuidString.lowercased())"])
            }
        }
    }

    /// Staff's inbox, newest first, optionally of one status.
    func list(status: String?, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        let filter = status.map { "x.status = \(binds.add($0))" } ?? "TRUE"
        let sql = """
            SELECT \(Self.documentSQL)::text, \(page.selectKey), x.id FROM communications.team_requests x
            WHERE \(filter) AND \(page.after(&binds)) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    /// A signed-in requester's own requests, newest first.
    func list(requester: UUID, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        let sql = """
            SELECT \(Self.documentSQL)::text, \(page.selectKey), x.id FROM communications.team_requests x
            WHERE x.user_id = \(binds.add(requester)) AND \(page.after(&binds)) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    /// One request with its thread, for staff or its own requester; 404 to anyone else.
    func document(_ id: UUID, visibleTo identity: Identity, logger: Logger) async throws -> String {
        try await self.postgres.withConnection { connection in
            if !identity.has(role: .admin) {
                var owner: UUID?
                let rows = try await connection.query("SELECT user_id FROM communications.team_requests WHERE id = \(id)", logger: logger)
                for try await user in rows.decode(UUID?.self) { owner = user }
                guard let owner, owner == identity.userID else { throw Self.notFound }
            }
            return try await Self.document(id, thread: true, on: connection, logger: logger)
        }
    }

    func assign(_ id: UUID, to assignee: UUID, logger: Logger) async throws -> String {
        let now = self.clock.now
        return try await self.postgres.withConnection { connection in
            let moved = try await connection.query(
                """
                UPDATE communications.team_requests
                SET assigned_to = \(assignee), assigned_at = \(now), updated_at = \(now),
                    status = CASE WHEN status = 'open' THEN 'assigned' ELSE status END
                WHERE id = \(id) AND status <> 'closed' RETURNING id
                """,
                logger: logger
            ).collect()
            if moved.isEmpty { try await Self.explainRefusal(id, on: connection, logger: logger) }
            return try await Self.document(id, thread: true, on: connection, logger: logger)
        }
    }

    /// Posts the answer into the conversation as the team (`sender: nil`, shown as "Tract team"; a
    /// signed-in requester gets it in-app), and owes an anonymous requester a mail of it.
    func answer(_ id: UUID, message: String, claim: IdempotencyClaim, logger: Logger) async throws -> JSONDocument {
        try await self.postgres.transaction(logger: logger) { connection in
            try await self.idempotency.run(claim, on: connection, logger: logger) {
                let rows = try await connection.query(
                    "SELECT conversation_id, status, email, name, topic FROM communications.team_requests WHERE id = \(id) FOR UPDATE",
                    logger: logger)
                var found: (UUID, String, String?, String?, String)?
                for try await row in rows.decode((UUID, String, String?, String?, String).self) { found = row }
                guard let (conversation, status, email, name, topic) = found else { throw Self.notFound }
                guard status != "closed" else { throw Self.closed }
                let now = self.clock.now
                _ = try await self.conversations.post(to: conversation, sender: nil, body: message, attachments: [], on: connection, logger: logger)
                try await connection.query(
                    """
                    UPDATE communications.team_requests SET status = 'answered', answered_at = \(now), updated_at = \(now) WHERE id = \(id)
                    """,
                    logger: logger
                )
                if let email {
                    var variables = ["topic": Self.topicLabel(topic), "answer": message, "reference": id.uuidString.lowercased()]
                    if let name { variables["greeting_name"] = name }
                    try await TeamMails.owe(
                        self.ids.next(), request: id, template: "team_request_answered", to: .address(email), variables: variables, now: now,
                        on: connection, logger: logger)
                }
                return JSONDocument(try await Self.document(id, thread: true, on: connection, logger: logger))
            }
        }
    }

    /// Closing a closed request changes nothing and answers the same.
    func close(_ id: UUID, logger: Logger) async throws -> String {
        let now = self.clock.now
        return try await self.postgres.withConnection { connection in
            let moved = try await connection.query(
                """
                UPDATE communications.team_requests
                SET status = 'closed', closed_at = COALESCE(closed_at, \(now)),
                    updated_at = CASE WHEN status = 'closed' THEN updated_at ELSE \(now) END
                WHERE id = \(id) RETURNING id
                """,
                logger: logger
            ).collect()
            guard !moved.isEmpty else { throw Self.notFound }
            return try await Self.document(id, thread: true, on: connection, logger: logger)
        }
    }

    static let notFound = Problem.notFound("No team request has this id.")
    static let closed = Problem.conflict("This team request is closed.")

    /// Why a move matched no row: no such request (404) or a closed one (409).
    static func explainRefusal(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Never {
        let exists = try await connection.query("SELECT 1 FROM communications.team_requests WHERE id = \(id)", logger: logger).collect()
        throw exists.isEmpty ? Self.notFound : Self.closed
    }

    /// The request's document; with `thread`, its conversation's messages too (`TeamThread`).
    static func document(_ id: UUID, thread: Bool, on connection: PostgresConnection, logger: Logger) async throws -> String {
        var binds = SQLBinds()
        let threadSQL = thread ? " || jsonb_build_object('thread', \(TeamThread.sql(conversation: "x.conversation_id")))" : ""
        let sql = "SELECT (\(Self.documentSQL)\(threadSQL))::text FROM communications.team_requests x WHERE x.id = \(binds.add(id))"
        for try await text in try await connection.query(binds.query(sql), logger: logger).decode(String.self) { return text }
        throw Self.notFound
    }

    static let documentSQL = """
        jsonb_build_object('id', x.id, 'status', x.status, 'topic', x.topic, 'message', x.message,
            'preferred_times', x.preferred_times, 'preferred_times_note', x.preferred_times_note, 'phone', x.phone, 'name', x.name,
            'user_id', x.user_id, 'email', x.email, 'assigned_to', x.assigned_to, 'conversation_id', x.conversation_id,
            'created_at', communications.rfc3339(x.created_at), 'updated_at', communications.rfc3339(x.updated_at),
            'assigned_at', communications.rfc3339(x.assigned_at), 'answered_at', communications.rfc3339(x.answered_at),
            'closed_at', communications.rfc3339(x.closed_at))
        """

    /// The topic as the mail says it ("opportunity zones").
    static func topicLabel(_ topic: String) -> String {
        topic.replacingOccurrences(of: "_", with: " ")
    }
}
