import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The names clients may send (seed 000: "event types must be from allowed list"): listed for
/// anyone signed in, extended and pruned by staff. A name with a dot can never be added, so no
/// client event can pass for a service's domain event (`investment.funded`).
struct EventNameController: RouteController {
    let postgres: PostgresClient
    let clock: ServiceClock

    static let order = Keyset("name", key: "x.name", type: "text", descending: false, id: "x.row_id")

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.list).post(use: self.create)
            .delete(":name", use: self.delete)
    }

    /// `GET /v1/analytics/event-names`: by name, paged.
    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let page = try PageRequest(request, order: Self.order)
        var binds = SQLBinds()
        let sql = """
            SELECT \(Self.document), \(page.selectKey), x.row_id FROM (
                SELECT n.*, md5(n.name)::uuid AS row_id FROM analytics.event_names n
            ) x
            WHERE \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: context.logger)
    }

    /// `POST /v1/analytics/event-names`, staff only: 201, or 409 when the name exists.
    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRole(.admin)
        var body = try BodyFields(try await request.decode(as: JSONValue.self, context: context), allowed: ["name", "description"])
        let name = body.text("name", max: 64, required: true)
        if let name, name.wholeMatch(of: /[a-z][a-z0-9_]{0,63}/) == nil {
            body.add("name", "must be lower-case letters, digits and underscores, starting with a letter (page_viewed); no dots")
        }
        let description = body.text("description", max: 500) ?? ""
        try body.check()
        guard let name else { throw Problem.validation(field: "name", "is required") }
        let rows = try await self.postgres.query(
            """
            INSERT INTO analytics.event_names AS x (name, description, created_by, created_at)
            VALUES (\(name), \(description), \(context.identity.userID), \(self.clock.now))
            ON CONFLICT (name) DO NOTHING
            RETURNING \(unescaped: Self.document)
            """,
            logger: context.logger
        )
        for try await document in rows.decode(String.self) {
            return JSONDocument(document, status: .created, headers: [.location: "/v1/analytics/event-names/\(name)"])
        }
        throw Problem.conflict("The event name \(name) already exists.")
    }

    /// `DELETE /v1/analytics/event-names/:name`, staff only: a name no event was recorded under
    /// (a typo just added); one in use stays, or the reports over it would lose their label.
    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try context.identity.requireRole(.admin)
        let name = try context.parameters.require("name")
        let rows = try await self.postgres.query(
            """
            WITH used AS (SELECT EXISTS (SELECT 1 FROM analytics.events WHERE name = \(name)) AS used),
            gone AS (
                DELETE FROM analytics.event_names WHERE name = \(name) AND NOT (SELECT used FROM used) RETURNING 1
            )
            SELECT (SELECT used FROM used), EXISTS (SELECT 1 FROM gone), EXISTS (SELECT 1 FROM analytics.event_names WHERE name = \(name))
            """,
            logger: context.logger
        )
        for try await (used, deleted, exists) in rows.decode((Bool, Bool, Bool).self) {
            if deleted { return Response(status: .noContent) }
            if used && exists { throw Problem.conflict("Events were recorded as \(name); it stays on the list.") }
        }
        throw Problem.notFound("No event name \(name).")
    }

    /// `id` repeats the name, which is the resource's identity (the DELETE path takes it): every
    /// listed row has an `id`, as the paging sweep reads them.
    static let document = """
        json_build_object('id', x.name, 'name', x.name, 'description', x.description, 'created_by', x.created_by,
            'created_at', analytics.rfc3339(x.created_at))::text
        """
}
