import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Accreditation and identity checks (seed 001 `users.verifications`): the investor submits, staff
/// review. An approval lasts until `expires_at` (default 90 days, the look-back the SEC accepts for
/// a third-party accreditation letter under Rule 506(c)); after it the status reads `expired`.
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

    /// Mounted at `/v1/investor-profile/verifications`: the caller's own.
    var ownEndpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.submit).get(use: self.listOwn)
    }

    /// Mounted at `/v1/verifications`: staff review.
    var staffEndpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.list)
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
        if let status, !["pending", "approved", "rejected", "expired"].contains(status) {
            throw Problem.validation(field: "status", "must be one of pending, approved, rejected, expired")
        }
        return try await self.store.list(user: nil, status: status, page: try PageRequest(request), logger: context.logger)
    }

    @Sendable func review(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRole(.admin)
        let id = try context.parameters.uuid("id", "verification")
        let review = try await request.decode(as: Review.self, context: context)
        var errors = FieldErrors()
        if !["approve", "reject"].contains(review.decision) { errors.add("decision", "must be approve or reject") }
        if review.decision == "reject", (review.rejectionReason ?? "").isEmpty {
            errors.add("rejection_reason", "is required when rejecting")
        }
        if let expires = review.expiresAt, expires <= self.clock.now { errors.add("expires_at", "must be in the future") }
        try errors.check()
        return JSONDocument(try await self.store.review(id, review, by: context.identity.subject, logger: context.logger))
    }
}

struct Verifications: Sendable {
    let postgres: PostgresClient
    let ids: IDGenerator

    /// The status as a reader should see it: an approval past its expiry reads `expired`.
    static let document = """
        jsonb_build_object('id', x.id, 'user_id', x.user_id, 'type', x.type,
            'status', CASE WHEN x.status = 'approved' AND x.expires_at <= now() THEN 'expired' ELSE x.status END,
            'method', x.method, 'provider', x.provider, 'rejection_reason', x.rejection_reason,
            'expires_at', investments.rfc3339(x.expires_at), 'submitted_at', investments.rfc3339(x.submitted_at), 'reviewed_at', investments.rfc3339(x.reviewed_at),
            'reviewed_by', x.reviewed_by, 'created_at', investments.rfc3339(x.created_at), 'updated_at', investments.rfc3339(x.updated_at))::text
        """

    func submit(_ submission: VerificationController.Submission, for userID: UUID, logger: Logger) async throws -> String {
        let data = try submission.verificationData.map { String(decoding: try JSONEncoder.tract.encode($0), as: UTF8.self) }
        let rows = try await self.postgres.query(
            """
            INSERT INTO investments.verifications AS x (id, user_id, type, method, provider, verification_data)
            SELECT \(self.ids.next()), \(userID), \(submission.type), \(submission.method), \(submission.provider), \(data)::jsonb
            WHERE NOT EXISTS (SELECT 1 FROM investments.verifications
                              WHERE user_id = \(userID) AND type = \(submission.type) AND status = 'pending')
            RETURNING \(unescaped: Self.document)
            """,
            logger: logger
        )
        for try await text in rows.decode(String.self) { return text }
        throw Problem.conflict("A \(submission.type) verification of yours is already waiting for review.")
    }

    func review(_ id: UUID, _ review: VerificationController.Review, by reviewer: String, logger: Logger) async throws -> String {
        let approve = review.decision == "approve"
        // Only a pending verification can be decided: the status check is in the UPDATE itself.
        let rows = try await self.postgres.query(
            """
            UPDATE investments.verifications AS x SET
                status = \(approve ? "approved" : "rejected"), reviewed_at = now(), reviewed_by = \(UUID(uuidString: reviewer)),
                -- The default is on the database's clock, the one `expires_at` is compared with.
                expires_at = CASE WHEN \(approve) THEN coalesce(\(review.expiresAt)::timestamptz, now() + interval '90 days') END,
                rejection_reason = \(approve ? nil : review.rejectionReason), updated_at = now()
            WHERE id = \(id) AND status = 'pending'
            RETURNING \(unescaped: Self.document)
            """,
            logger: logger
        )
        for try await text in rows.decode(String.self) { return text }
        let exists = try await self.postgres.query("SELECT 1 FROM investments.verifications WHERE id = \(id)", logger: logger)
        for try await _ in exists { throw Problem.conflict("This verification was already reviewed.") }
        throw Problem.notFound("No verification has this id.")
    }

    func list(user: UUID?, status: String?, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        var conditions: [String] = []
        if let user { conditions.append("x.user_id = \(binds.add(user))") }
        switch status {
        case "expired": conditions.append("x.status = 'approved' AND x.expires_at <= now()")
        case "approved": conditions.append("x.status = 'approved' AND x.expires_at > now()")
        case let status?: conditions.append("x.status = \(binds.add(status))")
        case nil: break
        }
        conditions.append(page.after(&binds))
        let sql = """
            SELECT \(Self.document), \(page.selectKey), x.id FROM investments.verifications x
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }
}
