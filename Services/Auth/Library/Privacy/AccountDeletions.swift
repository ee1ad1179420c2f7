import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// An account deletion request as its owner sees it (`GET /v1/auth/me/deletion`).
struct AccountDeletionStatus: Codable, Sendable, ResponseEncodable {
    var id: UUID
    /// `pending` (scheduled, cancellable until `due_at`) or `cancelled`.
    var status: String
    var requestedAt: Date
    var dueAt: Date
    var cancelledAt: Date?
}

/// A due request the sweep has taken: whose, the stand-in id, the services that already acknowledged.
struct ClaimedDeletion: Sendable {
    var id: UUID
    var userID: UUID
    var anonymousID: UUID
    /// The account's address, for rows other services keyed by it alone (mail sent to it).
    var email: String?
    var acknowledged: Set<String>
}

/// `auth.deletion_requests` and `auth.deletion_acknowledgements` (issue 16, privacy; GDPR Art. 17).
struct AccountDeletions: Sendable {
    let postgres: PostgresClient
    let clock: ServiceClock
    let ids: IDGenerator
    let settings: PrivacySettings

    /// Schedules the user's deletion `deletionDelay` from now, or answers the pending request (a
    /// second ask does not move the date). 409 while the user owns an organisation with other
    /// members: they would be left without an owner, so ownership is transferred first. An
    /// organisation the user alone belongs to goes with the account.
    func request(userID: UUID, audit: AuditRequest, logger: Logger) async throws -> (status: AccountDeletionStatus, created: Bool) {
        let now = self.clock.now
        let newID = self.ids.next()
        return try await self.postgres.transaction(logger: logger) { connection in
            try await SignedInAccount.lock(userID, on: connection, logger: logger)
            if let existing = try await self.pending(userID: userID, on: connection, logger: logger) { return (existing, false) }
            if let slug = try await Self.ownedWithMembers(userID, on: connection, logger: logger) {
                throw Problem.conflict("You own the organisation \(slug), which has other members: transfer its ownership first.")
            }
            let due = now.addingTimeInterval(self.settings.deletionDelay.inSeconds)
            try await connection.query(
                """
                INSERT INTO auth.deletion_requests (id, user_id, anonymous_id, due_at, next_attempt_at, created_at)
                VALUES (\(newID), \(userID), \(UUID()), \(due), \(due), \(now))
                """,
                logger: logger)
            try await AuditLog.record(
                AuditEntry(
                    action: "account_deletion.requested", actor: .user(userID),
                    target: .resource(type: "deletion_request", id: newID.uuidString.lowercased()), request: audit),
                on: connection, logger: logger)
            // As stored (microseconds), so the answer equals every later one.
            guard let created = try await self.pending(userID: userID, on: connection, logger: logger) else {
                throw Problem.unauthorized("This token does not belong to a user account.")
            }
            return (created, true)
        }
    }

    /// Cancels the user's pending request; nil when there is none (404).
    func cancel(userID: UUID, audit: AuditRequest, logger: Logger) async throws -> AccountDeletionStatus? {
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                UPDATE auth.deletion_requests SET status = 'cancelled', cancelled_at = \(now)
                WHERE user_id = \(userID) AND status = 'pending' RETURNING id, created_at, due_at
                """,
                logger: logger)
            for try await (id, created, due) in rows.decode((UUID, Date, Date).self) {
                try await AuditLog.record(
                    AuditEntry(
                        action: "account_deletion.cancelled", actor: .user(userID),
                        target: .resource(type: "deletion_request", id: id.uuidString.lowercased()), request: audit),
                    on: connection, logger: logger)
                return AccountDeletionStatus(id: id, status: "cancelled", requestedAt: created, dueAt: due, cancelledAt: now)
            }
            return nil
        }
    }

    /// The user's newest request (pending or cancelled); nil when they never asked.
    func latest(userID: UUID, logger: Logger) async throws -> AccountDeletionStatus? {
        let rows = try await self.postgres.query(
            """
            SELECT id, status, created_at, due_at, cancelled_at FROM auth.deletion_requests
            WHERE user_id = \(userID) ORDER BY created_at DESC, id DESC LIMIT 1
            """,
            logger: logger)
        for try await (id, status, created, due, cancelled) in rows.decode((UUID, String, Date, Date, Date?).self) {
            return AccountDeletionStatus(id: id, status: status, requestedAt: created, dueAt: due, cancelledAt: cancelled)
        }
        return nil
    }

    private func pending(userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> AccountDeletionStatus? {
        let rows = try await connection.query(
            "SELECT id, created_at, due_at FROM auth.deletion_requests WHERE user_id = \(userID) AND status = 'pending'", logger: logger)
        for try await (id, created, due) in rows.decode((UUID, Date, Date).self) {
            return AccountDeletionStatus(id: id, status: "pending", requestedAt: created, dueAt: due)
        }
        return nil
    }

    /// Takes the next due request and pushes its next attempt ahead by the retry interval, in one
    /// statement (`SKIP LOCKED`, so replicas share the work); a sweep that dies leaves it to be
    /// taken again then.
    func claim(logger: Logger) async throws -> ClaimedDeletion? {
        let now = self.clock.now
        let retryAt = now.addingTimeInterval(self.settings.deletionRetryDelay.inSeconds)
        let rows = try await self.postgres.query(
            """
            UPDATE auth.deletion_requests r SET attempts = attempts + 1, next_attempt_at = \(retryAt)
            WHERE id = (
                SELECT id FROM auth.deletion_requests WHERE status = 'pending' AND next_attempt_at <= \(now) AND due_at <= \(now)
                ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED
            )
            RETURNING id, user_id, anonymous_id, (SELECT email FROM auth.users u WHERE u.id = r.user_id),
                (SELECT coalesce(array_agg(service), '{}') FROM auth.deletion_acknowledgements a WHERE a.request_id = r.id)
            """,
            logger: logger)
        for try await (id, userID, anonymousID, email, acknowledged) in rows.decode((UUID, UUID, UUID, String?, [String]).self) {
            return ClaimedDeletion(id: id, userID: userID, anonymousID: anonymousID, email: email, acknowledged: Set(acknowledged))
        }
        return nil
    }

    func acknowledge(_ request: ClaimedDeletion, service: ServiceName, logger: Logger) async throws {
        try await self.postgres.query(
            """
            INSERT INTO auth.deletion_acknowledgements (request_id, service, acknowledged_at)
            VALUES (\(request.id), \(service.rawValue), \(self.clock.now)) ON CONFLICT DO NOTHING
            """,
            logger: logger)
    }

    func fail(_ request: ClaimedDeletion, reason: String, logger: Logger) async throws {
        try await self.postgres.query(
            "UPDATE auth.deletion_requests SET last_error = \(String(reason.prefix(500))) WHERE id = \(request.id)", logger: logger)
    }

    /// Every other service has acknowledged: auth's own rows go in one transaction. The user row's
    /// delete cascades to sessions, identities, passkeys, MFA, login history, consents, exports,
    /// profiles, onboarding, organisation memberships and sponsor applications (and the audit
    /// pseudonym: `AuditLog.forget`, so the audit rows stay, unlinked). Rows keyed by the email
    /// address or the id as text (invitations, magic links, sign-in limits, rate-limit buckets)
    /// are deleted by them. The request is kept as the record that a deletion was carried out,
    /// naming no one.
    func complete(_ request: ClaimedDeletion, logger: Logger) async throws {
        let now = self.clock.now
        try await self.postgres.transaction(logger: logger) { connection in
            var email: String?
            for try await value in try await connection.query(
                "SELECT email FROM auth.users WHERE id = \(request.userID) FOR UPDATE", logger: logger
            ).decode(String.self) {
                email = value
            }
            let id = request.userID.uuidString.lowercased()
            try await AuditLog.record(
                AuditEntry(
                    action: "account_deletion.completed", actor: .system,
                    target: .resource(type: "deletion_request", id: request.id.uuidString.lowercased()), request: nil),
                on: connection, logger: logger)
            try await AuditLog.forget(userID: request.userID, on: connection, logger: logger)
            // Someone joined an organisation of theirs since the request: it waits for a transfer.
            if try await Self.ownedWithMembers(request.userID, on: connection, logger: logger) != nil {
                throw AccountDeletionBlocked()
            }
            // Organisations the user alone belongs to go with them (with the membership gone they
            // would have no owner).
            try await connection.query(
                """
                DELETE FROM auth.organizations o WHERE EXISTS (
                    SELECT 1 FROM auth.organization_members m WHERE m.organization_id = o.id AND m.user_id = \(request.userID) AND m.role = 'owner')
                """,
                logger: logger)
            if let email {
                try await connection.query("DELETE FROM auth.organization_invitations WHERE lower(email) = lower(\(email))", logger: logger)
                try await connection.query("DELETE FROM auth.magic_links WHERE lower(email) = lower(\(email))", logger: logger)
                try await connection.query("DELETE FROM auth.sign_in_attempts WHERE lower(email) = lower(\(email))", logger: logger)
                try await connection.query("DELETE FROM auth.sign_in_sources WHERE lower(email) = lower(\(email))", logger: logger)
                try await connection.query(
                    "DELETE FROM auth.rate_limit_buckets WHERE identifier = \(id) OR lower(identifier) = lower(\(email))", logger: logger)
            } else {
                try await connection.query("DELETE FROM auth.rate_limit_buckets WHERE identifier = \(id)", logger: logger)
            }
            // The request first: a pending request must name its user (the table's check).
            try await connection.query(
                """
                UPDATE auth.deletion_requests SET status = 'completed', completed_at = \(now), user_id = NULL, anonymous_id = NULL,
                    last_error = NULL
                WHERE id = \(request.id)
                """,
                logger: logger)
            try await connection.query("DELETE FROM auth.users WHERE id = \(request.userID)", logger: logger)
            try await connection.query("DELETE FROM auth.idempotency_keys WHERE owner = \(id)", logger: logger)
            // Delivered events that named the user (auth's outbox keeps them a while for operators).
            try await connection.query(
                "DELETE FROM auth.outbox WHERE delivered_at IS NOT NULL AND lower(envelope::text) LIKE '%' || \(id) || '%'", logger: logger)
        }
    }
}

extension AccountDeletions {
    /// The slug of an organisation `userID` owns that has other members, if any.
    static func ownedWithMembers(_ userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> String? {
        let rows = try await connection.query(
            """
            SELECT o.slug FROM auth.organization_members m JOIN auth.organizations o ON o.id = m.organization_id
            WHERE m.user_id = \(userID) AND m.role = 'owner'
              AND EXISTS (SELECT 1 FROM auth.organization_members x WHERE x.organization_id = o.id AND x.user_id <> \(userID))
            ORDER BY o.slug LIMIT 1
            """,
            logger: logger)
        for try await slug in rows.decode(String.self) { return slug }
        return nil
    }
}

/// The user owns an organisation with other members: the deletion waits for a transfer.
struct AccountDeletionBlocked: Error, CustomStringConvertible {
    var description: String { "owns an organisation with other members" }
}

extension AccountDeletions {
    init(_ dependencies: ServiceDependencies, settings: PrivacySettings) {
        self.init(postgres: dependencies.postgres, clock: dependencies.clock, ids: dependencies.ids, settings: settings)
    }
}
