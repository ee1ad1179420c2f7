import Foundation
import Logging
import PostgresNIO

extension JSONDocument {
    /// A page of Postgres-built documents in (created_at, id) order, from `limit + 1` rows of
    /// `(id, created_at, document)`: the extra row only says there is another page.
    public static func page(rows: [(id: UUID, createdAt: Date, document: String)], limit: Int) -> JSONDocument {
        let shown = rows.prefix(limit)
        let next = rows.count > limit ? shown.last.map { Cursor(createdAt: $0.createdAt, id: $0.id).encoded } : nil
        return JSONDocument.page(shown.map(\.document), nextCursor: next)
    }
}

extension PostgresClient {
    /// Runs a list query selecting `id, created_at, <document>::text … LIMIT limit + 1` and answers
    /// the page: one way for every newest-first list.
    public func documentPage(_ query: PostgresQuery, limit: Int, logger: Logger) async throws -> JSONDocument {
        var rows: [(id: UUID, createdAt: Date, document: String)] = []
        for try await (id, createdAt, document) in try await self.query(query, logger: logger).decode((UUID, Date, String).self) {
            rows.append((id, createdAt, document))
        }
        return JSONDocument.page(rows: rows, limit: limit)
    }
}
