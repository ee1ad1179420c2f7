import Foundation
import Hummingbird
import Logging
import Models
import ServiceKit

/// `/v1/communications/notifications`: a signed-in user's notifications — the list (newest
/// first, `?unread=true`, cursor pages), the unread count, marking one, several or all read, and
/// deleting — and, for staff, creating one for a user or for every member of an analytics segment.
struct NotificationController: RouteController {
    let store: NotificationStore
    let staff: StaffNotifications

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.list)
            .post(use: self.create)
            .get("unread-count", use: self.unreadCount)
            .post("read", use: self.markSeveralRead)
            .post(":id/read", use: self.markRead)
            .delete(":id", use: self.delete)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        let unread: Bool
        switch request.uri.queryParameters["unread"].map(String.init) {
        case nil, "false": unread = false
        case "true": unread = true
        default: throw Problem.validation(field: "unread", "must be true or false")
        }
        return try await self.store.list(user: user, unreadOnly: unread, page: try PageRequest(request), logger: context.logger)
    }

    @Sendable func unreadCount(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let count = try await self.store.unreadCount(user: try context.identity.requireUser(), logger: context.logger)
        return JSONDocument(#"{"unread_count":\#(count)}"#)
    }

    @Sendable func markRead(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        let id = try context.parameters.uuid("id", "notification")
        return JSONDocument(try await self.store.markRead(id, user: user, logger: context.logger))
    }

    /// `{"ids": [...]}` (at most 200) or `{"all": true}`.
    @Sendable func markSeveralRead(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        var fields = try BodyFields(try await request.decode(as: JSONValue.self, context: context), allowed: ["ids", "all"])
        var ids: [UUID]?
        switch (fields.value("ids"), fields.value("all")) {
        case (.array(let values)?, nil):
            if values.isEmpty || values.count > NotificationStore.maximumIDs {
                fields.add("ids", "must list 1 to \(NotificationStore.maximumIDs) notification ids")
            }
            var parsed: [UUID] = []
            for (index, value) in values.enumerated() {
                guard case .string(let text) = value, let id = UUID(uuidString: text) else {
                    fields.add("ids[\(index)]", "must be a UUID")
                    continue
                }
                parsed.append(id)
            }
            ids = parsed
        case (nil, .bool(true)?):
            ids = nil
        case (nil, nil):
            fields.add("ids", "is required: the ids to mark read, or \"all\": true")
        default:
            fields.add("all", "must be true, and not sent with ids")
        }
        try fields.check()
        let count = try await self.store.markRead(ids, user: user, logger: context.logger)
        return JSONDocument(#"{"marked_read":\#(count)}"#)
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let user = try context.identity.requireUser()
        try await self.store.delete(try context.parameters.uuid("id", "notification"), user: user, logger: context.logger)
        return .noContent
    }

    /// Staff only: one user (`user_id`) or a segment's members (`segment_id`).
    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRole(.admin)
        let body = try StaffNotificationBody.read(try await request.decode(as: JSONValue.self, context: context), now: self.staff.clock.now)
        let key = try IdempotentRequests.key(from: request, required: false)
        let outcome = try await self.staff.create(body, by: context.identity.subject, idempotencyKey: key, context: context)
        return JSONDocument(
            #"{"id":"\#(outcome.id.uuidString.lowercased())","recipients":\#(outcome.recipients),"created":\#(outcome.created)}"#,
            status: .created)
    }
}
