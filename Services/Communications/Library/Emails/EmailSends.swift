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
struct EmailSends: Sendable {
    /// Runs one statement, on the pool and outside any transaction, for HTTP requests and events
    /// alike: the claim is committed before the SMTP conversation and the outcome after it, so a
    /// retry (or an event redelivered because its inbox commit failed) finds the send and mails
    /// nobody twice, and no connection is held while the mail server answers.
    typealias Database = @Sendable (PostgresQuery, Logger) async throws -> PostgresRowSequence

    /// A claim left `pending` this long belongs to a sender that died mid-send; a retry may take it.
    static let abandonedClaimAfterSeconds = 120

    let templates: EmailTemplates
    let mail: MailSettings
    let smtp: SMTPClient

    func send(
        _ request: EmailRequest,
        idempotencyKey: String,
        requestedBy: String,
        database: Database,
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

        let id = UUIDv7.make()
        let claimed = try await database(
            """
            INSERT INTO communications.email_sends
                (id, requested_by, idempotency_key, template_key, to_email, from_email, subject, status)
            VALUES (\(id), \(requestedBy), \(idempotencyKey), \(request.templateKey), \(recipient.address),
                    \(mail.from.address), left(\(rendered.recordedSubject), 255), 'pending')
            ON CONFLICT (requested_by, idempotency_key) DO UPDATE SET updated_at = now()
            WHERE communications.email_sends.status = 'pending'
              AND communications.email_sends.updated_at
                  < now() - make_interval(secs => \(Self.abandonedClaimAfterSeconds))
            RETURNING id
            """,
            logger
        )
        var claimedID: UUID?
        for try await value in claimed.decode(UUID.self) { claimedID = value }
        guard let sendID = claimedID else {
            return try await existing(idempotencyKey, requestedBy: requestedBy, database: database, logger: logger)
        }

        let email = Email(
            from: mail.from, to: [recipient], subject: rendered.subject,
            textBody: rendered.text, htmlBody: rendered.html,
            extraHeaders: [(name: "X-Entity-Ref-ID", value: sendID.uuidString.lowercased())]
        )
        do {
            let receipt = try await smtp.send(email, logger: logger)
            _ = try await database(
                """
                UPDATE communications.email_sends
                SET status = 'sent', provider_message_id = \(receipt.messageID), sent_at = now(),
                    updated_at = now(), error_message = NULL
                WHERE id = \(sendID)
                """,
                logger
            )
            logger.info("email sent", metadata: ["template": "\(request.templateKey)", "email_send_id": "\(sendID)"])
            return EmailReceipt(id: sendID, status: "sent", messageId: receipt.messageID)
        } catch let failure as SMTPError {
            _ = try await database(
                """
                UPDATE communications.email_sends
                SET status = \(failure.isTransient ? "pending" : "failed"), retry_count = retry_count + 1,
                    error_message = left(\(failure.description), 1000), updated_at = CASE
                        -- A transient failure frees the key at once so the caller's retry can claim it.
                        WHEN \(failure.isTransient) THEN now() - interval '1 day' ELSE now() END
                WHERE id = \(sendID)
                """,
                logger
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
        database: Database,
        logger: Logger
    ) async throws -> EmailReceipt {
        let rows = try await database(
            """
            SELECT id, status, provider_message_id FROM communications.email_sends
            WHERE requested_by = \(requestedBy) AND idempotency_key = \(key)
            """,
            logger
        )
        for try await (id, status, messageID) in rows.decode((UUID, String, String?).self) where status != "pending" {
            return EmailReceipt(id: id, status: status, messageId: messageID)
        }
        throw Problem.conflict("This request is being sent right now; retry shortly with the same Idempotency-Key.")
    }
}
