import Foundation
import Hummingbird
import Models
import ServiceKit

/// `/v1/communications/connections`: ask someone to connect (with a note), accept or decline what
/// others asked, withdraw or remove, and block. Direct messages are between connections
/// (LinkedIn-style rather than open DMs: investors are not to be cold-messaged), blocks always win.
struct ConnectionController: RouteController {
    let store: ConnectionStore
    let notices: MessagingNotices

    static let noteMaxCharacters = 500

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.request).get(use: self.list)
            .get("blocks", use: self.blocks).post("blocks", use: self.block).delete("blocks/:user_id", use: self.unblock)
            .get(":id", use: self.show).delete(":id", use: self.remove)
            .post(":id/accept", use: self.accept).post(":id/decline", use: self.decline)
    }

    @Sendable func request(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        var fields = try BodyFields(
            try await request.decode(as: JSONValue.self, context: context), allowed: ["user_id", "note"], required: ["user_id"])
        let addressee = fields.uuid("user_id", required: true)
        var note: String?
        if let value = fields.value("note") {
            if case .string(let raw) = value {
                switch MessageText.check(raw, maxCharacters: Self.noteMaxCharacters) {
                case .success(let text): note = text
                case .failure(let refusal): fields.add("note", refusal.message)
                }
            } else {
                fields.add("note", "must be a string")
            }
        }
        if addressee == user { fields.add("user_id", "must be someone else") }
        try fields.check()
        guard let addressee else { throw Problem.validation(field: "user_id", "is required") }
        let requested = try await self.store.postgres.transaction(logger: context.logger) { connection in
            let requested = try await self.store.request(from: user, to: addressee, note: note, on: connection, logger: context.logger)
            if requested.notify {
                try await self.notices.connectionRequested(
                    requested.id, from: user, to: addressee, note: note, at: self.store.clock.now, on: connection, logger: context.logger)
            }
            return requested
        }
        return JSONDocument(
            try await self.store.document(requested.id, for: user, logger: context.logger), status: requested.created ? .created : .ok,
            headers: [.location: "/v1/communications/connections/\(requested.id.uuidString.lowercased())"])
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        let query = request.uri.queryParameters
        var errors = FieldErrors()
        let status = query["status"].map(String.init)
        let direction = query["direction"].map(String.init)
        errors.oneOf("status", status, ["pending", "accepted", "declined"])
        errors.oneOf("direction", direction, ["incoming", "outgoing"])
        try errors.check()
        return try await self.store.list(
            for: user, status: status, direction: direction, page: try PageRequest(request, order: ConnectionStore.order), logger: context.logger)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        return JSONDocument(try await self.store.document(try Self.id(context), for: user, logger: context.logger))
    }

    @Sendable func remove(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let user = try context.identity.requireUser()
        try await self.store.remove(try Self.id(context), by: user, logger: context.logger)
        return .noContent
    }

    @Sendable func accept(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try await self.respond(context, status: "accepted")
    }

    @Sendable func decline(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try await self.respond(context, status: "declined")
    }

    func respond(_ context: AuthenticatedContext, status: String) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        let id = try Self.id(context)
        try await self.store.postgres.transaction(logger: context.logger) { connection in
            let requester = try await self.store.respond(id, by: user, status: status, on: connection, logger: context.logger)
            if status == "accepted" {
                try await self.notices.connectionAccepted(id, by: user, requester: requester, on: connection, logger: context.logger)
            }
        }
        return JSONDocument(try await self.store.document(id, for: user, logger: context.logger))
    }

    @Sendable func blocks(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        return try await self.store.blocks(by: user, page: try PageRequest(request, order: ConnectionStore.blockOrder), logger: context.logger)
    }

    @Sendable func block(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        var fields = try BodyFields(try await request.decode(as: JSONValue.self, context: context), allowed: ["user_id"], required: ["user_id"])
        let blocked = fields.uuid("user_id", required: true)
        if blocked == user { fields.add("user_id", "must be someone else") }
        try fields.check()
        guard let blocked else { throw Problem.validation(field: "user_id", "is required") }
        let created = try await self.store.block(blocked, by: user, logger: context.logger)
        return JSONDocument(
            #"{"user_id":"\#(blocked.uuidString.lowercased())"}"#, status: created ? .created : .ok)
    }

    @Sendable func unblock(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let user = try context.identity.requireUser()
        let blocked = try context.parameters.uuid("user_id", "block")
        try await self.store.unblock(blocked, by: user, logger: context.logger)
        return .noContent
    }

    static func id(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("id", "connection")
    }
}
