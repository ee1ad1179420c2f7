import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// One kind of property financials (seed 001 §2.5): income, expenses, performance, rent roll. All
/// four are rows of one property with the same five routes (`FinancialRecordController`, mounted
/// once per kind at its path in `InvestmentsService.swift`) and store (`FinancialRecordStore`);
/// what differs is said here.
protocol FinancialRecord: Sendable {
    /// "income record", for messages such as "No income record has this id.".
    static var noun: String { get }
    static var table: String { get }
    /// The SQL function that makes a row's JSON (`financials.income_document`).
    static var rowDocument: String { get }
    /// Who reads them; writing is always the property's sponsor or an admin.
    static var readers: FinancialsAccess.Need { get }
    /// The keys a body may carry; a `PATCH` merges over these of the stored row.
    static var writable: [String] { get }
    /// Keys of the document the server computes: refused in a body with a word saying so.
    static var derived: Set<String> { get }
    /// The list order: a SQL text expression over the row `x`, with the id as tie-break.
    static var order: Keyset { get }
    /// The 409 detail when a write meets the kind's unique key (one income record per period…).
    static var conflict: String { get }
    /// A whole body, checked field by field (422 naming each), as the columns to store.
    static func columns(from body: JSONValue) throws -> [FinancialColumn]
    /// List conditions from the query string, as SQL over `x` with bound values.
    static func filters(_ query: Parameters, _ binds: inout SQLBinds) throws -> [String]
    /// The jsonb a read selects for row `x`; by default the row document.
    static var select: String { get }
    /// Turns what `select` gave into the response body; by default as it is.
    static func render(_ selected: String) throws -> String
}

extension FinancialRecord {
    static func filters(_ query: Parameters, _ binds: inout SQLBinds) throws -> [String] { [] }
    static var select: String { "\(Self.rowDocument)(x)" }
    static func render(_ selected: String) throws -> String { selected }
}

/// A column to store and its value, bound with its SQL type. Names come from this module's kinds,
/// never from a client.
struct FinancialColumn: Sendable {
    enum Value: Sendable {
        case money(Money?)
        case date(CalendarDate?)
        case integer(Int?)
        case text(String?)
        case uuid(UUID?)
    }

    var name: String
    var value: Value

    init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }

    /// The placeholder (`$3::numeric`), or `NULL`.
    func bind(_ binds: inout SQLBinds) -> String {
        switch self.value {
        case .money(let amount): amount.map { "\(binds.add($0))::numeric" } ?? "NULL"
        case .date(let date): date.map { "\(binds.add($0.description))::date" } ?? "NULL"
        case .integer(let number): number.map { "\(binds.add($0))::integer" } ?? "NULL"
        case .text(let text): text.map { binds.add($0) } ?? "NULL"
        case .uuid(let id): id.map { binds.add($0) } ?? "NULL"
        }
    }
}

/// The five routes of one kind, mounted at `/v1/financials/properties/:property_id/<kind>`: list
/// and create on the collection, read, change (`PATCH`, merged) and delete on `…/{id}`. Every route
/// needs a signed-in caller (401 otherwise); `FinancialsAccess` decides the rest.
///
/// No `Idempotency-Key`: recording financials moves no money and sends nothing, and a retried
/// create meets the kind's unique key (409) rather than making a second row.
struct FinancialRecordController<Record: FinancialRecord>: Sendable {
    let store: FinancialRecordStore<Record>
    let access: FinancialsAccess

    var endpoints: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        routes.get(use: self.list)
        routes.post(use: self.create)
        routes.get(":id", use: self.show)
        routes.patch(":id", use: self.update)
        routes.delete(":id", use: self.delete)
        return routes
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let property = try await self.access.require(Record.readers, context: context)
        let page = try PageRequest(request, order: Record.order)
        return try await self.store.list(property: property, query: request.uri.queryParameters, page: page, logger: context.logger)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let property = try await self.access.require(.write, context: context)
        let body = try await request.decode(as: JSONValue.self, context: context)
        let user = try context.identity.requireUser("Only users record financials.")
        let (document, id) = try await self.store.create(property: property, body: body, by: user, logger: context.logger)
        return JSONDocument(document, status: .created, headers: [.location: "\(request.uri.path)/\(id.uuidString.lowercased())"])
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let property = try await self.access.require(Record.readers, context: context)
        return JSONDocument(try await self.store.find(property: property, id: try Self.id(context), logger: context.logger))
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let property = try await self.access.require(.write, context: context)
        let id = try Self.id(context)
        let body = try await request.decode(as: JSONValue.self, context: context)
        let user = try context.identity.requireUser("Only users record financials.")
        return JSONDocument(try await self.store.update(property: property, id: id, patch: body, by: user, logger: context.logger))
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let property = try await self.access.require(.write, context: context)
        try await self.store.delete(property: property, id: try Self.id(context), logger: context.logger)
        return .noContent
    }

    static func id(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("id", Record.noun)
    }
}

/// Reads and writes one kind, always within one property (the caller was allowed there first).
struct FinancialRecordStore<Record: FinancialRecord>: Sendable {
    let postgres: PostgresClient
    let ids: IDGenerator

    private static var notFound: Problem { Problem.notFound("No \(Record.noun) has this id.") }

    /// The property's rows in the kind's order, filtered by the query (`Record.filters`).
    func list(property: UUID, query: Parameters, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        var conditions = ["x.property_id = \(binds.add(property))"]
        conditions += try Record.filters(query, &binds)
        conditions.append(page.after(&binds))
        let sql = """
            SELECT (\(Record.select))::text, \(page.selectKey), x.id FROM \(Record.table) x
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        var rows: [(item: String, key: String, id: UUID)] = []
        for try await (selected, key, id) in try await self.postgres.query(binds.query(sql), logger: logger).decode((String, String, UUID).self) {
            rows.append((selected, key, id))
        }
        // Only the rows shown are rendered; the extra one only says another page exists.
        let page = page.page(rows)
        return JSONDocument.page(try page.data.map(Record.render), nextCursor: page.nextCursor)
    }

    func find(property: UUID, id: UUID, logger: Logger) async throws -> String {
        try await self.postgres.withConnection { connection in
            guard let selected = try await Self.select(id, property: property, on: connection, logger: logger) else { throw Self.notFound }
            return try Record.render(selected)
        }
    }

    /// Returns the new row's document and id.
    func create(property: UUID, body: JSONValue, by user: UUID, logger: Logger) async throws -> (String, UUID) {
        let columns = try Record.columns(from: body)
        let id = self.ids.next()
        var binds = SQLBinds()
        let names = ["id", "property_id", "recorded_by"] + columns.map(\.name)
        let values = [binds.add(id), binds.add(property), binds.add(user)] + columns.map { $0.bind(&binds) }
        let sql = "INSERT INTO \(Record.table) (\(names.joined(separator: ", "))) VALUES (\(values.joined(separator: ", ")))"
        return try await Self.constraintProblems {
            try await self.postgres.withConnection { connection in
                try await connection.query(binds.query(sql), logger: logger)
                guard let selected = try await Self.select(id, property: property, on: connection, logger: logger) else { throw Self.notFound }
                return (try Record.render(selected), id)
            }
        }
    }

    /// Applies a `PATCH` to row `id`, locked for the duration so two edits cannot interleave.
    func update(property: UUID, id: UUID, patch: JSONValue, by user: UUID, logger: Logger) async throws -> String {
        try await Self.constraintProblems {
            try await self.postgres.transaction(logger: logger) { connection in
                let stored = try await connection.query(
                    """
                    SELECT \(unescaped: Record.rowDocument)(x)::text FROM \(unescaped: Record.table) x
                    WHERE x.property_id = \(property) AND x.id = \(id) FOR UPDATE
                    """,
                    logger: logger
                )
                var current: JSONValue?
                for try await text in stored.decode(String.self) { current = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }
                guard let current else { throw Self.notFound }
                let columns = try Record.columns(from: try BodyFields.merging(patch, over: current, writable: Record.writable))
                var binds = SQLBinds()
                let assignments = columns.map { "\($0.name) = \($0.bind(&binds))" }
                    + ["recorded_by = \(binds.add(user))", "updated_at = now()"]
                // Built before `binds.query` reads the binds: its argument would add to them too late.
                let sql = "UPDATE \(Record.table) SET \(assignments.joined(separator: ", ")) WHERE id = \(binds.add(id))"
                try await connection.query(binds.query(sql), logger: logger)
                guard let selected = try await Self.select(id, property: property, on: connection, logger: logger) else { throw Self.notFound }
                return try Record.render(selected)
            }
        }
    }

    func delete(property: UUID, id: UUID, logger: Logger) async throws {
        let rows = try await self.postgres.query(
            "DELETE FROM \(unescaped: Record.table) WHERE property_id = \(property) AND id = \(id) RETURNING id", logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return }
        throw Self.notFound
    }

    private static func select(_ id: UUID, property: UUID, on connection: PostgresConnection, logger: Logger) async throws -> String? {
        let rows = try await connection.query(
            "SELECT (\(unescaped: Record.select))::text FROM \(unescaped: Record.table) x WHERE x.property_id = \(property) AND x.id = \(id)",
            logger: logger
        )
        for try await text in rows.decode(String.self) { return text }
        return nil
    }

    /// The constraints behind the checks: a second row for a period (or a race to one) is a 409,
    /// a failed CHECK a 422 — never a 500.
    private static func constraintProblems<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as PSQLError where error.code == .server {
            switch error.serverInfo?[.sqlState] {
            case "23505":
                throw Problem.conflict(Record.conflict)
            case "23514", "23503":
                throw Problem.validation(field: "body", "breaks the rule \(error.serverInfo?[.constraintName] ?? "of the table")")
            default:
                throw error
            }
        }
    }
}
