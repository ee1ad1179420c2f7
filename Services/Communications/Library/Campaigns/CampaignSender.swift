import Foundation
import HTTPTypes
import Logging
import Models
import NIOConcurrencyHelpers
import PostgresNIO
import SMTP
import ServiceKit
import ServiceLifecycle

/// Sends campaigns, one per replica; replicas share the work through `FOR UPDATE SKIP LOCKED`.
///
/// Each round it starts the scheduled campaigns whose time has come, snapshots new sending
/// campaigns' audiences into email_sends, mails the pending rows at `messagesPerSecond` with
/// `senders` messages in flight, and marks campaigns with nothing pending as sent.
///
/// Exactly once per recipient. A recipient's row is claimed with `FOR UPDATE SKIP LOCKED` in a
/// transaction that stays open while its message is with the SMTP server and commits `sent` as
/// soon as the server answers 250. The row lock is the claim: if the process dies at any instant
/// before that commit, Postgres rolls the transaction back when the connection drops and the row
/// is pending again for whoever runs next — no lease to expire, no row stuck in flight. So:
/// - killed before the message's final dot went out: the server discarded the incomplete
///   message (RFC 5321 §4.1.1.4) and the restart sends it once;
/// - killed after the commit: the row is sent and is never mailed again;
/// - killed between the server's 250 and the commit (a database round trip, well under a
///   millisecond): the restart sends it again, with the same Message-ID (`campaign-<send id>`),
///   which receivers that de-duplicate by Message-ID fold into one. SMTP has no idempotency
///   key, so this window cannot be closed; we chose at-least-once for it over losing a recipient.
struct CampaignSender: Service {
    let postgres: PostgresClient
    let mailer: CampaignMailer
    /// Resolves segment audiences; nil where none can be (the benchmark's list campaigns).
    let audience: CampaignAudience?
    let settings: CampaignSettings
    let clock: ServiceClock
    let logger: Logger
    private let contents = NIOLockedValueBox<[UUID: (content: CampaignContent, fromName: String?)]>([:])
    private let throttle: Throttle

    init(
        postgres: PostgresClient, mailer: CampaignMailer, audience: CampaignAudience?, settings: CampaignSettings, clock: ServiceClock,
        logger: Logger
    ) {
        self.postgres = postgres
        self.mailer = mailer
        self.audience = audience
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.throttle = Throttle(perSecond: settings.messagesPerSecond)
    }

    /// Transient failures (4xx, connection) a recipient gets before the row is failed.
    static let maximumAttempts = 8

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.settings.pollInterval) }
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
            await self.round()
        }
    }

    /// One pass; the tests call it directly too.
    func round() async {
        do {
            try await self.startDue()
            try await self.resolveAudiences()
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<self.settings.senders {
                    group.addTask {
                        while !Task.isShuttingDownGracefully, !Task.isCancelled {
                            do {
                                guard try await self.sendNext() else { return }
                            } catch {
                                self.logger.warning("campaign send failed", metadata: ["error": "\(String(reflecting: error))"])
                                return
                            }
                        }
                    }
                }
            }
            try await self.finishDone()
        } catch {
            self.logger.warning("campaign round failed", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// Scheduled campaigns whose time has come start sending.
    func startDue() async throws {
        let now = self.clock.now
        try await self.postgres.query(
            """
            UPDATE communications.email_campaigns SET status = 'sending', started_at = coalesce(started_at, \(now)), updated_at = \(now)
            WHERE status = 'scheduled' AND scheduled_at <= \(now)
            """, logger: self.logger)
    }

    /// Snapshots each sending campaign's audience into email_sends, once.
    func resolveAudiences() async throws {
        var waiting: [(UUID, UUID?)] = []
        for try await row in try await self.postgres.query(
            """
            SELECT id, audience_segment_id FROM communications.email_campaigns
            WHERE status = 'sending' AND audience_resolved_at IS NULL
            """, logger: self.logger
        ).decode((UUID, UUID?).self) { waiting.append(row) }
        for (campaign, segment) in waiting {
            if let segment {
                guard let audience = self.audience else { continue }
                // Outside any transaction: analytics and auth answer over HTTP.
                let members = try await audience.members(of: segment, campaign: campaign, logger: self.logger)
                try await audience.store(members, campaign: campaign, on: self.postgres, logger: self.logger)
            }
            try await self.postgres.transaction(logger: self.logger) { connection in
                // Another replica snapshotting this campaign holds the row: leave it to that one.
                let locked = try await connection.query(
                    """
                    SELECT 1 FROM communications.email_campaigns
                    WHERE id = \(campaign) AND status = 'sending' AND audience_resolved_at IS NULL FOR UPDATE SKIP LOCKED
                    """, logger: self.logger)
                var mine = false
                for try await _ in locked { mine = true }
                guard mine else { return }
                try await connection.query(
                    """
                    INSERT INTO communications.email_sends
                        (id, campaign_id, recipient_id, requested_by, idempotency_key, template_key, to_email, from_email, subject, status,
                         recipient_name, created_at, updated_at)
                    SELECT gen_random_uuid(), c.id, m.user_id, 'campaign', c.id::text || ':' || m.email, 'campaign', m.email,
                        \(self.mailer.from.address), left(c.subject, 255), 'pending', m.name, \(self.clock.now), \(self.clock.now)
                    FROM communications.email_campaign_members m JOIN communications.email_campaigns c ON c.id = m.campaign_id
                    WHERE m.campaign_id = \(campaign)
                    ON CONFLICT DO NOTHING
                    """, logger: self.logger)
                try await connection.query(
                    "UPDATE communications.email_campaigns SET audience_resolved_at = \(self.clock.now) WHERE id = \(campaign)",
                    logger: self.logger)
            }
        }
    }

    /// Claims, mails and records one pending recipient; false when none is ready.
    func sendNext() async throws -> Bool {
        // The signing key before the claim: fetching it while holding a pooled connection could
        // wait forever on a pool the other senders hold.
        _ = try await self.mailer.unsubscribeKey.key(logger: self.logger)
        return try await self.postgres.transaction(logger: self.logger) { connection in
            let now = self.clock.now
            // The recipient's own state decides at the last moment: an address suppressed or a
            // marketing preference turned off since the snapshot is honoured. An event type's
            // row wins over its category's, as everywhere else in preferences.
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
                ORDER BY s.campaign_id, s.id
                LIMIT 1
                FOR UPDATE OF s SKIP LOCKED
                """, logger: self.logger)
            var claimed: (UUID, UUID, String, UUID?, String?, Int, String?)?
            for try await row in rows.decode((UUID, UUID, String, UUID?, String?, Int, String?).self) { claimed = row }
            guard let (sendID, campaign, address, user, name, attempts, skip) = claimed else { return false }

            if let skip {
                try await connection.query(
                    "UPDATE communications.email_sends SET status = 'skipped', error_message = \(skip), updated_at = \(now) WHERE id = \(sendID)",
                    logger: self.logger)
                return true
            }
            let (content, fromName) = try await self.content(campaign, on: connection)
            await self.throttle.wait()
            do {
                let email = try await self.mailer.email(
                    content, fromName: fromName, to: .init(email: address, userID: user, name: name), sendID: sendID, now: now,
                    logger: self.logger)
                let receipt = try await self.mailer.smtp.send(email, messageID: CampaignMailer.messageID(sendID), logger: self.logger)
                try await connection.query(
                    """
                    UPDATE communications.email_sends SET status = 'sent', provider_message_id = \(receipt.messageID), sent_at = \(now),
                        updated_at = \(now), error_message = NULL
                    WHERE id = \(sendID)
                    """, logger: self.logger)
                return true
            } catch let failure as SMTPError {
                let final = !failure.isTransient || attempts + 1 >= Self.maximumAttempts
                // A transient failure waits before the row is claimable again (2 s, 4 s, … 5 min).
                let delay = Double(min(300, 1 << min(attempts + 1, 9)))
                try await connection.query(
                    """
                    UPDATE communications.email_sends SET status = \(final ? "failed" : "pending"), retry_count = retry_count + 1,
                        error_message = left(\(failure.description), 1000), updated_at = \(now.addingTimeInterval(final ? 0 : delay))
                    WHERE id = \(sendID)
                    """, logger: self.logger)
                self.logger.warning(
                    "campaign mail not sent", metadata: ["error": "\(failure)", "email_send_id": "\(sendID)", "final": "\(final)"])
                // The server is refusing for now: this sender stops until the next round.
                return !failure.isTransient
            }
        }
    }

    /// Sending campaigns with nothing left pending are sent.
    func finishDone() async throws {
        let now = self.clock.now
        try await self.postgres.query(
            """
            UPDATE communications.email_campaigns c SET status = 'sent', finished_at = \(now), updated_at = \(now)
            WHERE c.status = 'sending' AND c.audience_resolved_at IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM communications.email_sends s WHERE s.campaign_id = c.id AND s.status = 'pending')
            """, logger: self.logger)
    }

    /// A campaign's compiled templates, kept: they cannot change once it left draft.
    private func content(_ campaign: UUID, on connection: PostgresConnection) async throws -> (content: CampaignContent, fromName: String?) {
        if let cached = self.contents.withLockedValue({ $0[campaign] }) { return cached }
        let rows = try await connection.query(
            "SELECT subject, html_template, text_template, from_name FROM communications.email_campaigns WHERE id = \(campaign)",
            logger: self.logger)
        for try await (subject, html, text, fromName) in rows.decode((String, String, String, String?).self) {
            let compiled = (try CampaignContent.compile(subject: subject, html: html, text: text), fromName)
            self.contents.withLockedValue { $0[campaign] = compiled }
            return compiled
        }
        throw Problem.notFound("No campaign has this id.")
    }
}

/// Spaces messages `1 / perSecond` apart across every sender of the replica.
final class Throttle: Sendable {
    private let interval: Duration
    private let next = NIOLockedValueBox(ContinuousClock.now)

    init(perSecond: Int) { self.interval = .seconds(1) / max(1, perSecond) }

    func wait() async {
        let now = ContinuousClock.now
        let slot = self.next.withLockedValue { next in
            // Idle time is not saved up into a burst.
            let slot = max(next, now)
            next = slot + self.interval
            return slot
        }
        if slot > now { try? await Task.sleep(until: slot, clock: .continuous) }
    }
}
