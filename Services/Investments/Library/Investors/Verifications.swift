import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Accreditation and identity checks (seed 001 `users.verifications`): the investor submits (with
/// evidence files or a verifier's letter, `AccreditationEvidence`, `VerifierLetters`), staff
/// review. An approval lasts until `expires_at`: a verifier letter counts from its own date
/// (`ACCREDITATION_LETTER_VALID_DAYS`, SEC Rule 506(c)(2)(ii)(C)'s "prior three months"), other
/// methods from the decision (`ACCREDITATION_VALID_DAYS`); after it the status reads `expired`.
struct VerificationController: Sendable {
    let store: Verifications
    let clock: ServiceClock

    struct Submission: Codable, Sendable {
        var type: String
        var method: String?
        var provider: String?
        var verificationData: JSONValue?
    }

    struct Review: Codable, Sendable {
        /// `approve` or `reject`.
        var decision: String
        var rejectionReason: String?
        var expiresAt: Date?
    }

    static let types: Set = ["accredited", "kyc", "aml", "identity"]
    static let methods: Set = ["income", "net_worth", "license", "third_party"]
    static let statuses: Set = ["pending", "pending_review", "approved", "rejected", "expired"]

    /// Mounted at `/v1/investor-profile/verifications`: the caller's own.
    var ownEndpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.submit).get(use: self.listOwn)
    }

    /// Mounted at `/v1/verifications`: staff review, and one verification for its investor or staff.
    var staffEndpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.list)
            .get(":id", use: self.show)
            .post(":id/review", use: self.review)
    }

    @Sendable func submit(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let userID = try context.identity.requireUser("Only users are verified.")
        let submission = try await request.decode(as: Submission.self, context: context)
        var errors = FieldErrors()
        if !Self.types.contains(submission.type) { errors.add("type", "must be one of accredited, kyc, aml, identity") }
        if let method = submission.method, !Self.methods.contains(method) {
            errors.add("method", "must be one of income, net_worth, license, third_party")
        }
        if (submission.provider?.count ?? 0) > 50 { errors.add("provider", "must be at most 50 characters") }
        switch submission.verificationData {
        case nil, .object?: break
        default: errors.add("verification_data", "must be an object")
        }
        if let data = submission.verificationData, (try? JSONEncoder.tract.encode(data).count) ?? 0 > 16_384 {
            errors.add("verification_data", "must be at most 16 KiB of JSON")
        }
        try errors.check()
        let text = try await self.store.submit(submission, for: userID, logger: context.logger)
        return JSONDocument(text, status: .created)
    }

    @Sendable func listOwn(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let userID = try context.identity.requireUser("Only users are verified.")
        return try await self.store.list(user: userID, status: nil, page: try PageRequest(request), logger: context.logger)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRole(.admin)
        let status = request.uri.queryParameters["status"].map(String.init)
        if let status, !Self.statuses.contains(status) {
            throw Problem.validation(field: "status", "must be one of pending, pending_review, approved, rejected, expired")
        }
        return try await self.store.list(user: nil, status: status, page: try PageRequest(request), logger: context.logger)
    }

    /// The investor's own or, for staff, anyone's, with its evidence listed: 404 for anyone else.
    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let id = try context.parameters.uuid("id", "verification")
        return JSONDocument(try await self.store.find(id, visibleTo: context.identity, logger: context.logger))
    }

    @Sendable func review(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRole(.admin)
        let id = try context.parameters.uuid("id", "verification")
        let review = try await request.decode(as: Review.self, context: context)
        var errors = FieldErrors()
        if !["approve", "reject"].contains(review.decision) { errors.add("decision", "must be approve or reject") }
        if review.decision == "reject", (review.rejectionReason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            errors.add("rejection_reason", "is required when rejecting")
        }
        // The reason is mailed to the investor: a paragraph, not a document.
        errors.text("rejection_reason", review.rejectionReason, max: 1000, multiline: true)
        if let expires = review.expiresAt, expires <= self.clock.now { errors.add("expires_at", "must be in the future") }
        try errors.check()
        return JSONDocument(try await self.store.review(id, review, by: context.identity.subject, logger: context.logger))
    }
}

struct Verifications: Sendable {
    let postgres: PostgresClient
    let outbox: OutboxPublisher
    let settings: AccreditationSettings
    let clock: ServiceClock
    let ids: IDGenerator

    /// Statuses that still wait for staff: a new submission of the same type is refused meanwhile.
    static let open = "('pending', 'pending_review')"

    func submit(_ submission: VerificationController.Submission, for userID: UUID, logger: Logger) async throws -> String {
        let data = try submission.verificationData.map { String(decoding: try JSONEncoder.tract.encode($0), as: UTF8.self) }
        let rows = try await self.postgres.query(
            """
            INSERT INTO investments.verifications AS x (id, user_id, type, method, provider, verification_data)
            SELECT \(self.ids.next()), \(userID), \(submission.type), \(submission.method), \(submission.provider), \(data)::jsonb
            WHERE NOT EXISTS (SELECT 1 FROM investments.verifications
                              WHERE user_id = \(userID) AND type = \(submission.type) AND status IN \(unescaped: Self.open))
            RETURNING investments.verification_document(x, \(self.clock.now))::text
            """,
            logger: logger
        )
        for try await text in rows.decode(String.self) { return text }
        throw Problem.conflict("A \(submission.type) verification of yours is already waiting for review.")
    }

    func find(_ id: UUID, visibleTo identity: Identity, logger: Logger) async throws -> String {
        let rows = try await self.postgres.query(
            """
            SELECT investments.verification_document(x, \(self.clock.now))::text FROM investments.verifications x
            WHERE x.id = \(id) AND (\(identity.has(role: .admin)) OR x.user_id = \(identity.userID))
            """,
            logger: logger
        )
        for try await text in rows.decode(String.self) { return text }
        throw Problem.notFound("No verification has this id.")
    }

    /// Decides a waiting verification, with `accreditation.decided` for communications to mail the
    /// investor, in one transaction. The expiry is the rule's (`AccreditationRules.expiry`) unless
    /// staff set an earlier one; never later than a verifier letter allows.
    func review(_ id: UUID, _ review: VerificationController.Review, by reviewer: String, logger: Logger) async throws -> String {
        let approve = review.decision == "approve"
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            let current = try await connection.query(
                "SELECT user_id, type, status, letter_date::text FROM investments.verifications WHERE id = \(id) FOR UPDATE", logger: logger
            )
            var found: (UUID, String, String, String?)?
            for try await row in current.decode((UUID, String, String, String?).self) { found = row }
            guard let (userID, type, status, letterText) = found else { throw Problem.notFound("No verification has this id.") }
            guard ["pending", "pending_review"].contains(status) else { throw Problem.conflict("This verification was already reviewed.") }
            var expiresAt: Date?
            if approve {
                let rule = AccreditationRules.expiry(letterDate: letterText.flatMap(CalendarDate.init), decidedAt: now, settings: self.settings)
                guard rule > now else {
                    throw Problem.conflict(
                        "The verifier's letter is more than \(self.settings.letterValidDays) days old; ask the investor for a new one.")
                }
                if let asked = review.expiresAt, asked > rule {
                    throw Problem.validation(field: "expires_at", "must not be after \(RFC3339.string(from: rule)), when the evidence stops counting")
                }
                expiresAt = review.expiresAt ?? rule
            }
            let rows = try await connection.query(
                """
                UPDATE investments.verifications AS x SET
                    status = \(approve ? "approved" : "rejected"), reviewed_at = \(now), reviewed_by = \(UUID(uuidString: reviewer)),
                    expires_at = \(expiresAt), rejection_reason = \(approve ? nil : review.rejectionReason), updated_at = now()
                WHERE id = \(id)
                RETURNING investments.verification_document(x, \(now))::text
                """,
                logger: logger
            )
            var document: String?
            for try await text in rows.decode(String.self) { document = text }
            guard let document else { throw Problem.notFound("No verification has this id.") }
            if type == "accredited" {
                try await self.outbox.publish(
                    AccreditationDecided(
                        verificationId: id, userId: userID, decision: approve ? "approved" : "rejected",
                        reason: approve ? nil : review.rejectionReason, expiresAt: expiresAt, decidedAt: now),
                    on: connection, logger: logger
                )
            }
            return document
        }
    }

    func list(user: UUID?, status: String?, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        let now = binds.add(self.clock.now)
        var conditions: [String] = []
        if let user { conditions.append("x.user_id = \(binds.add(user))") }
        switch status {
        case "expired": conditions.append("x.status = 'approved' AND x.expires_at <= \(now)")
        case "approved": conditions.append("x.status = 'approved' AND x.expires_at > \(now)")
        case let status?: conditions.append("x.status = \(binds.add(status))")
        case nil: break
        }
        conditions.append(page.after(&binds))
        let sql = """
            SELECT investments.verification_document(x, \(now)::timestamptz)::text, \(page.selectKey), x.id FROM investments.verifications x
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }
}
