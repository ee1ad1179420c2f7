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

    /// The `email.requested` event, for services that send through their outbox. A mail about a
    /// user's account that is a notification (`new_device_sign_in` with the user's id) becomes a
    /// critical `security` notification whose email channel is that mail, so it is in the user's
    /// list and live feed too and goes out through the delivery worker like every other.
    func register(in handlers: inout EventHandlers, notifier: Notifier) {
        let sends = self.sends
        handlers.on(
            EmailRequested.self,
            // Other mail is sent before the inbox transaction, so no connection waits on the mail
            // server. The event id is the idempotency key, claimed before sending: a redelivered
            // event sends nothing twice.
            prepare: { event, envelope, logger -> NotificationDraft? in
                if let draft = Self.notification(for: event.email, envelope: envelope) { return draft }
                _ = try await sends.send(
                    event.email, idempotencyKey: envelope.id.uuidString.lowercased(), requestedBy: envelope.source, logger: logger)
                return nil
            },
            apply: { draft, _, _, connection, logger in
                guard let draft else { return }
                try await notifier.notify([draft], on: connection, logger: logger)
            }
        )
    }

    /// The notification an email request stands for, if any.
    static func notification(for email: EmailRequest, envelope: EventEnvelope) -> NotificationDraft? {
        guard email.templateKey == "new_device_sign_in", envelope.source == ServiceName.auth.rawValue, let user = email.userId else {
            return nil
        }
        let device = email.variables["device"] ?? "a new device"
        return NotificationDraft(
            userID: user, type: "security.new_device_sign_in", category: .security, title: "New sign-in to your Tract account",
            message: "Your account was just signed in from \(device). If this was not you, reset your password now.",
            actionURL: "/settings/security", priority: .critical,
            email: EmailContent(templateKey: email.templateKey, variables: email.variables, to: email.to),
            dedupeKey: "event:\(envelope.id.uuidString.lowercased())"
        )
    }
}
