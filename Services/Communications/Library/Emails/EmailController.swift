import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `POST /internal/v1/emails` for services, and the `email.requested` event for those that send
/// through their outbox (auth does, so a mail goes out if and only if its token was committed).
struct EmailController: RouteController {
    let sends: EmailSends

    /// Mounted at `/internal/v1/emails`.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .add(middleware: RequireScopeMiddleware(Scope.sendEmails))
            .post(use: self.send)
    }

    @Sendable func send(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        guard let key = request.headers[.idempotencyKey], (8...200).contains(key.count) else {
            throw Problem.validation(field: "Idempotency-Key", "header is required (8 to 200 characters)")
        }
        let body = try await request.decode(as: EmailRequest.self, context: context)
        let receipt = try await self.sends.send(body, idempotencyKey: key, requestedBy: context.identity.subject, logger: context.logger)
        // 200 when sent, 202 when recorded as failed (the request itself was fine).
        var response = try context.responseEncoder.encode(receipt, from: request, context: context)
        response.status = receipt.status == "sent" ? .ok : .accepted
        return response
    }

    /// The `email.requested` event, for services that send through their outbox.
    func register(in handlers: inout EventHandlers) {
        let sends = self.sends
        handlers.on(
            EmailRequested.self,
            // Sent before the inbox transaction, so no connection waits on the mail server. The event
            // id is the idempotency key, claimed before sending: a redelivered event sends nothing twice.
            prepare: { event, envelope, logger in
                _ = try await sends.send(
                    event.email, idempotencyKey: envelope.id.uuidString.lowercased(), requestedBy: envelope.source, logger: logger)
            }
        )
    }
}
