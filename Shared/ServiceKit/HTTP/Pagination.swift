import Foundation
import Hummingbird
import Models

/// A keyset position in a list ordered by (created_at, id), opaque to clients (base64url JSON).
/// Keyset rather than offset: pages stay stable while rows are inserted, and deep pages cost the
/// same as the first.
public struct Cursor: Codable, Sendable, Equatable {
    public var createdAt: Date
    public var id: UUID

    public init(createdAt: Date, id: UUID) {
        self.createdAt = createdAt
        self.id = id
    }

    public var encoded: String { OpaqueCursor.encode(self) }

    public init(encoded: String) throws {
        self = try OpaqueCursor.decode(Cursor.self, from: encoded)
    }

    /// Builds a page from `limit + 1` fetched rows: the extra row only says another page exists.
    public static func page<Item>(_ rows: [Item], limit: Int, cursor: (Item) -> Cursor) -> Page<Item> {
        Page(fetched: rows, limit: limit) { cursor($0).encoded }
    }
}

/// A position in a list sorted by something other than creation: the sort it belongs to, the sort
/// key of the last row shown (as text, so it round-trips exactly) and that row's id as tie-break.
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
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from encoded: String) throws -> Value {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard encoded.count <= 1024, let data = Data(base64Encoded: base64), let value = try? JSONDecoder.tract.decode(type, from: data)
        else {
            throw Problem.validation(field: "cursor", "is not a cursor this list issued")
        }
        return value
    }
}

/// `?limit=` (default 50, at most 200) and `?cursor=` (ARCHITECTURE.md, "Lists").
public struct PageRequest: Sendable, Equatable {
    public static let defaultLimit = 50
    public static let maximumLimit = 200

    public var limit: Int
    public var cursor: Cursor?

    public init(limit: Int = PageRequest.defaultLimit, cursor: Cursor? = nil) {
        self.limit = limit
        self.cursor = cursor
    }

    public init(_ request: Request) throws {
        self.limit = try Self.parseLimit(from: request.uri.queryParameters)
        self.cursor = try request.uri.queryParameters["cursor"].map { try Cursor(encoded: String($0)) }
    }

    /// `?limit=`, checked: every list reads it this way.
    public static func parseLimit(from query: Parameters) throws -> Int {
        guard let raw = query["limit"] else { return Self.defaultLimit }
        guard let value = Int(String(raw)), (1...Self.maximumLimit).contains(value) else {
            throw Problem.validation(field: "limit", "must be a whole number from 1 to \(Self.maximumLimit)")
        }
        return value
    }
}

extension Page {
    /// A page from `limit + 1` fetched rows, whatever the cursor: the extra row only says another
    /// page exists, and the last row shown names where the next one starts.
    public init(fetched rows: [Item], limit: Int, nextCursor: (Item) -> String) {
        guard rows.count > limit else {
            self.init(data: rows, nextCursor: nil)
            return
        }
        let shown = Array(rows.prefix(limit))
        self.init(data: shown, nextCursor: shown.last.map(nextCursor))
    }
}

/// Pages are returned straight from handlers.
extension Page: ResponseGenerator {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try TractResponseEncoder().encode(self, from: request, context: context)
    }
}
