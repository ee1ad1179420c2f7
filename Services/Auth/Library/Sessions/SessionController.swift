import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

struct SessionView: Codable, Sendable {
    var id: UUID
    var current: Bool
    var authMethod: String
    var deviceType: String?
    var browser: String?
    var os: String?
    var ipAddress: String?
    var createdAt: Date
    var lastActiveAt: Date
    var expiresAt: Date
}

struct LogoutRequest: Decodable, Sendable {
    var refreshToken: String?
}

/// The caller's sessions: list them, end one, end all the others, sign out.
struct SessionRoutes: Sendable {
    let auth: AuthContext

    func addRoutes(to router: Router<TractRequestContext>) {
        let sessions = router.group("v1/auth/sessions", context: AuthenticatedContext.self)
        sessions.get { request, context in
            let page = try OldPageRequest(request)
            return try await self.list(context, page: page)
        }
        sessions.delete { _, context -> HTTPResponse.Status in
            let userID = try self.userID(context)
            try await self.revoke(userID: userID, context: context) { connection in
                try await self.auth.sessions.revokeAll(userID: userID, except: self.currentSession(context), reason: "signed_out_elsewhere", on: connection, logger: context.logger)
            }
            return .noContent
        }
        sessions.delete(":id") { _, context -> HTTPResponse.Status in
            let userID = try self.userID(context)
            let sessionID = try context.parameters.require("id", as: UUID.self)
            let owned = try await self.auth.postgres.query(
                "SELECT 1 FROM auth.sessions WHERE id = \(sessionID) AND user_id = \(userID) AND revoked_at IS NULL",
                logger: context.logger
            )
            var exists = false
            for try await _ in owned { exists = true }
            // Someone else's session is reported as missing, not forbidden: ids reveal nothing.
            guard exists else { throw Problem.notFound("No such active session.") }
            try await self.revoke(userID: userID, context: context) { connection in
                try await self.auth.sessions.revoke(sessionID, reason: "revoked_by_user", on: connection, logger: context.logger) ? [sessionID] : []
            }
            return .noContent
        }
        router.group("v1/auth/logout", context: AuthenticatedContext.self).post { _, context -> HTTPResponse.Status in
            let userID = try self.userID(context)
            guard let current = self.currentSession(context) else { throw Problem.badRequest("This token has no session to end.") }
            try await self.revoke(userID: userID, context: context) { connection in
                try await self.auth.sessions.revoke(current, reason: "signed_out", on: connection, logger: context.logger) ? [current] : []
            }
            return .noContent
        }
    }

    func userID(_ context: AuthenticatedContext) throws -> UUID {
        guard let id = context.identity.userID else { throw Problem.forbidden("Only user tokens have sessions.") }
        return id
    }

    func currentSession(_ context: AuthenticatedContext) -> UUID? {
        context.identity.sessionID.flatMap(UUID.init(uuidString:))
    }

    /// Revokes in one transaction with the history rows and `session.revoked` events.
    func revoke(
        userID: UUID,
        context: AuthenticatedContext,
        _ body: @escaping (PostgresConnection) async throws -> [UUID]
    ) async throws {
        try await self.auth.postgres.transaction(logger: context.logger) { connection in
            for sessionID in try await body(connection) {
                try await self.auth.history.record(.sessionRevoked, userID: userID, ip: nil, success: true, reason: "session \(sessionID)", on: connection, logger: context.logger)
                try await self.auth.outbox.publish(SessionRevoked(userId: userID, sessionId: sessionID, reason: "signed_out"), on: connection, logger: context.logger)
            }
        }
    }

    func list(_ context: AuthenticatedContext, page: OldPageRequest) async throws -> Page<SessionView> {
        let userID = try self.userID(context)
        let current = self.currentSession(context)
        let rows = try await self.auth.postgres.query(
            """
            SELECT id, auth_method, device_type, browser, os, host(ip_address), created_at, last_active_at, expires_at
            FROM auth.sessions
            WHERE user_id = \(userID) AND revoked_at IS NULL AND expires_at > now()
              AND (\(page.cursor?.createdAt)::timestamptz IS NULL OR (created_at, id) < (\(page.cursor?.createdAt), \(page.cursor?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(page.limit + 1)
            """,
            logger: context.logger
        )
        var views: [SessionView] = []
        for try await row in rows.decode((UUID, String, String?, String?, String?, String?, Date, Date, Date).self) {
            views.append(SessionView(id: row.0, current: row.0 == current, authMethod: row.1, deviceType: row.2, browser: row.3, os: row.4, ipAddress: row.5, createdAt: row.6, lastActiveAt: row.7, expiresAt: row.8))
        }
        return Cursor.page(views, limit: page.limit) { Cursor(createdAt: $0.createdAt, id: $0.id) }
    }
}
