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
/// Exactly once per recipient. Each sender claims a batch of rows with `FOR NO KEY UPDATE SKIP
/// LOCKED` in a transaction that stays open while the batch is mailed, one message at a time, and
/// commits the outcomes together (CampaignBatch.swift). The row locks are the claim: if the
/// process dies at any instant, Postgres rolls the transaction back when the connection drops and
/// the rows are pending again — no lease to expire, no row stuck in flight. What cannot wait for
/// the batch's commit is the server's acceptance: on each 250 a receipt row is committed at once
/// in a transaction of its own, and a pending row with a receipt is never claimed again but
/// marked sent (`reconcileReceipts`). So:
/// - killed before a message's final dot went out: the server discarded the incomplete message
///   (RFC 5321 §4.1.1.4) and the restart sends it once;
/// - killed after its receipt committed: the row is marked sent and never mailed again;
/// - killed between the server's 250 and the receipt's commit (one database round trip, well
///   under a millisecond): the restart sends it again, with the same Message-ID
///   (`campaign-<send id>`), which receivers that de-duplicate by Message-ID fold into one. SMTP
///   has no idempotency key, so this window cannot be closed; we chose at-least-once for it over
///   losing a recipient.
///
/// Why batches: one transaction per recipient (claim, wait for the 250, commit) cost four
/// statements and a claim plan per mail, and held the replica to about 300–600 mails/s on two
/// cores; a batch pays the claim and the commit once and a receipt per mail.
struct CampaignSender: Service {
    let postgres: PostgresClient
    let mailer: CampaignMailer
    /// Resolves segment audiences; nil where none can be (the benchmark's list campaigns).
    let audience: CampaignAudience?
    let settings: CampaignSettings
    let clock: ServiceClock
    let logger: Logger
    private let contents = NIOLockedValueBox<[UUID: (content: CampaignContent, fromName: String?)]>([:])
    let throttle: Throttle

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
        try await PeriodicWork("campaign sender", every: self.settings.pollInterval, roundLimit: .seconds(600), logger: self.logger) {
            await self.round()
            return false
        }.run()
    }

    /// One pass; the tests call it directly too.
    func round() async {
        do {
            try await self.startDue()
            try await self.resolveAudiences()
            try await self.reconcileReceipts()
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<self.settings.senders {
                    group.addTask {
                        while !Task.isShuttingDownGracefully, !Task.isCancelled {
                            do {
                                guard try await self.sendBatch() else { return }
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
    func content(_ campaign: UUID, on connection: PostgresConnection) async throws -> (content: CampaignContent, fromName: String?) {
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
