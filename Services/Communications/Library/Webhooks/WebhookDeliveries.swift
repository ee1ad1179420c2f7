import Foundation
import Logging
import Metrics
import Models
import NIOCore
import NIOHTTP1
import PostgresNIO
import ServiceKit

/// The delivery worker's steps, each safe with many replicas: fan recorded events out to the
/// endpoints that want them, then send what is due and record how it went.
///
/// A replica leases rows (one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)` that pushes
/// their time forward) and holds no transaction while it calls out, so two replicas never send one
/// delivery at once, and a replica that dies mid-send leaves the row to be sent again when its
/// lease runs out (receivers drop the duplicate by its `webhook-id`).
struct WebhookDeliveries: Sendable {
    let postgres: PostgresClient
    let box: WebhookSecretBox
    let sender: WebhookSender
    let sponsors: PropertySponsors
    let notifier: Notifier
    let notifications: NotificationSettings
    let settings: WebhookSettings
    let clock: ServiceClock
    let ids: IDGenerator
    /// 0...1, scaled to the schedule's jitter; tests may pin it.
    let jitter: @Sendable () -> Double

    static let batchSize = 50
    /// Fan-out tries for one event while properties cannot say whose it is (about two days at the hourly cap).
    static let maxFanOutAttempts = 60
    /// An endpoint failing this long without a success is disabled (Standard Webhooks, as Svix).
    static let disableAfterFailing: TimeInterval = 5 * 86400

    var lease: TimeInterval { TimeInterval(self.settings.timeout.components.seconds) + 60 }

    // MARK: Fan-out

    /// Turns recorded events into deliveries; returns how many events it took.
    @discardableResult
    func fanOut(logger: Logger) async -> Int {
        do {
            let now = self.clock.now
            let rows = try await self.postgres.query(
                """
                UPDATE communications.webhook_events SET next_fan_out_at = \(now.addingTimeInterval(self.lease)),
                    fan_out_attempts = fan_out_attempts + 1
                WHERE id IN (
                    SELECT id FROM communications.webhook_events WHERE fanned_out_at IS NULL AND next_fan_out_at <= \(now)
                    ORDER BY next_fan_out_at LIMIT \(Self.batchSize) FOR UPDATE SKIP LOCKED)
                RETURNING id, event_type, property_id, sponsor_id, payload, fan_out_attempts
                """,
                logger: logger
            ).collect()
            var sponsorOf: [UUID: UUID?] = [:]
            for row in rows {
                let (id, type, property, named, payload, attempts) = try row.decode((UUID, String, UUID?, UUID?, String, Int).self)
                do {
                    var sponsor = named
                    if sponsor == nil, let property {
                        if let known = sponsorOf[property] {
                            sponsor = known
                        } else {
                            sponsor = try await self.sponsors.sponsor(of: property)
                            sponsorOf[property] = sponsor
                        }
                    }
                    try await self.queue(event: id, type: type, payload: payload, sponsor: sponsor, logger: logger)
                } catch  where attempts >= Self.maxFanOutAttempts {
                    // Two days of trying: a message that late is no use to a receiver, and the queue must not grow for ever.
                    logger.error("webhook event dropped: its sponsor could not be found", metadata: ["event_id": "\(id)", "error": "\(error)"])
                    try await self.postgres.query(
                        "UPDATE communications.webhook_events SET fanned_out_at = \(self.clock.now) WHERE id = \(id)", logger: logger)
                } catch {
                    // Properties is down: try again later, backing off to an hour.
                    let wait = min(3600, 5 * pow(2, Double(min(attempts, 12))))
                    logger.warning("webhook fan-out deferred", metadata: ["event_id": "\(id)", "error": "\(error)"])
                    try await self.postgres.query(
                        "UPDATE communications.webhook_events SET next_fan_out_at = \(self.clock.now.addingTimeInterval(wait)) WHERE id = \(id)",
                        logger: logger)
                }
            }
            return rows.count
        } catch {
            logger.error("webhook fan-out failed", metadata: ["error": "\(error)"])
            return 0
        }
    }

    /// One delivery per enabled endpoint subscribed to the type: the sponsor's own, and staff's
    /// platform-wide ones.
    func queue(event: UUID, type: String, payload: String, sponsor: UUID?, logger: Logger) async throws {
        let now = self.clock.now
        try await self.postgres.transaction(logger: logger) { connection in
            var endpoints: [UUID] = []
            for try await endpoint in try await connection.query(
                """
                SELECT id FROM communications.webhook_endpoints
                WHERE enabled AND \(type) = ANY (event_types) AND (scope = 'platform' OR owner_id = \(sponsor))
                """,
                logger: logger
            ).decode(UUID.self) {
                endpoints.append(endpoint)
            }
            for endpoint in endpoints {
                let id = self.ids.next()
                try await connection.query(
                    """
                    INSERT INTO communications.webhook_deliveries (id, endpoint_id, message_id, event_id, event_type, payload, status,
                        next_attempt_at, created_at)
                    VALUES (\(id), \(endpoint), \(WebhookEndpoints.messageID(id)), \(event), \(type), \(payload), 'pending', \(now), \(now))
                    ON CONFLICT (endpoint_id, event_id) DO NOTHING
                    """,
                    logger: logger)
            }
            try await connection.query(
                "UPDATE communications.webhook_events SET fanned_out_at = \(now) WHERE id = \(event)", logger: logger)
        }
    }

    /// Deliveries waiting (due or scheduled), for `/metrics`: a queue that only grows means
    /// receivers are down or the replicas cannot keep up.
    func recordQueueDepth(logger: Logger) async {
        do {
            for try await count in try await self.postgres.query(
                "SELECT count(*)::int FROM communications.webhook_deliveries WHERE status = 'pending'", logger: logger
            ).decode(Int.self) {
                Gauge(label: "tract_webhook_queue_depth").record(count)
            }
        } catch {
            logger.warning("webhook queue depth not read", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Sending

    /// A delivery leased for one attempt, with what signing it needs.
    struct Leased: Sendable {
        var id: UUID
        var endpoint: UUID
        var owner: UUID
        var messageID: String
        var payload: String
        var attempt: Int
        var url: String
        var secret: ByteBuffer
        var previousSecret: ByteBuffer?
        var previousExpiresAt: Date?
    }

    /// Sends what is due, up to a batch, `concurrency` at a time; returns how many it leased.
    @discardableResult
    func deliverDue(logger: Logger) async -> Int {
        let leased: [Leased]
        do {
            leased = try await self.lease(logger: logger)
        } catch {
            logger.error("webhook lease failed", metadata: ["error": "\(error)"])
            return 0
        }
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for delivery in leased {
                if running >= self.settings.concurrency {
                    await group.next()
                    running -= 1
                }
                group.addTask { await self.attempt(delivery, logger: logger) }
                running += 1
            }
        }
        return leased.count
    }

    func lease(logger: Logger) async throws -> [Leased] {
        let now = self.clock.now
        let rows = try await self.postgres.query(
            """
            UPDATE communications.webhook_deliveries d SET next_attempt_at = \(now.addingTimeInterval(self.lease))
            FROM communications.webhook_endpoints e
            WHERE e.id = d.endpoint_id AND d.id IN (
                SELECT d2.id FROM communications.webhook_deliveries d2
                JOIN communications.webhook_endpoints e2 ON e2.id = d2.endpoint_id AND e2.enabled
                WHERE d2.status = 'pending' AND d2.next_attempt_at <= \(now)
                ORDER BY d2.next_attempt_at LIMIT \(Self.batchSize) FOR UPDATE OF d2 SKIP LOCKED)
            RETURNING d.id, d.endpoint_id, e.owner_id, d.message_id, d.payload, d.attempt_count, e.url, e.secret_sealed,
                e.previous_secret_sealed, e.previous_secret_expires_at
            """,
            logger: logger
        ).collect()
        return try rows.map { row in
            let (id, endpoint, owner, message, payload, count, url, secret, previous, expires) = try row.decode(
                (UUID, UUID, UUID, String, String, Int, String, ByteBuffer, ByteBuffer?, Date?).self)
            return Leased(
                id: id, endpoint: endpoint, owner: owner, messageID: message, payload: payload, attempt: count + 1, url: url, secret: secret,
                previousSecret: previous, previousExpiresAt: expires)
        }
    }

    /// One attempt: sign with the current secret (and the previous one during its overlap), POST,
    /// record.
    func attempt(_ delivery: Leased, logger: Logger) async {
        let outcome: WebhookSender.Outcome
        do {
            let now = self.clock.now
            var secrets = [try await self.box.open(delivery.secret, endpoint: delivery.endpoint, logger: logger)]
            if let previous = delivery.previousSecret, let expires = delivery.previousExpiresAt, expires > now {
                secrets.append(try await self.box.open(previous, endpoint: delivery.endpoint, logger: logger))
            }
            let timestamp = Int64(now.timeIntervalSince1970.rounded(.down))
            let signature = StandardWebhookSignature.signatureHeaderValue(
                id: delivery.messageID, timestamp: timestamp, body: Data(delivery.payload.utf8), secrets: secrets)
            let headers = [
                ("webhook-id", delivery.messageID), ("webhook-timestamp", String(timestamp)), ("webhook-signature", signature),
                ("content-type", "application/json"), ("user-agent", "Tract-Webhooks/1"),
            ]
            guard let url = URL(string: delivery.url) else { throw WebhookSecretUnreadable() }
            outcome = await self.sender.post(url, headers: headers, body: delivery.payload)
        } catch {
            outcome = WebhookSender.Outcome(error: "the endpoint's secret could not be read", durationMilliseconds: 0)
        }
        do {
            try await self.record(delivery, outcome: outcome, logger: logger)
        } catch {
            // The lease runs out and the delivery is tried again.
            logger.error("webhook attempt not recorded", metadata: ["delivery_id": "\(delivery.id)", "error": "\(error)"])
        }
    }

    /// Logs the attempt and moves the delivery (and, on 410 or five days of failures, the endpoint) on.
    func record(_ delivery: Leased, outcome: WebhookSender.Outcome, logger: Logger) async throws {
        let now = self.clock.now
        let verdict = WebhookRetrySchedule.verdict(
            attempt: delivery.attempt, status: outcome.status, retryAfter: outcome.retryAfter, now: now, jitter: self.jitter(),
            retryAfterCap: TimeInterval(self.settings.retryAfterCap.components.seconds))
        var nextAttempt: Date?
        if case .retry(let at) = verdict { nextAttempt = at }
        try await self.postgres.transaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO communications.webhook_attempts (id, delivery_id, attempt, attempted_at, status_code, duration_ms,
                    response_excerpt, error, next_attempt_at)
                VALUES (\(self.ids.next()), \(delivery.id), \(delivery.attempt), \(now), \(outcome.status), \(outcome.durationMilliseconds),
                    \(outcome.excerpt), \(outcome.error.map { String($0.prefix(500)) }), \(nextAttempt))
                """,
                logger: logger)
            switch verdict {
            case .delivered:
                try await connection.query(
                    """
                    UPDATE communications.webhook_deliveries SET status = 'delivered', attempt_count = \(delivery.attempt),
                        last_attempt_at = \(now), delivered_at = \(now), next_attempt_at = NULL
                    WHERE id = \(delivery.id)
                    """,
                    logger: logger)
                try await connection.query(
                    "UPDATE communications.webhook_endpoints SET failing_since = NULL WHERE id = \(delivery.endpoint) AND failing_since IS NOT NULL",
                    logger: logger)
            case .gone:
                try await self.finish(delivery, status: "failed", now: now, on: connection, logger: logger)
                try await self.disable(delivery.endpoint, owner: delivery.owner, reason: "gone", now: now, on: connection, logger: logger)
            case .retry(let at):
                try await connection.query(
                    """
                    UPDATE communications.webhook_deliveries SET attempt_count = \(delivery.attempt), last_attempt_at = \(now),
                        next_attempt_at = \(at)
                    WHERE id = \(delivery.id) AND status = 'pending'
                    """,
                    logger: logger)
                try await self.failed(delivery, now: now, on: connection, logger: logger)
            case .exhausted:
                try await self.finish(delivery, status: "failed", now: now, on: connection, logger: logger)
                try await self.failed(delivery, now: now, on: connection, logger: logger)
            }
        }
        let result: String =
            switch verdict {
            case .delivered: "delivered"
            case .gone: "gone"
            case .retry: "retry"
            case .exhausted: "exhausted"
            }
        Counter(label: "tract_webhook_attempts_total", dimensions: [("outcome", result)]).increment()
        logger.debug(
            "webhook attempt", metadata: ["delivery_id": "\(delivery.id)", "attempt": "\(delivery.attempt)", "status": "\(outcome.status ?? 0)"])
    }

    private func finish(_ delivery: Leased, status: String, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE communications.webhook_deliveries SET status = \(status), attempt_count = \(delivery.attempt), last_attempt_at = \(now),
                next_attempt_at = NULL
            WHERE id = \(delivery.id)
            """,
            logger: logger)
    }

    /// A failure starts (or continues) the endpoint's failing streak; five days of it disable it.
    private func failed(_ delivery: Leased, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            UPDATE communications.webhook_endpoints SET failing_since = COALESCE(failing_since, \(now))
            WHERE id = \(delivery.endpoint) AND enabled RETURNING failing_since
            """,
            logger: logger)
        for try await since in rows.decode(Date.self) where now.timeIntervalSince(since) >= Self.disableAfterFailing {
            try await self.disable(delivery.endpoint, owner: delivery.owner, reason: "failing", now: now, on: connection, logger: logger)
        }
    }

    /// Disables the endpoint, ends its queued deliveries (a replay can send them once it is
    /// enabled again), and tells its owner in the app and by mail.
    private func disable(_ endpoint: UUID, owner: UUID, reason: String, now: Date, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        let rows = try await connection.query(
            """
            UPDATE communications.webhook_endpoints SET enabled = false, disabled_reason = \(reason), disabled_at = \(now), updated_at = \(now)
            WHERE id = \(endpoint) AND enabled RETURNING url
            """,
            logger: logger)
        var url: String?
        for try await value in rows.decode(String.self) { url = value }
        guard let url else { return }
        try await connection.query(
            """
            UPDATE communications.webhook_deliveries SET status = 'failed', next_attempt_at = NULL
            WHERE endpoint_id = \(endpoint) AND status = 'pending'
            """,
            logger: logger)
        let title = "A webhook endpoint was disabled"
        let message =
            reason == "gone"
            ? "Your webhook endpoint \(url) answered 410 Gone, so Tract stopped sending to it. Enable it again once it receives webhooks."
            : "Every delivery to your webhook endpoint \(url) failed for five days, so Tract stopped sending to it. Fix the receiver, enable the endpoint and replay what it missed."
        let path = "/settings/webhooks/\(endpoint.uuidString.lowercased())"
        try await self.notifier.notify(
            [
                NotificationDraft(
                    userID: owner, type: "webhook.endpoint_disabled", category: .security, title: title, message: message, actionURL: path,
                    priority: .high,
                    email: EmailContent(
                        templateKey: "notification", variables: ["title": title, "message": message, "link": self.notifications.link(path)]),
                    dedupeKey: "webhook-disabled:\(endpoint.uuidString.lowercased()):\(Int64(now.timeIntervalSince1970))")
            ], on: connection, logger: logger)
    }
}

/// Whose property an event is about, asked of `properties` (outside any transaction). Nil when
/// the property is gone: only platform endpoints then hear of the event.
struct PropertySponsors: Sendable {
    let properties: PropertyLookups

    init(_ dependencies: ServiceDependencies) {
        self.properties = PropertyLookups(dependencies)
    }

    func sponsor(of property: UUID) async throws -> UUID? {
        try await self.properties.property(property, context: .background())?.sponsorId
    }
}
