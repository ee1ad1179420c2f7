import Foundation
import Logging
import PostgresNIO
import SMTP
import ServiceKit

/// One sender's unit of work: claim a batch of pending recipients, mail them, commit what became
/// of each. The exactly-once argument is on `CampaignSender`.
extension CampaignSender {
    /// A claimed recipient, with the reason to skip them if their own state says so now.
    struct ClaimedRecipient: Sendable {
        var sendID: UUID
        var campaign: UUID
        var address: String
        var userID: UUID?
        var name: String?
        var attempts: Int
        var skipReason: String?
    }

    /// Recipients per claim: the setting, but no more than about a second of this sender's share
    /// of the throttle, so a pause or a cancel takes effect within a second or so and row locks
    /// are not held for long.
    var batchSize: Int {
        min(self.settings.batchSize, max(1, self.settings.messagesPerSecond / max(1, self.settings.senders)))
    }

    /// Claims, mails and records one batch; false when none was ready or the server is refusing
    /// for now (the sender then waits for the next round).
    func sendBatch() async throws -> Bool {
        // The signing key before the claim: fetching it while holding a pooled connection could
        // wait forever on a pool the other senders hold.
        _ = try await self.mailer.unsubscribeKey.key(logger: self.logger)
        let (more, accepted) = try await self.postgres.transaction(logger: self.logger) { connection -> (Bool, [UUID]) in
            let now = self.clock.now
            let claimed = try await self.claim(on: connection, now: now)
            guard !claimed.isEmpty else { return (false, []) }
            var accepted: [UUID] = []
            var refusing = false
            var stillSending = StillSending()
            for recipient in claimed {
                // A pause or cancel during the batch stops it within a tenth of a second.
                guard try await stillSending.check(recipient.campaign, on: connection, logger: self.logger) else { continue }
                if let reason = recipient.skipReason {
                    try await connection.query(
                        """
                        UPDATE communications.email_sends SET status = 'skipped', error_message = \(reason), updated_at = \(now)
                        WHERE id = \(recipient.sendID)
                        """, logger: self.logger)
                    continue
                }
                let (content, fromName) = try await self.content(recipient.campaign, on: connection)
                await self.throttle.wait()
                do {
                    let email = try await self.mailer.email(
                        content, fromName: fromName, to: .init(email: recipient.address, userID: recipient.userID, name: recipient.name),
                        sendID: recipient.sendID, now: now, logger: self.logger)
                    let receipt = try await self.mailer.smtp.send(email, messageID: CampaignMailer.messageID(recipient.sendID), logger: self.logger)
                    // Committed now, on another connection: the claim's transaction is still open.
                    try await self.postgres.query(
                        """
                        INSERT INTO communications.email_send_receipts (send_id, provider_message_id, accepted_at)
                        VALUES (\(recipient.sendID), \(receipt.messageID), \(now))
                        """, logger: self.logger)
                    accepted.append(recipient.sendID)
                } catch let failure as SMTPError {
                    try await self.recordFailure(failure, of: recipient, now: now, on: connection)
                    // The server is refusing for now: the rest of the batch is released unmailed.
                    if failure.isTransient {
                        refusing = true
                        break
                    }
                }
            }
            if !accepted.isEmpty {
                try await connection.query(
                    """
                    UPDATE communications.email_sends s SET status = 'sent', provider_message_id = r.provider_message_id,
                        sent_at = r.accepted_at, updated_at = \(now), error_message = NULL
                    FROM communications.email_send_receipts r
                    WHERE r.send_id = s.id AND s.id = ANY(\(accepted))
                    """, logger: self.logger)
            }
            return (!refusing, accepted)
        }
        DomainMetrics.emailsSent(accepted.count, kind: "campaign")
        if !accepted.isEmpty {
            // Were this lost, reconcileReceipts deletes it later; the row is sent either way.
            try await self.postgres.query(
                "DELETE FROM communications.email_send_receipts WHERE send_id = ANY(\(accepted))", logger: self.logger)
        }
        return more
    }

    /// Whether a campaign is still sending, asked again at most every 100 ms (a statement of the
    /// claim's transaction sees what committed since: read committed).
    struct StillSending {
        private var answers: [UUID: (sending: Bool, at: ContinuousClock.Instant)] = [:]

        mutating func check(_ campaign: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
            if let answer = self.answers[campaign], ContinuousClock.now - answer.at < .milliseconds(100) { return answer.sending }
            var sending = false
            for try await _ in try await connection.query(
                "SELECT 1 FROM communications.email_campaigns WHERE id = \(campaign) AND status = 'sending'", logger: logger)
            {
                sending = true
            }
            self.answers[campaign] = (sending, ContinuousClock.now)
            return sending
        }
    }

    /// Marks sent the pending rows whose message the server accepted but whose batch never
    /// committed (the process died), and drops receipts whose row is committed.
    func reconcileReceipts() async throws {
        try await self.postgres.query(
            """
            WITH orphaned AS (
                SELECT s.id FROM communications.email_sends s JOIN communications.email_send_receipts r ON r.send_id = s.id
                WHERE s.status = 'pending'
                FOR NO KEY UPDATE OF s SKIP LOCKED
            )
            UPDATE communications.email_sends s SET status = 'sent', provider_message_id = r.provider_message_id,
                sent_at = r.accepted_at, updated_at = \(self.clock.now), error_message = NULL
            FROM orphaned o JOIN communications.email_send_receipts r ON r.send_id = o.id
            WHERE s.id = o.id
            """, logger: self.logger)
        try await self.postgres.query(
            """
            DELETE FROM communications.email_send_receipts r USING communications.email_sends s
            WHERE s.id = r.send_id AND s.status <> 'pending'
            """, logger: self.logger)
    }

    /// Up to `batchSize` pending recipients of sending campaigns, locked for this transaction.
    /// The recipient's own state decides at the last moment: an address suppressed or a marketing
    /// preference turned off since the snapshot is honoured. An event type's row wins over its
    /// category's, as everywhere else in preferences. A row with a receipt was accepted by the
    /// server already: it is reconciled, never claimed.
    private func claim(on connection: PostgresConnection, now: Date) async throws -> [ClaimedRecipient] {
        let rows = try await connection.query(
            """
            SELECT s.id, s.campaign_id, s.to_email, s.recipient_id, s.recipient_name, s.retry_count,
                CASE
                    WHEN EXISTS (SELECT 1 FROM communications.email_suppressions x WHERE x.email = lower(s.to_email))
                        THEN 'address suppressed'
                    WHEN NOT coalesce(
                        (SELECT p.email_enabled FROM communications.notification_preferences p
                         WHERE p.user_id = s.recipient_id AND p.category = 'marketing' AND p.event_type = 'campaign'),
                        (SELECT p.email_enabled FROM communications.notification_preferences p
                         WHERE p.user_id = s.recipient_id AND p.category = 'marketing' AND p.event_type = '*'),
                        true)
                        THEN 'marketing email turned off'
                END
            FROM communications.email_sends s
            JOIN communications.email_campaigns c ON c.id = s.campaign_id AND c.status = 'sending'
            WHERE s.campaign_id IS NOT NULL AND s.status = 'pending' AND s.updated_at <= \(now)
              AND NOT EXISTS (SELECT 1 FROM communications.email_send_receipts r WHERE r.send_id = s.id)
            ORDER BY s.campaign_id, s.id
            LIMIT \(self.batchSize)
            FOR NO KEY UPDATE OF s SKIP LOCKED
            """, logger: self.logger)
        var claimed: [ClaimedRecipient] = []
        for try await (id, campaign, address, user, name, attempts, skip) in rows.decode((UUID, UUID, String, UUID?, String?, Int, String?).self) {
            claimed.append(
                ClaimedRecipient(
                    sendID: id, campaign: campaign, address: address, userID: user, name: name, attempts: attempts, skipReason: skip))
        }
        return claimed
    }

    /// A refused message: a transient refusal waits before the row is claimable again (2 s, 4 s,
    /// … 5 min) until `maximumAttempts`; a permanent one fails the row.
    private func recordFailure(_ failure: SMTPError, of recipient: ClaimedRecipient, now: Date, on connection: PostgresConnection) async throws {
        let final = !failure.isTransient || recipient.attempts + 1 >= Self.maximumAttempts
        let delay = Double(min(300, 1 << min(recipient.attempts + 1, 9)))
        try await connection.query(
            """
            UPDATE communications.email_sends SET status = \(final ? "failed" : "pending"), retry_count = retry_count + 1,
                error_message = left(\(failure.description), 1000), updated_at = \(now.addingTimeInterval(final ? 0 : delay))
            WHERE id = \(recipient.sendID)
            """, logger: self.logger)
        self.logger.warning(
            "campaign mail not sent", metadata: ["error": "\(failure)", "email_send_id": "\(recipient.sendID)", "final": "\(final)"])
    }
}
