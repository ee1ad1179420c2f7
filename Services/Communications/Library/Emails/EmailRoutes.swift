import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `POST /internal/v1/emails` for services, and the `email.requested` event for those that send
/// through their outbox (auth does, so a mail goes out if and only if its token was committed).
struct EmailRoutes: Sendable {
    let sends: EmailSends
    let postgres: PostgresClient

    func addRoutes(to router: Router<TractRequestContext>) {
        router.group("internal/v1/emails", context: AuthenticatedContext.self)
            .add(middleware: RequireScopeMiddleware(Scope.sendEmails))
            .post { request, context in
                guard let key = request.headers[.idempotencyKey], (8...200).contains(key.count) else {
                    throw Problem.validation(field: "Idempotency-Key", "header is required (8 to 200 characters)")
                }
                let body = try await request.decode(as: EmailRequest.self, context: context)
                let postgres = self.postgres
                return try await self.sends.send(
                    body, idempotencyKey: key, requestedBy: context.identity.subject,
                    database: { query, logger in try await postgres.query(query, logger: logger) },
                    logger: context.logger
                )
            }
    }

    static func register(_ sends: EmailSends, postgres: PostgresClient, in handlers: inout EventHandlers) {
        handlers.on(
            EmailRequested.self,
            // Sent before the inbox transaction, so no connection waits on the mail server. The event
            // id is the idempotency key, claimed before sending: a redelivered event sends nothing twice.
            prepare: { event, envelope, logger in
                _ = try await sends.send(
                    event.email, idempotencyKey: envelope.id.uuidString.lowercased(), requestedBy: envelope.source,
                    database: { query, logger in try await postgres.query(query, logger: logger) },
                    logger: logger
                )
            }
        )
    }
}

extension EmailReceipt: ResponseGenerator {
    /// 200 when sent, 202 when recorded as failed (the request itself was fine).
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try TractResponseEncoder().encode(self, from: request, context: context)
        response.status = status == "sent" ? .ok : .accepted
        return response
    }
}
