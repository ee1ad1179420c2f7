import Foundation
import Logging
import Models
import NIOCore
import PostgresNIO
import ServiceKit

/// Webhook endpoints, their deliveries and attempts, as their owner sees and changes them
/// (seed 004 §1.6). Every statement names the owner: another user's endpoint is the same 404 as
/// none at all.
struct WebhookEndpoints: Sendable {
    let postgres: PostgresClient
    let box: WebhookSecretBox
    let clock: ServiceClock
    let ids: IDGenerator
    let settings: WebhookSettings

    static let notFound = Problem.notFound("No webhook endpoint has this id.")
    static let deliveryNotFound = Problem.notFound("No delivery of this endpoint has this id.")
    static let order = Keyset.newestFirst
    static let attemptOrder = Keyset("attempts", key: "x.attempted_at", type: "timestamptz", descending: true)

    static let document = """
        jsonb_build_object('id', x.id, 'url', x.url, 'description', x.description, 'event_types', to_jsonb(x.event_types),
            'scope', x.scope, 'organization_id', x.organization_id, 'enabled', x.enabled, 'disabled_reason', x.disabled_reason,
            'disabled_at', communications.rfc3339(x.disabled_at), 'failing_since', communications.rfc3339(x.failing_since),
            'previous_secret_expires_at', communications.rfc3339(x.previous_secret_expires_at),
            'created_at', communications.rfc3339(x.created_at), 'updated_at', communications.rfc3339(x.updated_at))
        """

    static let deliveryDocument = """
        jsonb_build_object('id', x.id, 'endpoint_id', x.endpoint_id, 'message_id', x.message_id, 'event_type', x.event_type,
            'payload', x.payload::jsonb, 'status', x.status, 'attempt_count', x.attempt_count,
            'next_attempt_at', CASE WHEN x.status = 'pending' THEN communications.rfc3339(x.next_attempt_at) END,
            'last_attempt_at', communications.rfc3339(x.last_attempt_at), 'delivered_at', communications.rfc3339(x.delivered_at),
            'created_at', communications.rfc3339(x.created_at))
        """

    static let attemptDocument = """
        jsonb_build_object('id', x.id, 'attempt', x.attempt, 'attempted_at', communications.rfc3339(x.attempted_at),
            'status_code', x.status_code, 'duration_ms', x.duration_ms, 'response_excerpt', x.response_excerpt, 'error', x.error,
            'next_attempt_at', communications.rfc3339(x.next_attempt_at))
        """

    /// What a new endpoint or a change sets.
    struct Fields: Sendable {
        var url: String
        var description: String?
        var eventTypes: [String]
        var enabled: Bool
    }

    /// Registers an endpoint with a fresh secret, returned this once and never again.
    func create(_ fields: Fields, owner: UUID, organization: UUID?, scope: String, logger: Logger) async throws
        -> (document: String, secret: StandardWebhookSignature.Secret)
    {
        let id = self.ids.next()
        let secret = StandardWebhookSignature.Secret.generate()
        let sealed = try await self.box.seal(secret, endpoint: id, logger: logger)
        let now = self.clock.now
        let document = try await self.postgres.transaction(logger: logger) { connection in
            // One owner's creations take turns, so two at once cannot both pass the limit.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(owner.uuidString.lowercased()), 17))", logger: logger)
            for try await count in try await connection.query(
                "SELECT count(*)::int FROM communications.webhook_endpoints WHERE owner_id = \(owner)", logger: logger
            ).decode(Int.self) where count >= self.settings.maxEndpointsPerOwner {
                throw Problem.conflict("You have \(count) webhook endpoints, the most one account may have; delete one first.")
            }
            let rows = try await connection.query(
                """
                INSERT INTO communications.webhook_endpoints AS x (id, owner_id, organization_id, scope, url, description, event_types, enabled,
                    disabled_reason, disabled_at, secret_sealed, created_at, updated_at)
                VALUES (\(id), \(owner), \(organization), \(scope), \(fields.url), \(fields.description), \(fields.eventTypes), \(fields.enabled),
                    \(fields.enabled ? nil : "owner"), \(fields.enabled ? nil : now), \(sealed), \(now), \(now))
                RETURNING \(unescaped: Self.document)::text
                """,
                logger: logger)
            for try await text in rows.decode(String.self) { return text }
            throw Self.notFound
        }
        return (document, secret)
    }

    func document(_ id: UUID, owner: UUID, logger: Logger) async throws -> String {
        let rows = try await self.postgres.query(
            "SELECT \(unescaped: Self.document)::text FROM communications.webhook_endpoints x WHERE x.id = \(id) AND x.owner_id = \(owner)",
            logger: logger)
        for try await text in rows.decode(String.self) { return text }
        throw Self.notFound
    }

    func list(owner: UUID, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        let sql = """
            SELECT \(Self.document)::text, \(page.selectKey), x.id FROM communications.webhook_endpoints x
            WHERE x.owner_id = \(binds.add(owner)) AND \(page.after(&binds)) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    /// The stored fields, for a PATCH to lay its keys over.
    func fields(_ id: UUID, owner: UUID, logger: Logger) async throws -> Fields {
        let rows = try await self.postgres.query(
            "SELECT url, description, event_types, enabled FROM communications.webhook_endpoints WHERE id = \(id) AND owner_id = \(owner)",
            logger: logger)
        for try await (url, description, types, enabled) in rows.decode((String, String?, [String], Bool).self) {
            return Fields(url: url, description: description, eventTypes: types, enabled: enabled)
        }
        throw Self.notFound
    }

    /// Re-enabling clears the failure streak: the owner says the receiver is back.
    func update(_ id: UUID, owner: UUID, to fields: Fields, logger: Logger) async throws -> String {
        let now = self.clock.now
        let rows = try await self.postgres.query(
            """
            UPDATE communications.webhook_endpoints x SET url = \(fields.url), description = \(fields.description),
                event_types = \(fields.eventTypes), updated_at = \(now),
                enabled = \(fields.enabled),
                disabled_reason = CASE WHEN \(fields.enabled) THEN NULL WHEN x.enabled THEN 'owner' ELSE x.disabled_reason END,
                disabled_at = CASE WHEN \(fields.enabled) THEN NULL WHEN x.enabled THEN \(now) ELSE x.disabled_at END,
                failing_since = CASE WHEN \(fields.enabled) AND NOT x.enabled THEN NULL ELSE x.failing_since END
            WHERE x.id = \(id) AND x.owner_id = \(owner)
            RETURNING \(unescaped: Self.document)::text
            """,
            logger: logger)
        for try await text in rows.decode(String.self) { return text }
        throw Self.notFound
    }

    /// Deletes the endpoint with its deliveries and attempts.
    func delete(_ id: UUID, owner: UUID, logger: Logger) async throws {
        let rows = try await self.postgres.query(
            "DELETE FROM communications.webhook_endpoints WHERE id = \(id) AND owner_id = \(owner) RETURNING id", logger: logger
        ).collect()
        if rows.isEmpty { throw Self.notFound }
    }

    /// A new secret; the current one becomes the previous and keeps signing beside it for the
    /// overlap, so the receiver can switch without dropping a message. A previous secret still in
    /// its overlap is replaced: two at a time at most.
    func rotate(_ id: UUID, owner: UUID, logger: Logger) async throws -> (secret: StandardWebhookSignature.Secret, previousExpiresAt: Date) {
        let secret = StandardWebhookSignature.Secret.generate()
        let sealed = try await self.box.seal(secret, endpoint: id, logger: logger)
        let now = self.clock.now
        let expires = now.addingTimeInterval(TimeInterval(self.settings.rotationOverlap.components.seconds))
        let rows = try await self.postgres.query(
            """
            UPDATE communications.webhook_endpoints SET previous_secret_sealed = secret_sealed, previous_secret_expires_at = \(expires),
                secret_sealed = \(sealed), updated_at = \(now)
            WHERE id = \(id) AND owner_id = \(owner) RETURNING id
            """,
            logger: logger
        ).collect()
        if rows.isEmpty { throw Self.notFound }
        return (secret, expires)
    }

    func deliveries(endpoint: UUID, owner: UUID, status: String?, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        try await self.requireOwned(endpoint, owner: owner, logger: logger)
        var binds = SQLBinds()
        var conditions = ["x.endpoint_id = \(binds.add(endpoint))"]
        if let status { conditions.append("x.status = \(binds.add(status))") }
        let sql = """
            SELECT \(Self.deliveryDocument)::text, \(page.selectKey), x.id FROM communications.webhook_deliveries x
            WHERE \(conditions.joined(separator: " AND ")) AND \(page.after(&binds)) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    func attempts(endpoint: UUID, delivery: UUID, owner: UUID, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        try await self.requireDelivery(delivery, endpoint: endpoint, owner: owner, logger: logger)
        var binds = SQLBinds()
        let sql = """
            SELECT \(Self.attemptDocument)::text, \(page.selectKey), x.id FROM communications.webhook_attempts x
            WHERE x.delivery_id = \(binds.add(delivery)) AND \(page.after(&binds)) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    /// Queues a finished delivery again, now, from the schedule's start, with its message id and
    /// body unchanged (the receiver can tell it has seen it).
    func replay(endpoint: UUID, delivery: UUID, owner: UUID, logger: Logger) async throws -> String {
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT d.status, e.enabled FROM communications.webhook_deliveries d
                JOIN communications.webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.id = \(delivery) AND d.endpoint_id = \(endpoint) AND e.owner_id = \(owner)
                FOR UPDATE OF d
                """,
                logger: logger)
            var found: (String, Bool)?
            for try await row in rows.decode((String, Bool).self) { found = row }
            guard let (status, enabled) = found else {
                try await self.requireOwned(endpoint, owner: owner, on: connection, logger: logger)
                throw Self.deliveryNotFound
            }
            guard enabled else { throw Problem.conflict("The endpoint is disabled; enable it before replaying its deliveries.") }
            guard status != "pending" else { throw Problem.conflict("This delivery is queued already.") }
            let updated = try await connection.query(
                """
                UPDATE communications.webhook_deliveries x SET status = 'pending', attempt_count = 0, next_attempt_at = \(now),
                    delivered_at = NULL
                WHERE x.id = \(delivery) RETURNING \(unescaped: Self.deliveryDocument)::text
                """,
                logger: logger)
            for try await text in updated.decode(String.self) { return text }
            throw Self.deliveryNotFound
        }
    }

    /// Queues a `webhook.test` message to the endpoint, whatever it subscribes to.
    func queueTest(endpoint: UUID, owner: UUID, logger: Logger) async throws -> String {
        let now = self.clock.now
        let id = self.ids.next()
        let body = try WebhookEvents.body(
            type: WebhookEvents.testType, timestamp: now,
            data: .object([
                "endpoint_id": .string(endpoint.uuidString.lowercased()), "message": "A test event from Tract: this endpoint receives webhooks.",
            ]))
        return try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT enabled FROM communications.webhook_endpoints WHERE id = \(endpoint) AND owner_id = \(owner) FOR SHARE", logger: logger)
            var enabled: Bool?
            for try await value in rows.decode(Bool.self) { enabled = value }
            guard let enabled else { throw Self.notFound }
            guard enabled else { throw Problem.conflict("The endpoint is disabled; enable it before sending it a test event.") }
            let inserted = try await connection.query(
                """
                INSERT INTO communications.webhook_deliveries AS x (id, endpoint_id, message_id, event_id, event_type, payload, status,
                    next_attempt_at, created_at)
                VALUES (\(id), \(endpoint), \(Self.messageID(id)), NULL, \(WebhookEvents.testType), \(body), 'pending', \(now), \(now))
                RETURNING \(unescaped: Self.deliveryDocument)::text
                """,
                logger: logger)
            for try await text in inserted.decode(String.self) { return text }
            throw Self.notFound
        }
    }

    /// The `webhook-id` of a delivery: `msg_` and its id's hex, the same on every attempt.
    static func messageID(_ delivery: UUID) -> String {
        "msg_" + delivery.uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    private func requireOwned(_ endpoint: UUID, owner: UUID, logger: Logger) async throws {
        try await self.postgres.withConnection { try await self.requireOwned(endpoint, owner: owner, on: $0, logger: logger) }
    }

    private func requireOwned(_ endpoint: UUID, owner: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            "SELECT id FROM communications.webhook_endpoints WHERE id = \(endpoint) AND owner_id = \(owner)", logger: logger
        ).collect()
        if rows.isEmpty { throw Self.notFound }
    }

    private func requireDelivery(_ delivery: UUID, endpoint: UUID, owner: UUID, logger: Logger) async throws {
        try await self.requireOwned(endpoint, owner: owner, logger: logger)
        let rows = try await self.postgres.query(
            "SELECT id FROM communications.webhook_deliveries WHERE id = \(delivery) AND endpoint_id = \(endpoint)", logger: logger
        ).collect()
        if rows.isEmpty { throw Self.deliveryNotFound }
    }
}
