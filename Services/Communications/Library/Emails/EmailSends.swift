import Foundation
import Logging
import Models
import PostgresNIO
import SMTP
import ServiceKit

/// Sends templated emails for the other services, once per idempotency key, recording each in
/// `email_sends` (seed 001 §2.6).
///
/// A request claims its key with an insert; a retry of a finished request gets the first answer
/// back; a transient SMTP failure (4xx, connection) answers 503 so the caller retries later, while
/// a permanent one (5xx) is recorded as failed and answered as such, since repeating it cannot help.
///
/// Each statement runs on the pool and outside any transaction, for HTTP requests and events
/// alike: the claim is committed before the SMTP conversation and the outcome after it, so a
/// retry (or an event redelivered because its inbox commit failed) finds the send and mails
/// nobody twice, and no connection is held while the mail server answers.
struct EmailSends: Sendable {
    /// A claim left `pending` this long belongs to a sender that died mid-send; a retry may take it.
    static let abandonedClaimAfterSeconds = 120

    let templates: EmailTemplates
    let mail: MailSettings
    let smtp: SMTPClient
    let postgres: PostgresClient
    let ids: IDGenerator

    func send(
        _ request: EmailRequest,
        idempotencyKey: String,
        requestedBy: String,
        recipientID: UUID? = nil,
        headers: [(name: String, value: String)] = [],
        logger: Logger
    ) async throws -> EmailReceipt {
        let recipient: EmailAddress
        do {
            recipient = try EmailAddress(request.to.trimmingCharacters(in: .whitespaces))
        } catch {
            throw Problem.validation(field: "to", "must be an email address")
        }
        let rendered = try templates.render(request.templateKey, variables: request.variables)
        try TemplateRequesters.check(request.templateKey, requestedBy: requestedBy)

        let id = self.ids.next()
        let claimed = try await self.postgres.query(
            """
            INSERT INTO communications.email_sends
                (id, recipient_id, requested_by, idempotency_key, template_key, to_email, from_email, subject, status)
            VALUES (\(id), \(recipientID), \(requestedBy), \(idempotencyKey), \(request.templateKey), \(recipient.address),
                    \(mail.from.address), left(\(rendered.recordedSubject), 255), 'pending')
            ON CONFLICT (requested_by, idempotency_key) DO UPDATE SET updated_at = now()
            WHERE communications.email_sends.status = 'pending'
              AND communications.email_sends.updated_at
                  < now() - make_interval(secs => \(Self.abandonedClaimAfterSeconds))
            RETURNING id
            """,
            logger: logger
        )
        var claimedID: UUID?
        for try await value in claimed.decode(UUID.self) { claimedID = value }
        guard let sendID = claimedID else {
            return try await self.existing(idempotencyKey, requestedBy: requestedBy, logger: logger)
        }

        let email = Email(
            from: mail.from, to: [recipient], subject: rendered.subject,
            textBody: rendered.text, htmlBody: rendered.html,
            extraHeaders: [(name: "X-Entity-Ref-ID", value: sendID.uuidString.lowercased())] + headers
        )
        do {
            let receipt = try await smtp.send(email, logger: logger)
            try await self.postgres.query(
                """
                UPDATE communications.email_sends
                SET status = 'sent', provider_message_id = \(receipt.messageID), sent_at = now(),
                    updated_at = now(), error_message = NULL
                WHERE id = \(sendID)
                """,
                logger: logger
            )
            DomainMetrics.emailsSent(1, kind: "transactional")
            logger.info("email sent", metadata: ["template": "\(request.templateKey)", "email_send_id": "\(sendID)"])
            return EmailReceipt(id: sendID, status: "sent", messageId: receipt.messageID)
        } catch let failure as SMTPError {
            try await self.postgres.query(
                """
                UPDATE communications.email_sends
                SET status = \(failure.isTransient ? "pending" : "failed"), retry_count = retry_count + 1,
                    error_message = left(\(failure.description), 1000), updated_at = CASE
                        -- A transient failure frees the key at once so the caller's retry can claim it.
                        WHEN \(failure.isTransient) THEN now() - interval '1 day' ELSE now() END
                WHERE id = \(sendID)
                """,
                logger: logger
            )
            logger.warning(
                "email not sent",
                metadata: ["error": "\(failure)", "transient": "\(failure.isTransient)", "email_send_id": "\(sendID)"]
            )
            if failure.isTransient {
                throw Problem.serviceUnavailable(
                    "The mail server is not accepting mail right now; retry with the same Idempotency-Key."
                )
            }
            return EmailReceipt(id: sendID, status: "failed", messageId: nil)
        }
    }

    private func existing(
        _ key: String,
        requestedBy: String,
        logger: Logger
    ) async throws -> EmailReceipt {
        let rows = try await self.postgres.query(
            """
            SELECT id, status, provider_message_id FROM communications.email_sends
            WHERE requested_by = \(requestedBy) AND idempotency_key = \(key)
            """,
            logger: logger
        )
        for try await (id, status, messageID) in rows.decode((UUID, String, String?).self) where status != "pending" {
            return EmailReceipt(id: id, status: status, messageId: messageID)
        }
        throw Problem.conflict("This request is being sent right now; retry shortly with the same Idempotency-Key.")
    }
}
