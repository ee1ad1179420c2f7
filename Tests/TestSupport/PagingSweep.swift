import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import PostgresNIO
import Testing

/// One paged list of a service, with what it takes to fill it: the check that keyset cursors
/// round-trip exactly (issue 12). Rows made in one transaction share `now()` to the microsecond,
/// so a cursor that rounded its time, or lacked the id tie-break, skips or repeats rows at every
/// page edge.
public struct PagedList: Sendable {
    /// The OpenAPI path template (`/v1/properties/{id}/units`), matched against the document.
    public var path: String
    /// The path to request, ids filled in, with any query the list needs (`?sort=price_asc`).
    public var url: String
    /// A caller who sees every seeded row.
    public var token: String?
    /// How many rows `seed` makes (500 unless the list's domain cannot hold that many).
    public var count: Int
    /// The row key that identifies a row (`id`, or e.g. `user_id` for an organisation's members).
    public var idField: String
    /// Makes `count` rows that the list shows, in ONE transaction (one `INSERT … SELECT FROM
    /// generate_series(1, 500)` is one): the same `created_at` for all of them.
    public var seed: @Sendable (PostgresClient) async throws -> Void

    public init(
        _ path: String,
        url: String? = nil,
        token: String?,
        count: Int = 500,
        idField: String = "id",
        seed: @escaping @Sendable (PostgresClient) async throws -> Void
    ) {
        self.idField = idField
        self.path = path
        self.url = url ?? path
        self.token = token
        self.count = count
        self.seed = seed
    }
}

public enum PagingSweep {
    /// The GET operations of an OpenAPI document whose answer is a page: a 200 whose schema has
    /// `data` and `next_cursor`. The sweep must cover each of them.
    public static func pagedPaths(in document: JSONValue) -> Set<String> {
        guard case .object(let paths)? = document["paths"] else { return [] }
        var paged: Set<String> = []
        for (path, item) in paths {
            guard
                let schema = item["get"]?["responses"]?["200"].map({ OpenAPIConformance.resolve($0, in: document) })?["content"]?[
                    "application/json"]?["schema"]
            else { continue }
            let resolved = OpenAPIConformance.resolve(schema, in: document)
            if case .object(let properties)? = resolved["properties"], properties["data"] != nil, properties["next_cursor"] != nil {
                paged.insert(path)
            }
        }
        return paged
    }

    /// Seeds `list`, then pages through it `pageSize` rows at a time and expects every row
    /// exactly once, in an order that never goes back. Returns the ids seen.
    @discardableResult
    public static func check(
        _ list: PagedList,
        postgres: PostgresClient,
        client: any TestClientProtocol,
        pageSize: Int = 7,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String] {
        try await list.seed(postgres)
        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let separator = list.url.contains("?") ? "&" : "?"
            var uri = "\(list.url)\(separator)limit=\(pageSize)"
            if let cursor { uri += "&cursor=\(cursor)" }
            var headers: HTTPFields = [:]
            if let token = list.token { headers[.authorization] = "Bearer \(token)" }
            let (status, body) = try await client.execute(uri: uri, method: .get, headers: headers) { response async throws in
                (response.status, Data(response.body.readableBytesView))
            }
            guard status == .ok else {
                Issue.record("GET \(uri) answered \(status): \(String(decoding: body, as: UTF8.self))", sourceLocation: sourceLocation)
                return seen
            }
            let page = try JSONDecoder().decode(JSONValue.self, from: body)
            guard case .array(let rows)? = page["data"] else {
                Issue.record("GET \(uri) has no data array", sourceLocation: sourceLocation)
                return seen
            }
            for row in rows {
                switch row[list.idField] {
                case .string(let id)?: seen.append(id)
                case .number(let id)?: seen.append(String(id))
                default:
                    Issue.record("GET \(uri): a row without an id", sourceLocation: sourceLocation)
                    return seen
                }
            }
            if case .string(let next)? = page["next_cursor"] { cursor = next } else { cursor = nil }
            pages += 1
        } while cursor != nil && pages <= list.count
        #expect(seen.count == list.count, "\(list.path): \(seen.count) rows seen over \(pages) pages", sourceLocation: sourceLocation)
        #expect(Set(seen).count == seen.count, "\(list.path): a row was shown twice", sourceLocation: sourceLocation)
        return seen
    }

    /// Fails for each paged list of `document` that `lists` leaves out: a new list cannot skip
    /// the check.
    public static func expectCoverage(
        of document: JSONValue,
        by lists: [PagedList],
        except excluded: Set<String> = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let missing = Self.pagedPaths(in: document).subtracting(lists.map(\.path)).subtracting(excluded)
        #expect(missing.isEmpty, "paged lists without a paging check: \(missing.sorted())", sourceLocation: sourceLocation)
    }
}
