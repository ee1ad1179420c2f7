import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Accreditation and identity checks (seed 001 `users.verifications`): the investor submits, staff
/// review. An approval lasts until `expires_at` (default 90 days, the look-back the SEC accepts for
/// a third-party accreditation letter under Rule 506(c)); after it the status reads `expired`.
struct VerificationRoutes: Sendable {
    let store: Verifications

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

    func addRoutes(to router: Router<TractRequestContext>) {
        let own = router.group("v1/investor-profile/verifications", context: AuthenticatedContext.self)
        own.post { request, context -> JSONDocument in
            guard let userID = context.identity.userID else { throw Problem.forbidden("Only users are verified.") }
            let submission = try await request.decode(as: Submission.self, context: context)
            var errors: [ProblemDetails.FieldError] = []
            if !Self.types.contains(submission.type) { errors.append(.init(field: "type", message: "must be one of accredited, kyc, aml, identity")) }
            if let method = submission.method, !Self.methods.contains(method) {
                errors.append(.init(field: "method", message: "must be one of income, net_worth, license, third_party"))
            }
            if (submission.provider?.count ?? 0) > 50 { errors.append(.init(field: "provider", message: "must be at most 50 characters")) }
            if let data = submission.verificationData, (try? JSONEncoder.tract.encode(data).count) ?? 0 > 16_384 {
                errors.append(.init(field: "verification_data", message: "must be at most 16 KiB of JSON"))
            }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            let text = try await self.store.submit(submission, for: userID, logger: context.logger)
            return JSONDocument(text, status: .created)
        }
        own.get { request, context -> JSONDocument in
            guard let userID = context.identity.userID else { throw Problem.forbidden("Only users are verified.") }
            return try await self.store.list(user: userID, status: nil, page: try OldPageRequest(request), logger: context.logger)
        }

        let staff = router.group("v1/verifications", context: AuthenticatedContext.self)
        staff.get { request, context -> JSONDocument in
            try context.identity.requireRole(.admin)
            let status = request.uri.queryParameters["status"].map(String.init)
            if let status, !["pending", "approved", "rejected", "expired"].contains(status) {
                throw Problem.validation(field: "status", "must be one of pending, approved, rejected, expired")
            }
            return try await self.store.list(user: nil, status: status, page: try OldPageRequest(request), logger: context.logger)
        }
        staff.post(":id/review") { request, context -> JSONDocument in
            try context.identity.requireRole(.admin)
            let id = try context.parameters.uuid("id", "verification")
            let review = try await request.decode(as: Review.self, context: context)
            var errors: [ProblemDetails.FieldError] = []
            if !["approve", "reject"].contains(review.decision) { errors.append(.init(field: "decision", message: "must be approve or reject")) }
            if review.decision == "reject", (review.rejectionReason ?? "").isEmpty {
                errors.append(.init(field: "rejection_reason", message: "is required when rejecting"))
            }
            if let expires = review.expiresAt, expires <= Date() { errors.append(.init(field: "expires_at", message: "must be in the future")) }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            return JSONDocument(try await self.store.review(id, review, by: context.identity.subject, logger: context.logger))
        }
    }
}

struct Verifications: Sendable {
    let postgres: PostgresClient

    /// The status as a reader should see it: an approval past its expiry reads `expired`.
    static let document = """
        jsonb_build_object('id', v.id, 'user_id', v.user_id, 'type', v.type,
            'status', CASE WHEN v.status = 'approved' AND v.expires_at <= now() THEN 'expired' ELSE v.status END,
            'method', v.method, 'provider', v.provider, 'rejection_reason', v.rejection_reason,
            'expires_at', investments.rfc3339(v.expires_at), 'submitted_at', investments.rfc3339(v.submitted_at), 'reviewed_at', investments.rfc3339(v.reviewed_at),
            'reviewed_by', v.reviewed_by, 'created_at', investments.rfc3339(v.created_at), 'updated_at', investments.rfc3339(v.updated_at))::text
        """

    func submit(_ submission: VerificationRoutes.Submission, for userID: UUID, logger: Logger) async throws -> String {
        let data = try submission.verificationData.map { String(decoding: try JSONEncoder.tract.encode($0), as: UTF8.self) }
        let rows = try await self.postgres.query(
            """
            INSERT INTO investments.verifications AS v (id, user_id, type, method, provider, verification_data)
            SELECT \(UUIDv7.make()), \(userID), \(submission.type), \(submission.method), \(submission.provider), \(data)::jsonb
            WHERE NOT EXISTS (SELECT 1 FROM investments.verifications
                              WHERE user_id = \(userID) AND type = \(submission.type) AND status = 'pending')
            RETURNING \(unescaped: Self.document)
            """,
            logger: logger
        )
        for try await text in rows.decode(String.self) { return text }
        throw Problem.conflict("A \(submission.type) verification of yours is already waiting for review.")
    }

    func review(_ id: UUID, _ review: VerificationRoutes.Review, by reviewer: String, logger: Logger) async throws -> String {
        let approve = review.decision == "approve"
        let expires = review.expiresAt ?? Date().addingTimeInterval(90 * 86_400)
        // Only a pending verification can be decided: the status check is in the UPDATE itself.
        let rows = try await self.postgres.query(
            """
            UPDATE investments.verifications AS v SET
                status = \(approve ? "approved" : "rejected"), reviewed_at = now(), reviewed_by = \(UUID(uuidString: reviewer)),
                expires_at = \(approve ? expires : nil), rejection_reason = \(approve ? nil : review.rejectionReason), updated_at = now()
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

    func list(user: UUID?, status: String?, page: OldPageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        var conditions: [String] = []
        if let user { conditions.append("v.user_id = \(binds.add(user))") }
        switch status {
        case "expired": conditions.append("v.status = 'approved' AND v.expires_at <= now()")
        case "approved": conditions.append("v.status = 'approved' AND v.expires_at > now()")
        case let status?: conditions.append("v.status = \(binds.add(status))")
        case nil: break
        }
        if let cursor = page.cursor { conditions.append(binds.before(cursor, alias: "v")) }
        let sql = """
            SELECT v.id, v.created_at, \(Self.document) FROM investments.verifications v
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY v.created_at DESC, v.id DESC LIMIT \(binds.add(page.limit + 1))
            """
        return try await self.postgres.documentPage(binds.query(sql), limit: page.limit, logger: logger)
    }
}
