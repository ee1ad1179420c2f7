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

/// The caller's sessions: list them, end one, end all the others, sign out. Mounted at `/v1/auth`.
struct SessionController: RouteController {
    let auth: AuthContext

    /// Only user tokens have sessions.
    static let userOnly = "Only user tokens have sessions."

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get("sessions", use: self.list).delete("sessions", use: self.revokeOthers)
            .delete("sessions/:id", use: self.revokeOne)
            .post("logout", use: self.logout)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<SessionView> {
        let userID = try context.identity.requireUser(Self.userOnly)
        let page = try PageRequest(request, order: .newestFirst)
        return try await self.auth.sessions.list(userID: userID, current: self.currentSession(context), page, logger: context.logger)
    }

    @Sendable func revokeOthers(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let userID = try context.identity.requireUser(Self.userOnly)
        try await self.revoke(userID: userID, context: context) { connection in
            try await self.auth.sessions.revokeAll(
                userID: userID, except: self.currentSession(context), reason: "signed_out_elsewhere", on: connection, logger: context.logger)
        }
        return .noContent
    }

    @Sendable func revokeOne(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let userID = try context.identity.requireUser(Self.userOnly)
        let sessionID = try context.parameters.uuid("id", "session")
        // Someone else's session is reported as missing, not forbidden: ids reveal nothing.
        guard try await self.auth.sessions.isActive(sessionID, of: userID, logger: context.logger) else {
            throw Problem.notFound("No such active session.")
        }
        try await self.revoke(userID: userID, context: context) { connection in
            try await self.auth.sessions.revoke(sessionID, reason: "revoked_by_user", on: connection, logger: context.logger) ? [sessionID] : []
        }
        return .noContent
    }

    @Sendable func logout(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let userID = try context.identity.requireUser(Self.userOnly)
        guard let current = self.currentSession(context) else { throw Problem.badRequest("This token has no session to end.") }
        try await self.revoke(userID: userID, context: context) { connection in
            try await self.auth.sessions.revoke(current, reason: "signed_out", on: connection, logger: context.logger) ? [current] : []
        }
        return .noContent
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
                try await self.auth.history.record(
                    .sessionRevoked, userID: userID, ip: nil, success: true, reason: "session \(sessionID)", on: connection, logger: context.logger)
                try await self.auth.outbox.publish(
                    SessionRevoked(userId: userID, sessionId: sessionID, reason: "signed_out"), on: connection, logger: context.logger)
            }
        }
    }
}
