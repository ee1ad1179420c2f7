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

    public var encoded: String {
        let data = (try? JSONEncoder.tract.encode(self)) ?? Data()
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public init(encoded: String) throws {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let cursor = try? JSONDecoder.tract.decode(Cursor.self, from: data) else {
            throw Problem.validation(field: "cursor", "is not a cursor this list issued")
        }
        self = cursor
    }

    /// Builds a page from `limit + 1` fetched rows: the extra row only says another page exists.
    public static func page<Item>(_ rows: [Item], limit: Int, cursor: (Item) -> Cursor) -> Page<Item> {
        guard rows.count > limit else { return Page(data: rows, nextCursor: nil) }
        let shown = Array(rows.prefix(limit))
        return Page(data: shown, nextCursor: shown.last.map { cursor($0).encoded })
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
        let query = request.uri.queryParameters
        var limit = Self.defaultLimit
        if let raw = query["limit"] {
            guard let value = Int(String(raw)), (1...Self.maximumLimit).contains(value) else {
                throw Problem.validation(field: "limit", "must be a whole number from 1 to \(Self.maximumLimit)")
            }
            limit = value
        }
        self.limit = limit
        self.cursor = try query["cursor"].map { try Cursor(encoded: String($0)) }
    }
}

/// Pages are returned straight from handlers.
extension Page: ResponseGenerator {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try TractResponseEncoder().encode(self, from: request, context: context)
    }
}
