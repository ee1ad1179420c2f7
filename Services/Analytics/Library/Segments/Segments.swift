import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// `/v1/analytics/segments`: staff define segments by rules (`SegmentRule`), refresh them on
/// demand (and on a schedule), and page through their members; other services (communications,
/// for campaigns) read the members at `/internal/v1/segments/{id}/members` with a service token.
struct SegmentController: RouteController {
    let store: SegmentStore

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.create).get(use: self.list)
            .get(":id", use: self.show).patch(":id", use: self.update).delete(":id", use: self.remove)
            .post(":id/refresh", use: self.refresh)
            .get(":id/members", use: self.members)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try ReportController.requireStaff(context)
        let body = try SegmentBody.read(try await request.decode(as: JSONValue.self, context: context), stored: nil)
        let id = try await self.store.create(body, by: context.identity.userID, logger: context.logger)
        return JSONDocument(
            try await self.store.document(id, logger: context.logger), status: .created,
            headers: [.location: "/v1/analytics/segments/\(id.uuidString.lowercased())"]
        )
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try ReportController.requireStaff(context)
        return try await self.store.list(page: try PageRequest(request), logger: context.logger)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try ReportController.requireStaff(context)
        return JSONDocument(try await self.store.document(try Self.id(context), logger: context.logger))
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try ReportController.requireStaff(context)
        let id = try Self.id(context)
        let stored = try await self.store.stored(id, logger: context.logger)
        let body = try SegmentBody.read(try await request.decode(as: JSONValue.self, context: context), stored: stored)
        try await self.store.update(id, body, logger: context.logger)
        return JSONDocument(try await self.store.document(id, logger: context.logger))
    }

    @Sendable func remove(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        try ReportController.requireStaff(context)
        try await self.store.delete(try Self.id(context), logger: context.logger)
        return .noContent
    }

    @Sendable func refresh(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try ReportController.requireStaff(context)
        let id = try Self.id(context)
        try await self.store.refresh(id, logger: context.logger)
        return JSONDocument(try await self.store.document(id, logger: context.logger))
    }

    @Sendable func members(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try ReportController.requireStaff(context)
        return try await self.store.members(
            try Self.id(context), page: try PageRequest(request, order: SegmentStore.memberOrder), logger: context.logger)
    }

    static func id(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("id", "segment")
    }
}

/// `GET /internal/v1/segments/{id}/members`: the same pages, for service tokens with
/// `internal:segments.read`.
struct InternalSegmentController: RouteController {
    let store: SegmentStore

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .add(middleware: RequireScopeMiddleware(Scope.readSegments))
            .get(":id/members", use: self.members)
    }

    @Sendable func members(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try await self.store.members(
            try SegmentController.id(context), page: try PageRequest(request, order: SegmentStore.memberOrder), logger: context.logger
        )
    }
}

/// A segment's body: `name`, `description`, `rules`; a PATCH lays the keys sent over the stored ones.
struct SegmentBody: Sendable {
    static let writable = ["name", "description", "rules"]

    var name: String
    var description: String
    var rules: JSONValue
    var rule: SegmentRule

    static func read(_ body: JSONValue, stored: JSONValue?) throws -> SegmentBody {
        let merged = try stored.map { try BodyFields.merging(body, over: $0, writable: Self.writable) } ?? body
        var fields = try BodyFields(
            merged, allowed: Set(Self.writable), derived: ["id", "member_count", "refreshed_at"], required: ["name", "rules"])
        let name = fields.text("name", max: 200, required: true)
        let description = fields.text("description", max: 2000) ?? ""
        var rule: SegmentRule?
        if let rules = fields.value("rules") {
            rule = SegmentRule.parse(rules, at: "rules", errors: &fields.errors)
        } else {
            fields.add("rules", "is required: {\"all\": [...]}, {\"any\": [...]}, {\"not\": ...} or a condition")
        }
        try fields.check()
        guard let name, let rule, let rules = fields.value("rules") else { throw Problem.validation(field: "body", "is incomplete") }
        return SegmentBody(name: name, description: description, rules: rules, rule: rule)
    }
}

struct SegmentStore: Sendable {
    let postgres: PostgresClient
    let clock: ServiceClock
    let ids: IDGenerator

    /// Members by user id: stable while a refresh adds and removes others.
    static let memberOrder = Keyset("user", key: "x.user_id", type: "uuid", descending: false, id: "x.user_id")

    func create(_ body: SegmentBody, by creator: UUID?, logger: Logger) async throws -> UUID {
        let id = self.ids.next()
        let now = self.clock.now
        let rules = String(decoding: try JSONEncoder().encode(body.rules), as: UTF8.self)
        try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO analytics.segments (id, name, description, rules, created_by, created_at, updated_at)
                VALUES (\(id), \(body.name), \(body.description), \(rules)::jsonb, \(creator), \(now), \(now))
                ON CONFLICT (name) DO NOTHING RETURNING id
                """,
                logger: logger
            )
            guard try await rows.collect().count == 1 else { throw Problem.conflict("A segment has this name already.") }
            try await Self.refresh(id, rule: body.rule, now: now, on: connection, logger: logger)
        }
        return id
    }

    func update(_ id: UUID, _ body: SegmentBody, logger: Logger) async throws {
        let now = self.clock.now
        let rules = String(decoding: try JSONEncoder().encode(body.rules), as: UTF8.self)
        try await self.postgres.transaction(logger: logger) { connection in
            let clash = try await connection.query(
                "SELECT 1 FROM analytics.segments WHERE name = \(body.name) AND id <> \(id)", logger: logger
            ).collect()
            guard clash.isEmpty else { throw Problem.conflict("A segment has this name already.") }
            try await connection.query(
                """
                UPDATE analytics.segments SET name = \(body.name), description = \(body.description), rules = \(rules)::jsonb, updated_at = \(now)
                WHERE id = \(id)
                """,
                logger: logger
            )
            try await Self.refresh(id, rule: body.rule, now: now, on: connection, logger: logger)
        }
    }

    func delete(_ id: UUID, logger: Logger) async throws {
        let rows = try await self.postgres.query("DELETE FROM analytics.segments WHERE id = \(id) RETURNING id", logger: logger).collect()
        guard !rows.isEmpty else { throw Problem.notFound("No segment has this id.") }
    }

    /// The stored writable fields, for a PATCH to lay its keys over.
    func stored(_ id: UUID, logger: Logger) async throws -> JSONValue {
        let rows = try await self.postgres.query(
            "SELECT jsonb_build_object('name', name, 'description', description, 'rules', rules)::text FROM analytics.segments WHERE id = \(id)",
            logger: logger
        )
        for try await text in rows.decode(String.self) { return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }
        throw Problem.notFound("No segment has this id.")
    }

    func document(_ id: UUID, logger: Logger) async throws -> String {
        var binds = SQLBinds()
        let sql = "SELECT \(Self.documentSQL)::text FROM analytics.segments x WHERE x.id = \(binds.add(id))"
        let rows = try await self.postgres.query(binds.query(sql), logger: logger)
        for try await text in rows.decode(String.self) { return text }
        throw Problem.notFound("No segment has this id.")
    }

    static let documentSQL = """
        jsonb_build_object('id', x.id, 'name', x.name, 'description', x.description, 'rules', x.rules,
            'member_count', x.member_count, 'refreshed_at', to_char(x.refreshed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            'created_at', to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
        """

    func list(page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        let sql = """
            SELECT \(Self.documentSQL)::text, \(page.selectKey), x.id FROM analytics.segments x
            WHERE \(page.after(&binds)) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    func members(_ id: UUID, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        let exists = try await self.postgres.query("SELECT 1 FROM analytics.segments WHERE id = \(id)", logger: logger).collect()
        guard !exists.isEmpty else { throw Problem.notFound("No segment has this id.") }
        var binds = SQLBinds()
        let sql = """
            SELECT jsonb_build_object('id', x.user_id, 'user_id', x.user_id,
                    'added_at', to_char(x.added_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text,
                \(page.selectKey), x.user_id
            FROM analytics.segment_members x
            WHERE x.segment_id = \(binds.add(id)) AND \(page.after(&binds)) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    /// Recomputes one segment's members from its stored rules.
    func refresh(_ id: UUID, logger: Logger) async throws {
        let stored = try await self.stored(id, logger: logger)
        var errors = FieldErrors()
        guard let rules = stored["rules"], let rule = SegmentRule.parse(rules, at: "rules", errors: &errors) else {
            throw Problem.conflict("This segment's stored rules no longer parse; edit them.")
        }
        try await self.postgres.transaction(logger: logger) { connection in
            // One refresh of a segment at a time (the schedule on another replica, a staff click).
            try await connection.query("SELECT 1 FROM analytics.segments WHERE id = \(id) FOR UPDATE", logger: logger)
            try await Self.refresh(id, rule: rule, now: self.clock.now, on: connection, logger: logger)
        }
    }

    /// The members the rule matches now: newcomers added, leavers removed, the rest kept with
    /// their `added_at`. One statement; the rule is its WHERE clause, every value a bind.
    static func refresh(_ id: UUID, rule: SegmentRule, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        var binds = SQLBinds()
        let segment = binds.add(id)
        let at = binds.add(now)
        let condition = rule.condition(&binds, now: now)
        try await connection.query(
            binds.query(
                """
                WITH matched AS (
                    SELECT u.user_id FROM (SELECT DISTINCT user_id FROM analytics.events WHERE user_id IS NOT NULL) AS u
                    WHERE \(condition)
                ), gone AS (
                    DELETE FROM analytics.segment_members m
                    WHERE m.segment_id = \(segment) AND NOT EXISTS (SELECT 1 FROM matched WHERE matched.user_id = m.user_id)
                ), added AS (
                    INSERT INTO analytics.segment_members (segment_id, user_id, added_at)
                    SELECT \(segment), user_id, \(at) FROM matched
                    ON CONFLICT (segment_id, user_id) DO NOTHING
                )
                UPDATE analytics.segments SET member_count = (SELECT count(*) FROM matched), refreshed_at = \(at)
                WHERE id = \(segment)
                """
            ),
            logger: logger
        )
    }

    /// Refreshes every segment not refreshed within `age`, one at a time, each claimed with
    /// SKIP LOCKED so replicas share the work rather than repeat it.
    func refreshStale(olderThan age: Duration, logger: Logger) async throws {
        let cutoff = self.clock.now.addingTimeInterval(-Double(age.components.seconds))
        while !Task.isCancelled {
            let done = try await self.postgres.transaction(logger: logger) { connection -> Bool in
                let rows = try await connection.query(
                    """
                    SELECT id, rules::text FROM analytics.segments
                    WHERE refreshed_at IS NULL OR refreshed_at < \(cutoff)
                    ORDER BY refreshed_at NULLS FIRST LIMIT 1 FOR UPDATE SKIP LOCKED
                    """,
                    logger: logger
                )
                var claimed: (UUID, String)?
                for try await row in rows.decode((UUID, String).self) { claimed = row }
                guard let (id, text) = claimed else { return true }
                var errors = FieldErrors()
                let json = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
                if let rule = SegmentRule.parse(json, at: "rules", errors: &errors) {
                    try await Self.refresh(id, rule: rule, now: self.clock.now, on: connection, logger: logger)
                } else {
                    // Not refreshable: stamp it so the loop moves on, and say so.
                    logger.warning("segment rules do not parse", metadata: ["segment": .string(id.uuidString)])
                    try await connection.query("UPDATE analytics.segments SET refreshed_at = \(self.clock.now) WHERE id = \(id)", logger: logger)
                }
                return false
            }
            if done { return }
        }
    }
}

/// Refreshes stale segments every `interval` (a segment is stale after `interval` too).
struct SegmentRefreshSchedule: Service {
    let store: SegmentStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // Before migrations have run, or with the database away, it tries again soon.
        try await PeriodicWork(
            "segment refresh", every: self.interval, firstRound: .atOnce, roundLimit: .seconds(600), retryAfterFailure: .seconds(10),
            logger: self.logger
        ) {
            try await self.store.refreshStale(olderThan: self.interval, logger: self.logger)
            return false
        }.run()
    }
}
