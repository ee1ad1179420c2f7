import Foundation
import Hummingbird
import Logging
import Models
import ServiceKit

/// `POST /v1/auth/me/deletion` answers 202 with the scheduled request.
struct AccountDeletionAccepted: ResponseGenerator, Sendable {
    var deletion: AccountDeletionStatus

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try TractResponseEncoder().encode(self.deletion, from: request, context: context)
        response.status = .accepted
        response.headers[.location] = "/v1/auth/me/deletion"
        return response
    }
}

/// The signed-in user's account deletion (issue 16, privacy; GDPR Art. 17): ask for it, see when
/// it is due, cancel it until then. Only one's own: the routes take no id, so another user's
/// request cannot be named (a user with nothing pending gets 404). Mounted at `/v1/auth/me`.
struct AccountDeletionController: RouteController {
    let auth: AuthContext
    let deletions: AccountDeletions

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post("deletion", use: self.request)
            .get("deletion", use: self.show)
            .delete("deletion", use: self.cancel)
    }

    /// Schedules the deletion ACCOUNT_DELETION_DELAY_DAYS out, or answers the pending one.
    @Sendable func request(_ request: Request, context: AuthenticatedContext) async throws -> AccountDeletionAccepted {
        let userID = try ConsentController.userID(context)
        // The whole account goes: a stolen session must not be enough (as for the export).
        try await self.auth.requireStepUp(context.identity, logger: context.logger)
        let audit = AuditRequest(requestID: context.requestID, ip: self.auth.clientIP(request, context))
        return AccountDeletionAccepted(deletion: try await self.deletions.request(userID: userID, audit: audit, logger: context.logger).status)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> AccountDeletionStatus {
        guard let status = try await self.deletions.latest(userID: try ConsentController.userID(context), logger: context.logger) else {
            throw Problem.notFound("You have not asked for your account to be deleted.")
        }
        return status
    }

    @Sendable func cancel(_ request: Request, context: AuthenticatedContext) async throws -> AccountDeletionStatus {
        let userID = try ConsentController.userID(context)
        let audit = AuditRequest(requestID: context.requestID, ip: self.auth.clientIP(request, context))
        guard let status = try await self.deletions.cancel(userID: userID, audit: audit, logger: context.logger) else {
            throw Problem.notFound("No deletion of your account is pending.")
        }
        return status
    }
}
