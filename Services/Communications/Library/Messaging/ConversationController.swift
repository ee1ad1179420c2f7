import Foundation
import Hummingbird
import Logging
import Models
import ServiceKit

/// `/v1/communications/conversations`: a signed-in user's conversations and their messages.
/// Everything about a conversation is for its current members only; anyone else (staff included:
/// private conversations are private) gets the 404 of a conversation that does not exist.
struct ConversationController: RouteController {
    let store: ConversationStore
    let lookups: PropertyLookups
    let idempotency: IdempotentRequests

    var conversations: Conversations { self.store.conversations }
    var settings: MessagingSettings { self.store.settings }

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.open).get(use: self.list)
            .get("unread", use: self.unread)
            .get(":id", use: self.show)
            .get(":id/members", use: self.members).post(":id/members", use: self.addMembers)
            .post(":id/leave", use: self.leave)
            .post(":id/read", use: self.read)
            .get(":id/messages", use: self.history).post(":id/messages", use: self.post)
            .patch(":id/messages/:message_id", use: self.edit).delete(":id/messages/:message_id", use: self.delete)
    }

    // MARK: Conversations

    /// `{"kind": "direct", "user_id"}` (a connection; the existing conversation if there is one),
    /// `{"kind": "group", "name", "member_ids"}` (connections, up to the member limit) or
    /// `{"kind": "sponsor", "property_id"}` (ask the sponsor of a property the caller can see).
    @Sendable func open(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        var fields = try BodyFields(
            try await request.decode(as: JSONValue.self, context: context), allowed: ["kind", "user_id", "member_ids", "name", "property_id"],
            derived: ["id", "unread_count", "created_at"], required: ["kind"])
        let kind = fields.text("kind", max: 20, required: true)
        fields.errors.oneOf("kind", kind, ["direct", "group", "sponsor"])
        switch kind {
        case "direct":
            Self.refuse(["member_ids", "name", "property_id"], in: &fields, kind: "direct")
            let other = fields.uuid("user_id", required: true)
            if other == user { fields.add("user_id", "must be someone else") }
            try fields.check()
            guard let other else { throw Problem.validation(field: "user_id", "is required") }
            return try await self.openDirect(with: other, by: user, context: context)
        case "group":
            Self.refuse(["user_id", "property_id"], in: &fields, kind: "group")
            let name = fields.text("name", max: 200, required: true)
            let members = Self.uuids("member_ids", in: &fields, required: true).filter { $0 != user }
            if members.isEmpty, fields.errors.isEmpty { fields.add("member_ids", "must name at least one other person") }
            if members.count + 1 > self.settings.maxMembers {
                fields.add("member_ids", "a group has at most \(self.settings.maxMembers) members, you included")
            }
            try fields.check()
            return try await self.openGroup(name: name, members: members, by: user, context: context)
        case "sponsor":
            Self.refuse(["user_id", "member_ids", "name"], in: &fields, kind: "sponsor")
            let property = fields.uuid("property_id", required: true)
            try fields.check()
            guard let property else { throw Problem.validation(field: "property_id", "is required") }
            return try await self.askSponsor(of: property, by: user, context: context)
        default:
            try fields.check()
            throw Problem.validation(field: "kind", "is required")
        }
    }

    func openDirect(with other: UUID, by user: UUID, context: AuthenticatedContext) async throws -> JSONDocument {
        let logger = context.logger
        let (id, created) = try await self.store.postgres.transaction(logger: logger) { connection in
            // One answer whether never connected, disconnected or blocked: a block is not revealed.
            guard try await ConnectionStore.notConnected([other], to: user, on: connection, logger: logger).isEmpty else {
                throw Problem.forbidden("Direct messages are between connections, and you are not connected with this person.")
            }
            let existed = try await self.store.directExists(user, other, on: connection, logger: logger)
            let id = try await self.conversations.open(kind: "direct", name: nil, createdBy: user, members: [other], on: connection, logger: logger)
            return (id, !existed)
        }
        return try await self.respond(id, for: user, created: created, logger: logger)
    }

    func openGroup(name: String?, members: [UUID], by user: UUID, context: AuthenticatedContext) async throws -> JSONDocument {
        let logger = context.logger
        let id = try await self.store.postgres.transaction(logger: logger) { connection in
            let strangers = try await ConnectionStore.notConnected(members, to: user, on: connection, logger: logger)
            guard strangers.isEmpty else {
                throw Problem.validation(
                    field: "member_ids",
                    "must all be your connections; not: \(strangers.map { $0.uuidString.lowercased() }.sorted().joined(separator: ", "))")
            }
            return try await self.conversations.open(kind: "group", name: name, createdBy: user, members: members, on: connection, logger: logger)
        }
        return try await self.respond(id, for: user, created: true, logger: logger)
    }

    /// "Ask the sponsor": the property is looked up at properties before any transaction opens.
    func askSponsor(of property: UUID, by user: UUID, context: AuthenticatedContext) async throws -> JSONDocument {
        guard let snapshot = try await self.lookups.askableProperty(property, context: context.callContext) else {
            throw Problem.notFound("No property you can see has this id.")
        }
        guard snapshot.sponsorId != user else {
            throw Problem.validation(field: "property_id", "is your own property: investors ask its sponsor, that is you")
        }
        let logger = context.logger
        let (id, created) = try await self.store.postgres.transaction(logger: logger) { connection in
            if try await ConnectionStore.blocked(user, snapshot.sponsorId, on: connection, logger: logger) {
                throw Problem.forbidden("You cannot message this person.")
            }
            return try await self.conversations.openSponsor(
                property: property, name: snapshot.propertyName, asker: user, sponsor: snapshot.sponsorId, on: connection, logger: logger)
        }
        return try await self.respond(id, for: user, created: created, logger: logger)
    }

    func respond(_ id: UUID, for user: UUID, created: Bool, logger: Logger) async throws -> JSONDocument {
        JSONDocument(
            try await self.store.document(id, for: user, logger: logger), status: created ? .created : .ok,
            headers: [.location: "/v1/communications/conversations/\(id.uuidString.lowercased())"])
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        let kind = request.uri.queryParameters["kind"].map(String.init)
        var errors = FieldErrors()
        errors.oneOf("kind", kind, Conversations.kinds)
        try errors.check()
        return try await self.store.list(
            for: user, kind: kind, page: try PageRequest(request, order: ConversationStore.activityOrder), logger: context.logger)
    }

    @Sendable func unread(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        JSONDocument(try await self.store.unreadTotal(for: try context.identity.requireUser(), logger: context.logger))
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        return JSONDocument(try await self.store.document(try Self.id(context), for: user, logger: context.logger))
    }

    @Sendable func members(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        return try await self.store.members(
            of: try Self.id(context), for: user, page: try PageRequest(request, order: ConversationStore.memberOrder), logger: context.logger)
    }

    /// A group's member adds their own connections, up to the member limit.
    @Sendable func addMembers(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        let id = try Self.id(context)
        let logger = context.logger
        _ = try await self.store.requireMember(id, user, logger: logger)
        var fields = try BodyFields(try await request.decode(as: JSONValue.self, context: context), allowed: ["member_ids"], required: ["member_ids"])
        let members = Self.uuids("member_ids", in: &fields, required: true).filter { $0 != user }
        if members.isEmpty, fields.errors.isEmpty { fields.add("member_ids", "must name at least one other person") }
        try fields.check()
        try await self.store.postgres.transaction(logger: logger) { connection in
            let (kind, _) = try await self.store.requireMember(id, user, on: connection, logger: logger)
            guard kind == "group" else { throw Problem.conflict("Only a group conversation takes new members.") }
            let current = try await self.store.lockedMemberCount(id, besides: members, on: connection, logger: logger)
            guard current + members.count <= self.settings.maxMembers else {
                throw Problem.validation(field: "member_ids", "a group has at most \(self.settings.maxMembers) members")
            }
            let strangers = try await ConnectionStore.notConnected(members, to: user, on: connection, logger: logger)
            guard strangers.isEmpty else {
                throw Problem.validation(
                    field: "member_ids",
                    "must all be your connections; not: \(strangers.map { $0.uuidString.lowercased() }.sorted().joined(separator: ", "))")
            }
            try await self.conversations.addMembers(members, role: "member", to: id, rejoin: members, on: connection, logger: logger)
        }
        return JSONDocument(try await self.store.document(id, for: user, logger: logger))
    }

    @Sendable func leave(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let user = try context.identity.requireUser()
        let id = try Self.id(context)
        try await self.store.postgres.transaction(logger: context.logger) { connection in
            try await self.store.leave(id, user: user, on: connection, logger: context.logger)
        }
        return .noContent
    }

    /// Read receipt: `{"message_id"}` (default: the latest message).
    @Sendable func read(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        let id = try Self.id(context)
        _ = try await self.store.requireMember(id, user, logger: context.logger)
        var message: UUID?
        var request = request
        // The body is optional: an empty one (however it was framed) means "up to the latest".
        if try await request.collectBody(upTo: context.maxUploadSize).readableBytes > 0 {
            var fields = try BodyFields(try await request.decode(as: JSONValue.self, context: context), allowed: ["message_id"])
            message = fields.uuid("message_id")
            try fields.check()
        }
        let logger = context.logger
        return try await self.store.postgres.transaction(logger: logger) { connection in
            let (seq, moved) = try await self.store.markRead(id, by: user, upTo: message, on: connection, logger: logger)
            if moved {
                let others = try await self.store.otherMembers(of: id, than: user, on: connection, logger: logger)
                try await self.conversations.notices.conversationRead(id, by: user, upTo: seq, to: others, on: connection, logger: logger)
            }
            return JSONDocument(try await self.store.document(id, for: user, on: connection, logger: logger))
        }
    }

    // MARK: Messages

    @Sendable func history(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        return try await self.store.messages(
            in: try Self.id(context), for: user, page: try PageRequest(request, order: ConversationStore.historyOrder), logger: context.logger)
    }

    /// `{"body", "attachments": [document ids]}`. An `Idempotency-Key` makes a retry return the first answer.
    @Sendable func post(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        var request = request
        let user = try context.identity.requireUser()
        let id = try Self.id(context)
        let logger = context.logger
        // Membership first: a non-member learns nothing, not even what is wrong with their body.
        _ = try await self.store.requireMember(id, user, logger: logger)
        let claim = try await IdempotentRequests.claim(&request, owner: context.identity.subject, limit: context.maxUploadSize, required: false)
        var fields = try BodyFields(
            try await request.decode(as: JSONValue.self, context: context), allowed: ["body", "attachments"],
            derived: ["id", "seq", "sender_id", "created_at", "edited_at", "deleted_at"], required: ["body"])
        let body = self.body(in: &fields)
        let attachments = Self.uuids("attachments", in: &fields, required: false)
        if attachments.count > self.settings.maxAttachments {
            fields.add("attachments", "must be at most \(self.settings.maxAttachments) documents")
        }
        try fields.check()
        guard let body else { throw Problem.validation(field: "body", "is required") }
        // Properties is asked outside any transaction.
        if !attachments.isEmpty {
            let refused = try await self.lookups.unreadable(attachments, reader: context.identity, context: context.callContext)
            guard refused.isEmpty else {
                throw Problem.validation(
                    field: "attachments",
                    "must be documents you can read; not: \(refused.map { $0.uuidString.lowercased() }.sorted().joined(separator: ", "))")
            }
        }
        return try await self.store.postgres.transaction(logger: logger) { connection in
            try await self.idempotency.run(claim, on: connection, logger: logger) {
                let message = try await self.conversations.post(
                    to: id, sender: user, body: body, attachments: attachments, on: connection, logger: logger)
                return JSONDocument(
                    try await self.store.message(message, on: connection, logger: logger), status: .created,
                    headers: [
                        .location: "/v1/communications/conversations/\(id.uuidString.lowercased())/messages/\(message.uuidString.lowercased())"
                    ])
            }
        }
    }

    /// `{"body"}`: the sender's edit, within the edit window; `edited_at` shows it was edited.
    @Sendable func edit(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        let id = try Self.id(context)
        let message = try context.parameters.uuid("message_id", "message in this conversation")
        _ = try await self.store.requireMember(id, user, logger: context.logger)
        var fields = try BodyFields(
            try await request.decode(as: JSONValue.self, context: context), allowed: ["body"],
            derived: ["id", "seq", "sender_id", "attachments", "created_at", "edited_at", "deleted_at"], required: ["body"])
        let body = self.body(in: &fields)
        try fields.check()
        guard let body else { throw Problem.validation(field: "body", "is required") }
        let logger = context.logger
        return try await self.store.postgres.transaction(logger: logger) { connection in
            try await self.store.edit(message, in: id, by: user, body: body, on: connection, logger: logger)
            let others = try await self.store.otherMembers(of: id, than: user, on: connection, logger: logger)
            try await self.conversations.notices.messageChanged(
                "message.edited", message: message, in: id, to: others, on: connection, logger: logger)
            return JSONDocument(try await self.store.message(message, on: connection, logger: logger))
        }
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let user = try context.identity.requireUser()
        let id = try Self.id(context)
        let message = try context.parameters.uuid("message_id", "message in this conversation")
        let logger = context.logger
        try await self.store.postgres.transaction(logger: logger) { connection in
            guard try await self.store.delete(message, in: id, by: user, on: connection, logger: logger) else { return }
            let others = try await self.store.otherMembers(of: id, than: user, on: connection, logger: logger)
            try await self.conversations.notices.messageChanged(
                "message.deleted", message: message, in: id, to: others, on: connection, logger: logger)
        }
        return .noContent
    }

    // MARK: Reading bodies

    /// A message body: multi-line plain text within the length limit, no control characters.
    func body(in fields: inout BodyFields) -> String? {
        guard let value = fields.value("body") else {
            fields.add("body", "is required")
            return nil
        }
        guard case .string(let raw) = value else {
            fields.add("body", "must be a string")
            return nil
        }
        switch MessageText.check(raw, maxCharacters: self.settings.maxCharacters) {
        case .success(let text): return text
        case .failure(let refusal):
            fields.add("body", refusal.message)
            return nil
        }
    }

    /// A list of distinct ids.
    static func uuids(_ key: String, in fields: inout BodyFields, required: Bool) -> [UUID] {
        guard let value = fields.value(key) else {
            if required { fields.add(key, "is required: a list of ids") }
            return []
        }
        guard case .array(let items) = value, items.count <= 1000 else {
            fields.add(key, "must be a list of ids")
            return []
        }
        var ids: [UUID] = []
        for item in items {
            guard case .string(let text) = item, let id = UUID(uuidString: text) else {
                fields.add(key, "must be a list of ids")
                return []
            }
            ids.append(id)
        }
        return Conversations.distinct(ids)
    }

    static func refuse(_ keys: [String], in fields: inout BodyFields, kind: String) {
        for key in keys where fields.value(key) != nil { fields.add(key, "is not a field of a \(kind) conversation") }
    }

    static func id(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("id", "conversation")
    }
}
