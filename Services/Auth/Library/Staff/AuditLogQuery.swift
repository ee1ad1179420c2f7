import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// One audit row as staff read it: users named by their id again (through the pseudonym map),
/// or null once the user was forgotten (account deletion).
struct AuditLogEntryView: Codable, ResponseEncodable, Sendable {
    var id: UUID
    var occurredAt: Date
    var actorKind: String
    /// A user's id (user, staff), a service's client id, or null (system, or a forgotten user).
    var actorId: String?
    var action: String
    var targetKind: String?
    /// A user's id (target kind `user`), the resource's id, or null.
    var targetId: String?
    var before: JSONValue?
    var after: JSONValue?
    var requestId: String?
    var ip: String?
}

/// The filters of `GET /v1/auth/admin/audit-log`, checked.
struct AuditLogFilter: Sendable {
    /// A user id (looked up as its pseudonym) or a service client id.
    var actor: String?
    /// A user id or a resource id.
    var target: String?
    var action: String?
    var since: Date?
    var until: Date?

    init(_ query: Parameters) throws {
        var errors = FieldErrors()
        let actor = query["actor"].map(String.init)
        let target = query["target"].map(String.init)
        let action = query["action"].map(String.init)
        for (field, value) in [("actor", actor), ("target", target), ("action", action)] {
            errors.text(field, value, max: 200, required: true)
        }
        var times: [String: Date] = [:]
        for field: Substring in ["since", "until"] {
            guard let raw = query[field] else { continue }
            if let date = ISO8601DateFormatter().date(from: String(raw)) {
                times[String(field)] = date
            } else {
                errors.add(String(field), "must be an RFC 3339 date-time such as 2026-12-01T00:00:00Z")
            }
        }
        try errors.check()
        self.actor = actor
        self.target = target
        self.action = action
        self.since = times["since"]
        self.until = times["until"]
    }
}

/// Reads `auth.audit_log`, newest first. Read-only: the table is append-only (0011).
struct AuditLogQuery: Sendable {
    let postgres: PostgresClient

    static let newestFirst = Keyset("audit_newest", key: "x.occurred_at", type: "timestamptz", descending: true)

    func page(_ filter: AuditLogFilter, _ page: PageRequest, logger: Logger) async throws -> Page<AuditLogEntryView> {
        try await self.postgres.withConnection { connection in
            var binds = SQLBinds()
            var conditions: [String] = []
            // Users are stored as pseudonyms: a user id filter becomes its pseudonym, and a user the
            // log never mentioned (or forgot) matches nothing.
            if let actor = filter.actor {
                if let id = UUID(uuidString: actor) {
                    let pseudonym = try await AuditLog.existingPseudonym(for: id, on: connection, logger: logger)
                    conditions.append("x.actor_kind IN ('user', 'staff') AND x.actor = \(binds.add(pseudonym?.uuidString.lowercased() ?? ""))")
                } else {
                    conditions.append("x.actor_kind = 'service' AND x.actor = \(binds.add(actor))")
                }
            }
            if let target = filter.target {
                var pseudonym: UUID?
                if let id = UUID(uuidString: target) { pseudonym = try await AuditLog.existingPseudonym(for: id, on: connection, logger: logger) }
                let resource = UUID(uuidString: target).map { $0.uuidString.lowercased() } ?? target
                conditions.append(
                    """
                    ((x.target_kind = 'user' AND x.target = \(binds.add(pseudonym?.uuidString.lowercased() ?? "")))
                     OR (x.target_kind <> 'user' AND x.target = \(binds.add(resource))))
                    """)
            }
            if let action = filter.action { conditions.append("x.action = \(binds.add(action))") }
            if let since = filter.since { conditions.append("x.occurred_at >= \(binds.add(since))") }
            if let until = filter.until { conditions.append("x.occurred_at < \(binds.add(until))") }
            conditions.append(page.after(&binds))
            let sql = """
                SELECT x.id, x.occurred_at, x.actor_kind,
                       CASE WHEN x.actor_kind IN ('user', 'staff') THEN a.user_id::text ELSE x.actor END,
                       x.action, x.target_kind, CASE WHEN x.target_kind = 'user' THEN t.user_id::text ELSE x.target END,
                       x.before::text, x.after::text, x.request_id, host(x.ip), \(page.selectKey)
                FROM auth.audit_log x
                LEFT JOIN auth.audit_subjects a ON x.actor_kind IN ('user', 'staff') AND a.pseudonym::text = x.actor
                LEFT JOIN auth.audit_subjects t ON x.target_kind = 'user' AND t.pseudonym::text = x.target
                WHERE \(conditions.joined(separator: " AND "))
                ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
                """
            var entries: [(item: AuditLogEntryView, key: String, id: UUID)] = []
            for try await row in try await connection.query(binds.query(sql), logger: logger).decode(
                (UUID, Date, String, String?, String, String?, String?, String?, String?, String?, String?, String).self)
            {
                let entry = AuditLogEntryView(
                    id: row.0, occurredAt: row.1, actorKind: row.2, actorId: row.3, action: row.4, targetKind: row.5, targetId: row.6,
                    before: Self.json(row.7), after: Self.json(row.8), requestId: row.9, ip: row.10)
                entries.append((entry, row.11, row.0))
            }
            return page.page(entries)
        }
    }

    static func json(_ text: String?) -> JSONValue? {
        text.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
    }
}

/// `GET /v1/auth/admin/audit-log` (issue 16): staff read who did what to whom, newest first.
struct AuditLogController: RouteController {
    let auth: AuthContext

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.list)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<AuditLogEntryView> {
        _ = try context.identity.requireStaff()
        let filter = try AuditLogFilter(request.uri.queryParameters)
        let page = try PageRequest(request, order: AuditLogQuery.newestFirst)
        return try await AuditLogQuery(postgres: self.auth.postgres).page(filter, page, logger: context.logger)
    }
}
