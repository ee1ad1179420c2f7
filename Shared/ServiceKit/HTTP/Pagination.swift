import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO

/// A list's order, for keyset paging (ARCHITECTURE.md, "Lists"): a sort key and the row's id as
/// tie-break, so every row has one place however many share a key. Keyset rather than offset:
/// pages stay stable while rows are inserted, and deep pages cost the same as the first.
///
/// The key is a SQL expression over the row alias `x` that is never null. It travels in the
/// cursor as Postgres's own text for it and is cast back to `type` to compare, so it round-trips
/// exactly: a `timestamptz` keeps its microseconds, a `uuid` (UUIDv7, so creation order) its bits.
public struct Keyset: Sendable, Equatable {
    /// Names the order inside its cursors: a cursor of another order is refused.
    public var name: String
    /// A SQL expression over `x` (`x.created_at`, `lower(x.unit_number)`), never null.
    public var key: String
    /// The SQL type the key compares as: `timestamptz`, `date`, `numeric`, `integer`, `bigint`,
    /// `uuid` or `text` (compared byte by byte, `COLLATE "C"`, so the database's locale cannot
    /// shift the order).
    public var type: String
    public var descending: Bool
    /// The tie-break: a unique `uuid` column of `x`, by default its id.
    public var id: String

    public init(_ name: String, key: String, type: String, descending: Bool, id: String = "x.id") {
        self.name = name
        self.key = key
        self.type = type
        self.descending = descending
        self.id = id
    }

    /// `created_at`, newest first: the usual order of a list.
    public static let newestFirst = Keyset("newest", key: "x.created_at", type: "timestamptz", descending: true)
    /// `created_at`, oldest first.
    public static let oldestFirst = Keyset("oldest", key: "x.created_at", type: "timestamptz", descending: false)

    /// The key as compared and sorted.
    var sortKey: String {
        self.type == "text" ? "(\(self.key))::text COLLATE \"C\"" : "(\(self.key))::\(self.type)"
    }
}

/// A position in a list: the order it belongs to, the sort key of the last row shown (Postgres's
/// text for it) and that row's id. Opaque to clients (base64url JSON).
public struct KeysetCursor: Codable, Sendable, Equatable {
    public var sort: String
    public var key: String
    public var id: UUID

    public init(sort: String, key: String, id: UUID) {
        self.sort = sort
        self.key = key
        self.id = id
    }

    public var encoded: String { OpaqueCursor.encode(self) }

    /// Refuses a cursor from another sort order: its key would mean something else.
    public init(encoded: String, sort: String) throws {
        self = try OpaqueCursor.decode(KeysetCursor.self, from: encoded)
        guard self.sort == sort else {
            throw Problem.validation(field: "cursor", "belongs to another sort order; start again without it")
        }
    }
}

/// Cursors travel as base64url JSON: opaque to clients, checked on the way back in.
enum OpaqueCursor {
    static func encode(_ value: some Encodable) -> String {
        let data = (try? JSONEncoder.tract.encode(value)) ?? Data()
        return Base64URL.encode(data)
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from encoded: String) throws -> Value {
        guard encoded.utf8.count <= 1024, let data = Base64URL.decode(encoded), let value = try? JSONDecoder.tract.decode(type, from: data)
        else {
            throw Problem.validation(field: "cursor", "is not a cursor this list issued")
        }
        return value
    }
}

/// One page asked of a list: `?limit=` (default 50, at most 200), `?cursor=`, and the order the
/// list is in. The one pager: a list query selects `document::text, <selectKey>, x.id`, filters
/// on `after(&binds)`, sorts by `orderBy` and fetches `fetchLimit` rows; `documents(_:)` or
/// `page(_:)` makes the page, the extra row only saying that another one exists.
///
/// ```swift
/// var binds = SQLBinds()
/// let sql = """
///     SELECT investments.offering_document(x)::text, \(page.selectKey), x.id FROM investments.offerings x
///     WHERE x.status = \(binds.add(status)) AND \(page.after(&binds))
///     ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
///     """
/// return try await postgres.documentPage(binds.query(sql), page, logger: logger)
/// ```
public struct PageRequest: Sendable, Equatable {
    public static let defaultLimit = 50
    public static let maximumLimit = 200

    public var limit: Int
    public var cursor: KeysetCursor?
    public var order: Keyset

    public init(limit: Int = PageRequest.defaultLimit, cursor: KeysetCursor? = nil, order: Keyset = .newestFirst) {
        self.limit = limit
        self.cursor = cursor
        self.order = order
    }

    /// `?limit=` and `?cursor=` of `request`; a cursor must be one of `order`'s.
    public init(_ request: Request, order: Keyset = .newestFirst) throws {
        try self.init(request.uri.queryParameters, order: order)
    }

    public init(_ query: Parameters, order: Keyset = .newestFirst) throws {
        self.limit = try Self.parseLimit(from: query)
        // An empty `?cursor=` is the first page: clients that build query strings from an empty
        // state send it, and it names no position to refuse.
        self.cursor = try query["cursor"].flatMap { $0.isEmpty ? nil : $0 }.map { try KeysetCursor(encoded: String($0), sort: order.name) }
        self.order = order
    }

    /// `?limit=`, checked: every list reads it this way.
    public static func parseLimit(from query: Parameters) throws -> Int {
        guard let raw = query["limit"] else { return Self.defaultLimit }
        guard let value = Int(String(raw)), (1...Self.maximumLimit).contains(value) else {
            throw Problem.validation(field: "limit", "must be a whole number from 1 to \(Self.maximumLimit)")
        }
        return value
    }

    /// The select-list entry that names each row's place: `(key)::text`, decoded as a `String`.
    public var selectKey: String { "(\(self.order.key))::text" }

    /// `ORDER BY` this: the key, then the id, both in the list's direction.
    public var orderBy: String {
        let direction = self.order.descending ? " DESC" : ""
        return "\(self.order.sortKey)\(direction), \(self.order.id)\(direction)"
    }

    /// One more than the page holds: the extra row only says another page exists.
    public var fetchLimit: Int { self.limit + 1 }

    /// The condition that starts the page after the cursor (`TRUE` on the first page), with the
    /// cursor's key cast back to the key's type so it compares exactly.
    public func after(_ binds: inout SQLBinds) -> String {
        guard let cursor = self.cursor else { return "TRUE" }
        let key = binds.add(cursor.key)
        let cast = self.order.type == "text" ? "\(key)::text COLLATE \"C\"" : "\(key)::\(self.order.type)"
        return "(\(self.order.sortKey), \(self.order.id)) \(self.order.descending ? "<" : ">") (\(cast), \(binds.add(cursor.id)))"
    }

    /// A page of items from up to `fetchLimit` rows, each with its sort key's text and id.
    public func page<Item>(_ rows: [(item: Item, key: String, id: UUID)]) -> Page<Item> {
        let (shown, next) = self.split(rows) { ($0.key, $0.id) }
        return Page(data: shown.map(\.item), nextCursor: next)
    }

    /// A page of Postgres-built documents from up to `fetchLimit` rows.
    public func documents(_ rows: [(document: String, key: String, id: UUID)]) -> JSONDocument {
        let (shown, next) = self.split(rows) { ($0.key, $0.id) }
        return JSONDocument.page(shown.map(\.document), nextCursor: next)
    }

    private func split<Row>(_ rows: [Row], key: (Row) -> (key: String, id: UUID)) -> (ArraySlice<Row>, String?) {
        let shown = rows.prefix(self.limit)
        guard rows.count > self.limit, let last = shown.last.map(key) else { return (shown, nil) }
        return (shown, KeysetCursor(sort: self.order.name, key: last.key, id: last.id).encoded)
    }
}

extension PostgresClient {
    /// Runs a list query selecting `document::text, page.selectKey, x.id` (see `PageRequest`)
    /// and answers the page.
    public func documentPage(_ query: PostgresQuery, _ page: PageRequest, logger: Logger) async throws -> JSONDocument {
        try await self.withConnection { try await $0.documentPage(query, page, logger: logger) }
    }
}

extension PostgresConnection {
    /// `PostgresClient.documentPage` inside a transaction or on a connection already held.
    public func documentPage(_ query: PostgresQuery, _ page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var rows: [(document: String, key: String, id: UUID)] = []
        for try await (document, key, id) in try await self.query(query, logger: logger).decode((String, String, UUID).self) {
            rows.append((document, key, id))
        }
        return page.documents(rows)
    }
}

/// Pages are returned straight from handlers.
extension Page: ResponseGenerator {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try TractResponseEncoder().encode(self, from: request, context: context)
    }
}
