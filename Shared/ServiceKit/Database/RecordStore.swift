import Foundation
import Logging
import Models
import PostgresNIO

/// One kind of record kept as rows of a parent (a property's units, a listing's videos, a
/// property's income records): its table, how a row becomes its JSON document, the columns a
/// client's values are written to, how it is deleted and what a conflict on it means.
///
/// Every name here comes from code, never from a client: it is spliced into SQL.
public struct RecordKind: Sendable {
    /// How a record leaves: `soft` stamps `deleted_at` and hides the row from every read; `hard`
    /// deletes it.
    public enum Deletion: Sendable, Equatable { case soft, hard }

    /// `properties.units`.
    public var table: String
    /// The row's document, a SQL `jsonb` expression over the row alias `x`
    /// (`financials.income_document(x)`, `properties.part_document(to_jsonb(x), ARRAY['current_rent'])`).
    public var document: String
    /// "unit", for "No unit has this id." and the default conflict detail.
    public var noun: String
    /// The columns a write sets, each from the key of the same name of the values object
    /// (absent keys and `null` store `NULL`).
    public var columns: [String]
    public var deletion: Deletion
    /// The column a write stamps with `now()` (`updated_at`), if any.
    public var touched: String?
    /// The 409 detail for a unique constraint (by name) a write may meet; nil for the default
    /// "Another <noun> already has these details.".
    public var conflict: @Sendable (_ constraint: String) -> String?
    /// Turns what `document` selected into the response body, for a document Swift must finish
    /// (figures computed from the row); nil to answer it as Postgres built it.
    public var render: (@Sendable (_ selected: String) throws -> String)?
    /// What a `PATCH` merges over, a SQL `jsonb` expression over `x` whose keys are the columns'
    /// (`financials.performance_document(x)` where `document` joins more in); nil for `document`.
    public var stored: String?

    public init(
        table: String,
        document: String,
        noun: String,
        columns: [String],
        deletion: Deletion = .soft,
        touched: String? = "updated_at",
        conflict: @escaping @Sendable (_ constraint: String) -> String? = { _ in nil },
        render: (@Sendable (_ selected: String) throws -> String)? = nil,
        stored: String? = nil
    ) {
        self.table = table
        self.document = document
        self.noun = noun
        self.columns = columns
        self.deletion = deletion
        self.touched = touched
        self.conflict = conflict
        self.render = render
        self.stored = stored
    }

    /// "No unit has this id.".
    public var notFound: Problem { Problem.notFound("No \(self.noun) has this id.") }
}

/// A parent column a record's rows carry and the parent's id (`property_id`, `project_id`).
public struct RecordParent: Sendable, Equatable {
    public var column: String
    public var id: UUID

    public init(_ column: String, _ id: UUID) {
        self.column = column
        self.id = id
    }
}

/// The one store for "rows of a parent: listed, created, read, patched, deleted" (ARCHITECTURE.md,
/// "Lists"; STYLE.md). Documents are built in SQL by the kind's `document` expression, so amounts
/// and timestamps leave Postgres as they are stored; writes are a JSON object of column values fed
/// through `jsonb_populate_record`, so a value is converted by Postgres exactly as its column
/// types it (money as decimal strings `"1200.00"`, dates as `YYYY-MM-DD`, uuids as text). New ids
/// come from the kit's `IDGenerator`; every read and write is scoped by the parents' columns.
///
/// A constraint the checks in Swift missed (two writers racing for a unit number) is a problem,
/// never a 500: a unique violation (23505) is a 409 with the kind's own detail, a failed check or
/// foreign key (23514, 23503) a 422.
///
/// The methods taking a `connection` run inside a caller's transaction (after it resolved and
/// locked the parents, around its own checks and events); the others hold a connection or a
/// transaction of their own.
///
/// ```swift
/// let units = RecordStore(
///     RecordKind(
///         table: "properties.units",
///         document: "properties.part_document(to_jsonb(x), ARRAY['current_rent', 'market_rent'])",
///         noun: "unit", columns: ["unit_number", "floor", "current_rent"],
///         conflict: { $0 == "units_number" ? "The property already has a unit with this unit_number." : nil }
///     ),
///     postgres: dependencies.postgres, ids: dependencies.ids
/// )
/// let parents = [RecordParent("property_id", propertyID)]
/// // GET: one page in the list's order, filtered.
/// let page = try PageRequest(request, order: Keyset("unit_number", key: "lower(x.unit_number)", type: "text", descending: false))
/// let list = try await units.list(parents, page: page, logger: logger) { binds in
///     ["x.occupancy_status = \(binds.add("vacant"))"]
/// }
/// // POST: the checked body's values (a whole object), plus columns the server sets.
/// let (document, id) = try await units.create(parents, values: fields, also: ["created_by": .string(user.uuidString)], logger: logger)
/// // PATCH: the stored document, merged and checked by the caller, written whole.
/// let changed = try await units.update(id, parents, logger: logger) { stored in
///     let merged = try BodyFields.merging(patch, over: stored, writable: units.kind.columns)
///     return try UnitBody.checked(merged)   // the values object to store
/// }
/// try await units.delete(id, parents, logger: logger)   // soft or hard, as the kind says
/// ```
///
/// Investments' financial records fit the same way: `document: "financials.income_document(x)"`,
/// `deletion: .hard`, parents `[RecordParent("property_id", property)]`, typed columns given as a
/// JSON object (money as decimal strings, dates as `YYYY-MM-DD`) and `recorded_by` through `also:`;
/// performance's figures computed in Swift through `render`, its `PATCH` merged over `stored:
/// "financials.performance_document(x)"`.
public struct RecordStore: Sendable {
    public let kind: RecordKind
    public let postgres: PostgresClient
    public let ids: IDGenerator

    public init(_ kind: RecordKind, postgres: PostgresClient, ids: IDGenerator) {
        self.kind = kind
        self.postgres = postgres
        self.ids = ids
    }

    /// Conditions over `x` for a set of bound values: a list's filters.
    public typealias Filters = @Sendable (inout SQLBinds) throws -> [String]

    // MARK: On a connection of the caller's (inside its transaction)

    /// One page of the live records of `parents`, in `page.order`, narrowed by `filters`.
    public func list(
        _ parents: [RecordParent],
        page: PageRequest,
        on connection: PostgresConnection,
        logger: Logger,
        filters: Filters = { _ in [] }
    ) async throws -> JSONDocument {
        var binds = SQLBinds()
        var conditions = self.scope(parents, &binds)
        conditions += try filters(&binds)
        conditions.append(page.after(&binds))
        let sql = """
            SELECT (\(self.kind.document))::text, \(page.selectKey), x.id FROM \(self.kind.table) x
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        guard let render = self.kind.render else { return try await connection.documentPage(binds.query(sql), page, logger: logger) }
        var rows: [(document: String, key: String, id: UUID)] = []
        for try await (selected, key, id) in try await connection.query(binds.query(sql), logger: logger).decode((String, String, UUID).self) {
            rows.append((try render(selected), key, id))
        }
        return page.documents(rows)
    }

    /// The live record `id` of `parents`, or nil; `lock` holds it (`FOR UPDATE`) for the rest of
    /// the transaction.
    public func find(
        _ id: UUID,
        _ parents: [RecordParent],
        lock: Bool = false,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> String? {
        try await self.select(self.kind.document, id, parents, lock: lock, on: connection, logger: logger)
    }

    /// What a `PATCH` of live record `id` merges over (the kind's `stored`, else its document,
    /// as Postgres built it), locked for the rest of the transaction; nil when there is none.
    public func stored(_ id: UUID, _ parents: [RecordParent], on connection: PostgresConnection, logger: Logger) async throws -> JSONValue? {
        guard let expression = self.kind.stored else {
            return try await self.find(id, parents, lock: true, on: connection, logger: logger).map(Self.json)
        }
        return try await self.select(expression, id, parents, lock: true, rendered: false, on: connection, logger: logger).map(Self.json)
    }

    /// Inserts a record of `parents` with a new id, its `columns` from `values` and the columns of
    /// `also` (set by the server: `created_by`, `recorded_by`); returns its document and id.
    public func insert(
        _ parents: [RecordParent],
        values: [String: JSONValue],
        also: [String: JSONValue] = [:],
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> (document: String, id: UUID) {
        let id = self.ids.next()
        let (columns, object) = self.written(values, also)
        var binds = SQLBinds()
        let keys = ["id"] + parents.map(\.column) + columns
        let fixed = ([binds.add(id)] + parents.map { binds.add($0.id) }).joined(separator: ", ")
        let document = binds.add(object)
        let sql = """
            INSERT INTO \(self.kind.table) AS x (\(keys.joined(separator: ", ")))
            SELECT \(fixed), \(columns.joined(separator: ", ")) FROM jsonb_populate_record(NULL::\(self.kind.table), \(document)::jsonb)
            RETURNING (\(self.kind.document))::text
            """
        guard let created = try await self.first(binds.query(sql), on: connection, logger: logger) else {
            throw Problem.conflict("The \(self.kind.noun) could not be stored; try again.")
        }
        return (created, id)
    }

    /// Replaces the `columns` of live record `id` with `values` (a whole record: absent keys store
    /// `NULL`) and the columns of `also`; returns its document, or nil when there is no such record.
    public func update(
        _ id: UUID,
        _ parents: [RecordParent],
        values: [String: JSONValue],
        also: [String: JSONValue] = [:],
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> String? {
        let (columns, object) = self.written(values, also)
        let list = columns.joined(separator: ", ")
        var binds = SQLBinds()
        let document = binds.add(object)
        var conditions = self.scope(parents, &binds)
        conditions.append("x.id = \(binds.add(id))")
        let touch = self.kind.touched.map { ", \($0) = now()" } ?? ""
        let sql = """
            UPDATE \(self.kind.table) AS x
            SET (\(list)) = (SELECT \(list) FROM jsonb_populate_record(NULL::\(self.kind.table), \(document)::jsonb))\(touch)
            WHERE \(conditions.joined(separator: " AND "))
            RETURNING (\(self.kind.document))::text
            """
        return try await self.first(binds.query(sql), on: connection, logger: logger)
    }

    /// Deletes live record `id` (soft or hard, as the kind says); returns the document it had, or
    /// nil when there is no such record.
    public func remove(_ id: UUID, _ parents: [RecordParent], on connection: PostgresConnection, logger: Logger) async throws -> String? {
        var binds = SQLBinds()
        let conditions = (self.scope(parents, &binds) + ["x.id = \(binds.add(id))"]).joined(separator: " AND ")
        let sql: String
        switch self.kind.deletion {
        case .soft:
            let touch = self.kind.touched.map { ", \($0) = now()" } ?? ""
            sql = """
                UPDATE \(self.kind.table) AS x SET deleted_at = now()\(touch) WHERE \(conditions)
                RETURNING (\(self.kind.document))::text
                """
        case .hard:
            sql = "DELETE FROM \(self.kind.table) AS x WHERE \(conditions) RETURNING (\(self.kind.document))::text"
        }
        return try await self.first(binds.query(sql), on: connection, logger: logger)
    }

    // MARK: On a connection or transaction of its own

    public func list(_ parents: [RecordParent], page: PageRequest, logger: Logger, filters: Filters = { _ in [] }) async throws -> JSONDocument {
        try await self.postgres.withConnection { try await self.list(parents, page: page, on: $0, logger: logger, filters: filters) }
    }

    /// The record's document; 404 when there is none.
    public func find(_ id: UUID, _ parents: [RecordParent], logger: Logger) async throws -> String {
        let found = try await self.postgres.withConnection { try await self.find(id, parents, on: $0, logger: logger) }
        guard let found else { throw self.kind.notFound }
        return found
    }

    public func create(
        _ parents: [RecordParent],
        values: [String: JSONValue],
        also: [String: JSONValue] = [:],
        logger: Logger
    ) async throws -> (document: String, id: UUID) {
        try await self.postgres.withConnection { try await self.insert(parents, values: values, also: also, on: $0, logger: logger) }
    }

    /// A `PATCH`: locks live record `id` (404 when there is none), hands `change` what is stored
    /// (`stored(_:_:on:logger:)`), and writes the values `change` returns (merged and checked: typically
    /// `BodyFields.merging(patch, over: stored, writable: kind.columns)`), all in one transaction.
    public func update(
        _ id: UUID,
        _ parents: [RecordParent],
        also: [String: JSONValue] = [:],
        logger: Logger,
        change: @Sendable (_ stored: JSONValue) async throws -> [String: JSONValue]
    ) async throws -> String {
        try await self.postgres.transaction(logger: logger) { connection in
            guard let stored = try await self.stored(id, parents, on: connection, logger: logger) else { throw self.kind.notFound }
            let values = try await change(stored)
            guard let updated = try await self.update(id, parents, values: values, also: also, on: connection, logger: logger) else {
                throw self.kind.notFound
            }
            return updated
        }
    }

    /// Deletes record `id`; 404 when there is none.
    public func delete(_ id: UUID, _ parents: [RecordParent], logger: Logger) async throws {
        let removed = try await self.postgres.withConnection { try await self.remove(id, parents, on: $0, logger: logger) }
        guard removed != nil else { throw self.kind.notFound }
    }

    // MARK: The engine

    /// The live rows of `parents`.
    private func scope(_ parents: [RecordParent], _ binds: inout SQLBinds) -> [String] {
        parents.map { "x.\($0.column) = \(binds.add($0.id))" } + (self.kind.deletion == .soft ? ["x.deleted_at IS NULL"] : [])
    }

    /// The columns to write and the JSON object holding their values.
    private func written(_ values: [String: JSONValue], _ also: [String: JSONValue]) -> ([String], String) {
        var object: [String: JSONValue] = [:]
        for column in self.kind.columns { object[column] = values[column] ?? .null }
        for (column, value) in also { object[column] = value }
        let columns = self.kind.columns + also.keys.sorted().filter { !self.kind.columns.contains($0) }
        let json = String(decoding: (try? JSONEncoder().encode(JSONValue.object(object))) ?? Data("{}".utf8), as: UTF8.self)
        return (columns, json)
    }

    /// `expression` over live record `id` of `parents`.
    private func select(
        _ expression: String,
        _ id: UUID,
        _ parents: [RecordParent],
        lock: Bool,
        rendered: Bool = true,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> String? {
        var binds = SQLBinds()
        let conditions = self.scope(parents, &binds) + ["x.id = \(binds.add(id))"]
        let sql = """
            SELECT (\(expression))::text FROM \(self.kind.table) x
            WHERE \(conditions.joined(separator: " AND ")) \(lock ? "FOR UPDATE" : "")
            """
        return try await self.first(binds.query(sql), rendered: rendered, on: connection, logger: logger)
    }

    private static func json(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// The first column of the first row `query` returns (rendered by the kind unless told not
    /// to), with constraint violations as problems.
    private func first(_ query: PostgresQuery, rendered: Bool = true, on connection: PostgresConnection, logger: Logger) async throws -> String? {
        try await self.constraintProblems {
            for try await text in try await connection.query(query, logger: logger).decode(String.self) {
                guard rendered, let render = self.kind.render else { return text }
                return try render(text)
            }
            return nil
        }
    }

    /// The constraints behind the checks, should a write get past them: a unique index is a 409
    /// with the kind's detail, a failed check or foreign key a 422 naming the rule — never a 500.
    public func constraintProblems<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as PSQLError where error.code == .server {
            let constraint = error.serverInfo?[.constraintName] ?? ""
            switch error.serverInfo?[.sqlState] {
            case "23505":
                throw Problem.conflict(self.kind.conflict(constraint) ?? "Another \(self.kind.noun) already has these details.")
            case "23514", "23503":
                throw Problem.validation(field: "body", "breaks the rule \(constraint.isEmpty ? "of the table" : constraint)")
            default:
                throw error
            }
        }
    }
}
