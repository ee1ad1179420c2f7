import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Reads and writes one kind of part. Documents are built in SQL (`properties.part_document`), so
/// amounts leave Postgres as exact decimal strings and are passed through; writes go through
/// `jsonb_populate_record`, so the column list is the fields struct's own. Every write runs in one
/// transaction with its parents locked, its checks, its derived facts and its events.
struct PartStore<Part: PropertyPart>: Sendable {
    let postgres: PostgresClient
    let outbox: OutboxPublisher

    /// Finds where the part lives and checks the caller may be there (`PartScope.property` …).
    typealias Resolve = @Sendable (PartIntent, PostgresConnection) async throws -> PartScope

    private static var columns: String { Part.Fields.columns.joined(separator: ", ") }
    private static var notFound: Problem { Problem.notFound("No \(Part.noun) has this id.") }

    func list(_ resolve: Resolve, query: PartListQuery, logger: Logger) async throws -> JSONDocument {
        try await self.postgres.withConnection { connection in
            let scope = try await resolve(.read, connection)
            var binds = SQLBinds()
            var conditions = Self.parentConditions(scope, &binds) + ["x.deleted_at IS NULL"]
            for (column, value) in query.filters { conditions.append("x.\(column)::text = \(binds.add(value))") }
            let (key, descending) = Part.order
            if let cursor = query.cursor {
                conditions.append("((\(key))::text, x.id) \(descending ? "<" : ">") (\(binds.add(cursor.key)), \(binds.add(cursor.id)))")
            }
            let direction = descending ? " DESC" : ""
            let amounts = binds.add(Part.amounts)
            let rows = try await connection.query(
                binds.query(
                    """
                    SELECT properties.part_document(to_jsonb(x), \(amounts))::text, (\(key))::text, x.id
                    FROM \(Part.table) x
                    WHERE \(conditions.joined(separator: " AND "))
                    ORDER BY (\(key))::text\(direction), x.id\(direction)
                    LIMIT \(query.limit + 1)
                    """
                ),
                logger: logger
            )
            var documents: [String] = []
            var last: (key: String, id: UUID)?
            for try await (document, key, id) in rows.decode((String, String, UUID).self) {
                guard documents.count < query.limit else {
                    // The extra row only says another page exists.
                    let cursor = KeysetCursor(sort: Part.table, key: last!.key, id: last!.id)
                    return JSONDocument.page(documents, nextCursor: cursor.encoded)
                }
                documents.append(document)
                last = (key, id)
            }
            return JSONDocument.page(documents, nextCursor: nil)
        }
    }

    func find(_ resolve: Resolve, id: UUID, logger: Logger) async throws -> JSONDocument {
        try await self.postgres.withConnection { connection in
            let scope = try await resolve(.read, connection)
            guard let document = try await Self.document(id, in: scope, lock: false, on: connection, logger: logger) else {
                throw Self.notFound
            }
            return JSONDocument(document)
        }
    }

    /// Creates a part from a `POST` body; returns its document and id.
    func create(_ resolve: Resolve, body: JSONValue, currentYear: Int, logger: Logger) async throws -> (document: String, id: UUID) {
        try await Self.constraintProblems {
            try await self.postgres.transaction(logger: logger) { connection in
                let write = PartWrite(connection: connection, scope: try await resolve(.write, connection), outbox: self.outbox, logger: logger)
                // Who may write is settled before what they wrote is judged.
                let fields = try PartBody.create(body, as: Part.Fields.self, currentYear: currentYear)
                try await Self.checkReferences(fields, in: write)
                let id = UUIDv7.make()
                var binds = SQLBinds()
                let parents = write.scope.parents
                let values = ([binds.add(id)] + parents.map { binds.add($0.id) }).joined(separator: ", ")
                let document = binds.add(try Self.encode(fields))
                let amounts = binds.add(Part.amounts)
                let rows = try await connection.query(
                    binds.query(
                        """
                        INSERT INTO \(Part.table) AS x (id, \((parents.map(\.column) + [Self.columns]).joined(separator: ", ")))
                        SELECT \(values), \(Self.columns) FROM jsonb_populate_record(NULL::\(Part.table), \(document)::jsonb)
                        RETURNING properties.part_document(to_jsonb(x), \(amounts))::text
                        """
                    ),
                    logger: logger
                )
                var created: String?
                for try await text in rows.decode(String.self) { created = text }
                guard let created else { throw Problem.conflict("The \(Part.noun) could not be stored; try again.") }
                try await Part.didWrite(.created, document: created, id: id, in: write)
                return (created, id)
            }
        }
    }

    /// Applies a `PATCH` body to a live part, locked for the duration so two edits cannot interleave.
    func update(_ resolve: Resolve, id: UUID, body: JSONValue, currentYear: Int, logger: Logger) async throws -> String {
        try await Self.constraintProblems {
            try await self.postgres.transaction(logger: logger) { connection in
                let write = PartWrite(connection: connection, scope: try await resolve(.write, connection), outbox: self.outbox, logger: logger)
                guard let stored = try await Self.document(id, in: write.scope, lock: true, on: connection, logger: logger) else {
                    throw Self.notFound
                }
                let fields = try PartBody.merge(
                    body, over: try JSONDecoder().decode(JSONValue.self, from: Data(stored.utf8)), as: Part.Fields.self,
                    currentYear: currentYear
                )
                try await Self.checkReferences(fields, in: write)
                var binds = SQLBinds()
                let document = binds.add(try Self.encode(fields))
                let key = binds.add(id)
                let amounts = binds.add(Part.amounts)
                let rows = try await connection.query(
                    binds.query(
                        """
                        UPDATE \(Part.table) AS x
                        SET (\(Self.columns)) = (
                                SELECT \(Self.columns) FROM jsonb_populate_record(NULL::\(Part.table), \(document)::jsonb)
                            ),
                            updated_at = now()
                        WHERE x.id = \(key)
                        RETURNING properties.part_document(to_jsonb(x), \(amounts))::text
                        """
                    ),
                    logger: logger
                )
                var updated: String?
                for try await text in rows.decode(String.self) { updated = text }
                guard let updated else { throw Self.notFound }
                try await Part.didWrite(.updated, document: updated, id: id, in: write)
                return updated
            }
        }
    }

    /// Soft delete: the row stays for the record, out of every read.
    func delete(_ resolve: Resolve, id: UUID, logger: Logger) async throws {
        try await self.postgres.transaction(logger: logger) { connection in
            let write = PartWrite(connection: connection, scope: try await resolve(.write, connection), outbox: self.outbox, logger: logger)
            guard try await Self.document(id, in: write.scope, lock: true, on: connection, logger: logger) != nil else {
                throw Self.notFound
            }
            try await Part.checkDelete(id, in: write)
            var binds = SQLBinds()
            let key = binds.add(id)
            let amounts = binds.add(Part.amounts)
            let rows = try await connection.query(
                binds.query(
                    """
                    UPDATE \(Part.table) AS x SET deleted_at = now(), updated_at = now() WHERE x.id = \(key)
                    RETURNING properties.part_document(to_jsonb(x), \(amounts))::text
                    """
                ),
                logger: logger
            )
            for try await document in rows.decode(String.self) {
                try await Part.didWrite(.deleted, document: document, id: id, in: write)
            }
        }
    }

    /// The live part `id` under `scope`, optionally locked for the rest of the transaction.
    private static func document(
        _ id: UUID,
        in scope: PartScope,
        lock: Bool,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> String? {
        var binds = SQLBinds()
        let conditions = Self.parentConditions(scope, &binds) + ["x.id = \(binds.add(id))", "x.deleted_at IS NULL"]
        let amounts = binds.add(Part.amounts)
        let rows = try await connection.query(
            binds.query(
                """
                SELECT properties.part_document(to_jsonb(x), \(amounts))::text FROM \(Part.table) x
                WHERE \(conditions.joined(separator: " AND ")) \(lock ? "FOR UPDATE" : "")
                """
            ),
            logger: logger
        )
        for try await document in rows.decode(String.self) { return document }
        return nil
    }

    private static func parentConditions(_ scope: PartScope, _ binds: inout SQLBinds) -> [String] {
        scope.parents.map { "x.\($0.column) = \(binds.add($0.id))" }
    }

    private static func checkReferences(_ fields: Part.Fields, in write: PartWrite) async throws {
        let errors = try await Part.referenceProblems(fields, in: write)
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }

    private static func encode(_ fields: Part.Fields) throws -> String {
        String(decoding: try JSONEncoder.tract.encode(fields), as: UTF8.self)
    }

    /// The constraints behind the checks, should a write get past them (two writers racing for a
    /// unit number): a unique index is a 409, a failed check a 422 — never a 500.
    private static func constraintProblems<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as PSQLError where error.code == .server {
            let constraint = error.serverInfo?[.constraintName] ?? ""
            switch error.serverInfo?[.sqlState] {
            case "23505":
                throw Problem.conflict(Part.conflict(index: constraint) ?? "Another \(Part.noun) already has these details.")
            case "23514", "23503":
                throw Problem.validation(field: "body", "breaks the rule \(constraint)")
            default:
                throw error
            }
        }
    }
}

/// `?limit=`, `?cursor=` and the part's equality filters.
struct PartListQuery: Sendable {
    var limit: Int
    var cursor: KeysetCursor?
    var filters: [(column: String, value: String)]

    init<Part: PropertyPart>(_ parameters: Parameters, for _: Part.Type) throws {
        self.limit = try PageRequest.parseLimit(from: parameters)
        self.cursor = try parameters["cursor"].map { try KeysetCursor(encoded: String($0), sort: Part.table) }
        self.filters = Part.filters.compactMap { column in
            parameters[Substring(column)].flatMap { $0.isEmpty ? nil : (column, String($0)) }
        }
    }
}
