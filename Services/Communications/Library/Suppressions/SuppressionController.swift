import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `/v1/communications/suppressions`: staff (the admin role) see which addresses no bulk mail may
/// go to and why, suppress one by hand (a user asked on the phone) and lift one (a mailbox that
/// bounced works again). Lifting leaves the bounce log as it was.
struct SuppressionController: RouteController {
    let store: SuppressionStore

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.list)
            .post(use: self.add)
            .delete(":email", use: self.lift)
    }

    /// Newest first; `?email=` finds one address, `?reason=` narrows to one cause.
    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRole(.admin)
        let query = request.uri.queryParameters
        let email = query["email"].map { String($0).lowercased() }
        if let email, email.count > 255 { throw Problem.validation(field: "email", "must be at most 255 characters") }
        let reason = query["reason"].map(String.init)
        if let reason, Suppressions.Reason(rawValue: reason) == nil {
            throw Problem.validation(
                field: "reason", "must be one of: \(Suppressions.Reason.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return try await self.store.list(email: email, reason: reason, page: try PageRequest(request), logger: context.logger)
    }

    /// Body `{"email": "…", "detail": "why"}`: 201 when newly suppressed, 200 with the standing
    /// suppression (whatever its reason) when it already was.
    @Sendable func add(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRole(.admin)
        let staff = try context.identity.requireUser()
        var fields = try BodyFields(
            try await request.decode(as: JSONValue.self, context: context), allowed: ["email", "detail"], required: ["email"])
        let email = fields.text("email", max: 255, required: true)
        if let email, !BounceReport.isAddress(email) { fields.add("email", "must be an email address") }
        let detail = fields.multilineText("detail", max: 2000)
        try fields.check()
        guard let email else { throw Problem.validation(field: "email", "is required") }
        return try await self.store.add(email.lowercased(), detail: detail, by: staff, logger: context.logger)
    }

    /// `DELETE …/{email}`: 204, or 404 when the address is not suppressed.
    @Sendable func lift(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.identity.requireRole(.admin)
        let raw = context.parameters.get("email") ?? ""
        let email = (raw.removingPercentEncoding ?? raw).lowercased()
        // An address with a NUL (Postgres text cannot hold one) or beyond 255 characters was never
        // suppressed: the same 404 as any address that is not.
        guard email.count <= 255, !email.contains("\0"), try await self.store.lift(email, logger: context.logger) else {
            throw Problem.notFound("This address is not suppressed.")
        }
        context.logger.notice("suppression lifted", metadata: ["by": "\(context.identity.subject)"])
        return Response(status: .noContent)
    }
}

/// SQL for staff's side of `email_suppressions` (the senders' side is `Suppressions`).
struct SuppressionStore: Sendable {
    let postgres: PostgresClient
    let clock: ServiceClock

    static let documentSQL = """
        jsonb_build_object('id', x.id, 'email', x.email, 'reason', x.reason, 'source', x.source, 'detail', x.detail,
            'created_at', communications.rfc3339(x.created_at))
        """

    func list(email: String?, reason: String?, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        var filter = "TRUE"
        if let email { filter += " AND x.email = \(binds.add(email))" }
        if let reason { filter += " AND x.reason = \(binds.add(reason))" }
        let sql = """
            SELECT \(Self.documentSQL)::text, \(page.selectKey), x.id FROM communications.email_suppressions x
            WHERE \(filter) AND \(page.after(&binds)) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    func add(_ email: String, detail: String?, by staff: UUID, logger: Logger) async throws -> JSONDocument {
        try await self.postgres.withConnection { connection in
            let created = try await Suppressions.suppress(
                email, reason: .manual, source: "staff:\(staff.uuidString.lowercased())", detail: detail, at: self.clock.now, on: connection,
                logger: logger)
            var binds = SQLBinds()
            let sql = "SELECT \(Self.documentSQL)::text FROM communications.email_suppressions x WHERE x.email = \(binds.add(email))"
            let rows = try await connection.query(binds.query(sql), logger: logger)
            for try await text in rows.decode(String.self) { return JSONDocument(text, status: created ? .created : .ok) }
            throw Problem.notFound("This address is not suppressed.")
        }
    }

    /// Whether there was a suppression to lift.
    func lift(_ email: String, logger: Logger) async throws -> Bool {
        let rows = try await self.postgres.query("DELETE FROM communications.email_suppressions WHERE email = \(email) RETURNING 1", logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
