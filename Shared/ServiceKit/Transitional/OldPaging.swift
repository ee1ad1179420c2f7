// TRANSITIONAL (issue 12): the old created_at cursor, kept only while services move to
// `PageRequest`/`Keyset`. Deleted before the issue closes; nothing new may use it.
import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO

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

    public static func page<Item>(_ rows: [Item], limit: Int, cursor: (Item) -> Cursor) -> Page<Item> {
        let shown = Array(rows.prefix(limit))
        return Page(data: shown, nextCursor: rows.count > limit ? shown.last.map { cursor($0).encoded } : nil)
    }
}

public struct OldPageRequest: Sendable {
    public var limit: Int
    public var cursor: Cursor?

    public init(_ request: Request) throws {
        self.limit = try PageRequest.parseLimit(from: request.uri.queryParameters)
        self.cursor = try request.uri.queryParameters["cursor"].map { try Cursor(encoded: String($0)) }
    }
}

extension SQLBinds {
    public mutating func before(_ cursor: Cursor, alias: String) -> String {
        "(\(alias).created_at, \(alias).id) < (\(self.add(cursor.createdAt)), \(self.add(cursor.id)))"
    }
}

extension JSONDocument {
    public static func page(rows: [(id: UUID, createdAt: Date, document: String)], limit: Int) -> JSONDocument {
        let shown = rows.prefix(limit)
        let next = rows.count > limit ? shown.last.map { Cursor(createdAt: $0.createdAt, id: $0.id).encoded } : nil
        return JSONDocument.page(shown.map(\.document), nextCursor: next)
    }
}

extension PostgresClient {
    public func documentPage(_ query: PostgresQuery, limit: Int, logger: Logger) async throws -> JSONDocument {
        var rows: [(id: UUID, createdAt: Date, document: String)] = []
        for try await (id, createdAt, document) in try await self.query(query, logger: logger).decode((UUID, Date, String).self) {
            rows.append((id, createdAt, document))
        }
        return JSONDocument.page(rows: rows, limit: limit)
    }
}
