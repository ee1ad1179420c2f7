import Foundation
import HTTPTypes
import Logging
import Models
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// Sends the email channel of notifications, beside the server: mails that are due (now, or when
/// quiet hours ended), and each user's digest once their digest hour comes.
///
/// Safe with replicas: rows are claimed `FOR UPDATE SKIP LOCKED` and held by a lease
/// (`claimed_until`), not by an open transaction, so no connection waits on the mail server and a
/// replica that dies mid-send leaves its rows to be taken again when the lease lapses. Sends go
/// through `EmailSends` keyed by the delivery's (or digest's) id, so a retried claim mails nobody
/// twice. A failure is retried on the kit's `RetrySchedule` until `maximumAttempts`.
struct NotificationDelivery: Service {
    /// A claim this long outlives any SMTP conversation (`EmailSends` gives up on a stale one after 120 s).
    static let lease: TimeInterval = 300

    let postgres: PostgresClient
    let sends: EmailSends
    let directory: UserDirectory
    let unsubscribeKey: UnsubscribeKey
    let settings: NotificationSettings
    let clock: ServiceClock
    let ids: IDGenerator
    let logger: Logger

    func run() async throws {
        try await PeriodicWork("notification delivery", every: self.settings.deliveryInterval, logger: self.logger) {
            try await self.passOnce()
            return false
        }.run()
    }

    /// One pass: digests that are due are bundled, then due mails and digests are sent.
    func passOnce() async throws {
        try await self.bundleDueDigests()
        try await self.sendDueMails()
        try await self.sendDueDigests()
    }

    /// Claims up to a batch of `table`'s due rows (mails and digests share the shape): a lease, not
    /// a held transaction, so replicas skip each other's rows and a dead replica's come due again.
    /// `table` and `returning` are names from this file, never from a request.
    private func claimDue(_ table: String, now: Date, returning: String) -> PostgresQuery {
        """
        UPDATE communications.\(unescaped: table) d
        SET claimed_until = \(now.addingTimeInterval(Self.lease)), attempts = d.attempts + 1, updated_at = \(now)
        FROM (
            SELECT id FROM communications.\(unescaped: table)
            WHERE status = 'pending' AND due_at <= \(now) AND (claimed_until IS NULL OR claimed_until < \(now))
            ORDER BY due_at LIMIT \(self.settings.deliveryBatch) FOR UPDATE SKIP LOCKED
        ) due
        WHERE d.id = due.id
        RETURNING \(unescaped: returning)
        """
    }

    // MARK: Single mails

    struct Claimed: Sendable {
        var id: UUID
        var user: UUID
        var category: NotificationCategory
        var type: String
        var critical: Bool
        var template: String
        var variables: [String: String]
        var to: String?
        var attempts: Int
        /// The notification was deleted by its user, or expired, while its mail waited.
        var gone: Bool
    }

    func sendDueMails() async throws {
        let now = self.clock.now
        let rows = try await self.postgres.query(
            self.claimDue(
                "notification_deliveries", now: now,
                // d.updated_at is `now`, as the claim just set it.
                returning: """
                    d.id, d.user_id, d.category, d.type, d.critical, d.template_key, d.variables::text, d.to_email, d.attempts,
                    (SELECT n.deleted_at IS NOT NULL OR coalesce(n.expires_at <= d.updated_at, false)
                     FROM communications.notifications n WHERE n.id = d.notification_id)
                    """),
            logger: self.logger
        )
        var claimed: [Claimed] = []
        for try await (id, user, category, type, critical, template, variables, to, attempts, gone) in rows.decode(
            (UUID, UUID, String, String, Bool, String, String, String?, Int, Bool).self)
        {
            let values = (try? JSONDecoder().decode([String: String].self, from: Data(variables.utf8))) ?? [:]
            claimed.append(
                Claimed(
                    id: id, user: user, category: NotificationCategory(rawValue: category) ?? .product, type: type, critical: critical,
                    template: template, variables: values, to: to, attempts: attempts, gone: gone))
        }
        guard !claimed.isEmpty else { return }
        let settings = try await self.postgres.withConnection { connection in
            try await NotificationSettingsStore.load(Array(Set(claimed.map(\.user))), on: connection, logger: self.logger)
        }
        // Several at a time (each waits on auth and the mail server), never more than the setting.
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for mail in claimed {
                if running >= self.settings.deliveryConcurrency {
                    await group.next()
                    running -= 1
                }
                let choices = settings[mail.user] ?? UserNotificationSettings()
                group.addTask { await self.deliver(mail, settings: choices) }
                running += 1
            }
        }
    }

    /// One claimed mail: skipped when the user turned its email off since it was planned, else sent.
    private func deliver(_ mail: Claimed, settings: UserNotificationSettings) async {
        let wanted = DeliveryPlan.stillWanted(category: mail.category, type: mail.type, critical: mail.critical, settings: settings)
        guard wanted, !mail.gone else {
            // Muted or unsubscribed since it was planned, or no longer there to tell of.
            do {
                try await self.finish(
                    table: "notification_deliveries", mail.id, status: "skipped",
                    error: wanted ? "notification deleted or expired" : "email turned off by the user")
            } catch {
                self.logger.warning("notification mail not recorded", metadata: ["id": "\(mail.id)", "error": .string(String(reflecting: error))])
            }
            return
        }
        let unsubscribe = mail.critical || mail.category.isLocked ? nil : mail.category.rawValue
        await self.send(
            table: "notification_deliveries", id: mail.id, user: mail.user, template: mail.template, variables: mail.variables, to: mail.to,
            unsubscribeCategory: unsubscribe, attempts: mail.attempts
        )
    }

    // MARK: Digests

    /// Moves each user's due digest rows into one new digest (set-based); a row another replica
    /// bundled first is no longer `digest` and is left alone.
    func bundleDueDigests() async throws {
        let now = self.clock.now
        var users: [UUID] = []
        for try await user in try await self.postgres.query(
            """
            SELECT DISTINCT user_id FROM communications.notification_deliveries
            WHERE status = 'digest' AND due_at <= \(now) LIMIT \(self.settings.deliveryBatch)
            """,
            logger: self.logger
        ).decode(UUID.self) {
            users.append(user)
        }
        guard !users.isEmpty else { return }
        let digestIDs = users.map { _ in self.ids.next() }
        try await self.postgres.query(
            """
            WITH g AS (SELECT * FROM unnest(\(users)::uuid[], \(digestIDs)::uuid[]) AS g (user_id, id)),
            moved AS (
                UPDATE communications.notification_deliveries d SET status = 'bundled', digest_id = g.id, updated_at = \(now)
                FROM g WHERE d.user_id = g.user_id AND d.status = 'digest' AND d.due_at <= \(now)
                RETURNING d.digest_id
            )
            INSERT INTO communications.notification_digests (id, user_id, notification_count, status, due_at, created_at, updated_at)
            SELECT g.id, g.user_id, count(*), 'pending', \(now), \(now), \(now) FROM g JOIN moved ON moved.digest_id = g.id
            GROUP BY g.id, g.user_id
            """,
            logger: self.logger
        )
    }

    func sendDueDigests() async throws {
        let rows = try await self.postgres.query(
            self.claimDue("notification_digests", now: self.clock.now, returning: "d.id, d.user_id, d.attempts"), logger: self.logger)
        var claimed: [(id: UUID, user: UUID, attempts: Int)] = []
        for try await row in rows.decode((UUID, UUID, Int).self) { claimed.append(row) }
        for digest in claimed {
            let (items, settings) = try await self.postgres.withConnection { connection in
                var items: [(category: NotificationCategory, type: String, critical: Bool, title: String, message: String)] = []
                let rows = try await connection.query(
                    """
                    SELECT n.category, n.type, d.critical, n.title, n.message
                    FROM communications.notification_deliveries d JOIN communications.notifications n ON n.id = d.notification_id
                    WHERE d.digest_id = \(digest.id) AND n.deleted_at IS NULL ORDER BY n.created_at, n.id
                    """,
                    logger: self.logger
                )
                for try await (category, type, critical, title, message) in rows.decode((String, String, Bool, String, String).self) {
                    items.append((NotificationCategory(rawValue: category) ?? .product, type, critical, title, message))
                }
                let settings = try await NotificationSettingsStore.load([digest.user], on: connection, logger: self.logger)
                return (items, settings[digest.user] ?? UserNotificationSettings())
            }
            let wanted = items.filter {
                DeliveryPlan.stillWanted(category: $0.category, type: $0.type, critical: $0.critical, settings: settings)
            }
            guard !wanted.isEmpty else {
                try await self.finish(table: "notification_digests", digest.id, status: "skipped", error: "nothing left to send")
                continue
            }
            let variables = [
                "count": String(wanted.count),
                "items": wanted.map { "• \($0.title)\n  \($0.message)" }.joined(separator: "\n\n"),
                "noun": wanted.count == 1 ? "update" : "updates",
            ]
            await self.send(
                table: "notification_digests", id: digest.id, user: digest.user, template: "notification_digest", variables: variables,
                to: nil, unsubscribeCategory: UnsubscribeToken.everyCategory, attempts: digest.attempts
            )
        }
    }

    // MARK: Sending

    /// Sends one claimed mail and records the outcome on its row; never throws, so one bad mail
    /// does not hold up the others.
    private func send(
        table: String, id: UUID, user: UUID, template: String, variables: [String: String], to: String?, unsubscribeCategory: String?,
        attempts: Int
    ) async {
        do {
            var variables = variables
            // The address the creator gave (auth's, for its own mail), else auth's answer now.
            var address = to
            if address == nil {
                let contact = try await self.directory.contact(of: user, context: .background(requestID: id.uuidString.lowercased()))
                guard let contact else {
                    try await self.finish(table: table, id, status: "skipped", error: "no account")
                    return
                }
                address = contact.email
                if variables["greeting_name"] == nil { variables["greeting_name"] = contact.firstName ?? "investor" }
            }
            if variables["greeting_name"] == nil { variables["greeting_name"] = "there" }
            var headers: [(name: String, value: String)] = []
            if let category = unsubscribeCategory {
                let token = UnsubscribeToken(
                    userID: user, category: category, expiresAt: self.clock.now.addingTimeInterval(self.settings.unsubscribeLinkLifetime.inSeconds)
                )
                let url = self.settings.link(
                    "/v1/communications/unsubscribe/\(token.signed(with: try await self.unsubscribeKey.key(logger: self.logger)))")
                variables["unsubscribe_url"] = url
                // RFC 8058 §3.1: both headers, the URI https in production (PUBLIC_URL).
                headers = [(name: "List-Unsubscribe", value: "<\(url)>"), (name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click")]
            }
            let receipt = try await self.sends.send(
                EmailRequest(templateKey: template, to: address ?? "", variables: variables),
                idempotencyKey: "\(table):\(id.uuidString.lowercased())",
                requestedBy: ServiceName.communications.rawValue, recipientID: user, headers: headers, logger: self.logger
            )
            try await self.finish(
                table: table, id, status: receipt.status == "sent" ? "sent" : "failed",
                error: receipt.status == "sent" ? nil : "refused by the mail server",
                emailSend: receipt.id)
        } catch let problem as Problem where problem.status == .unprocessableContent || problem.status == .forbidden {
            // A template or address that cannot be sent: trying again cannot help.
            try? await self.finish(table: table, id, status: "failed", error: problem.description)
        } catch {
            await self.retryLater(table: table, id, attempts: attempts, error: error)
        }
    }

    private func retryLater(table: String, _ id: UUID, attempts: Int, error: any Error) async {
        var generator = SystemRandomNumberGenerator()
        let delay = self.settings.retries.delay(afterAttempts: attempts, using: &generator)
        let due = self.clock.now.addingTimeInterval(delay.inSeconds)
        let giveUp = attempts >= self.settings.maximumAttempts
        self.logger.warning(
            "notification mail not sent", metadata: ["id": "\(id)", "attempts": "\(attempts)", "error": .string(String(reflecting: error))])
        do {
            try await self.postgres.query(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE communications.\(table) SET status = $2, due_at = $3, claimed_until = NULL, last_error = left($4, 1000), updated_at = $5
                        WHERE id = $1
                        """,
                    binds: Self.binds(id, giveUp ? "failed" : "pending", due, String(describing: error), self.clock.now)
                ),
                logger: self.logger
            )
        } catch {
            self.logger.warning("notification retry not recorded", metadata: ["id": "\(id)", "error": .string(String(reflecting: error))])
        }
    }

    /// `table` is one of this file's two names, never input.
    private func finish(table: String, _ id: UUID, status: String, error: String?, emailSend: UUID? = nil) async throws {
        var binds = PostgresBindings()
        binds.append(id)
        binds.append(status)
        binds.append(error)
        binds.append(emailSend)
        binds.append(self.clock.now)
        try await self.postgres.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE communications.\(table)
                    SET status = $2, last_error = $3, email_send_id = $4, claimed_until = NULL, updated_at = $5,
                        sent_at = CASE WHEN $2 = 'sent' THEN $5 END
                    WHERE id = $1
                    """,
                binds: binds
            ),
            logger: self.logger
        )
    }

    private static func binds(_ id: UUID, _ status: String, _ due: Date, _ error: String, _ now: Date) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(id)
        binds.append(status)
        binds.append(due)
        binds.append(error)
        binds.append(now)
        return binds
    }
}
