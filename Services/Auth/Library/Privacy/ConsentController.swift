import Foundation
import Hummingbird
import Logging
import Models
import ServiceKit

/// The signed-in user's consents (issue 16, privacy): the current state of each kind, changes,
/// and the history. Mounted at `/v1/auth/me/consents`.
struct ConsentController: RouteController {
    let auth: AuthContext
    let consents: Consents

    init(auth: AuthContext) {
        self.auth = auth
        self.consents = Consents(postgres: auth.postgres, ids: auth.ids)
    }

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.show)
            .put(use: self.change)
            .get("history", use: self.history)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> ConsentState {
        try await self.consents.current(userID: Self.userID(context), logger: context.logger)
    }

    /// Records each statement that differs from the kind's current state, with the caller's IP,
    /// all in one transaction.
    @Sendable func change(_ request: Request, context: AuthenticatedContext) async throws -> ConsentState {
        let userID = try Self.userID(context)
        let changes = try await request.decode(as: ConsentChanges.self, context: context)
        try changes.check()
        let ip = self.auth.clientIP(request, context)
        try await self.auth.postgres.transaction(logger: context.logger) { connection in
            for (kind, statement) in changes.statements {
                let added = try await self.consents.record(kind, statement, userID: userID, ip: ip, on: connection, logger: context.logger)
                guard added else { continue }
                try await AuditLog.record(
                    AuditEntry(
                        action: "consent.changed", actor: .user(userID), target: .user(userID),
                        after: ["kind": kind.rawValue, "version": statement.version, "granted": String(statement.granted)],
                        request: AuditRequest(requestID: context.requestID, ip: ip)),
                    on: connection, logger: context.logger)
            }
        }
        return try await self.consents.current(userID: userID, logger: context.logger)
    }

    @Sendable func history(_ request: Request, context: AuthenticatedContext) async throws -> Page<ConsentHistoryEntry> {
        let page = try PageRequest(request, order: .newestFirst)
        return try await self.consents.history(userID: Self.userID(context), page, logger: context.logger)
    }

    /// Consents are a person's: a service token has none.
    static func userID(_ context: AuthenticatedContext) throws -> UUID {
        guard let id = context.identity.userID else { throw Problem.unauthorized("This token does not belong to a user account.") }
        return id
    }
}
