import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// The kit's one pager (issue 12): rows made in one transaction share `created_at` to the
/// microsecond, and every order must still show each of them exactly once. The cursor it replaced
/// carried `created_at` through a millisecond JSON date, so past the first page of such rows it
/// skipped all of them.
@Suite struct KeysetPagerTests {
    static let logger = Logger(label: "test.pager")

    /// 500 rows in one statement: one `now()`, duplicate names, a nullable-free numeric key.
    static func withRows(_ body: @Sendable (PostgresClient) async throws -> Void) async throws {
        try await TestDatabase.with(services: [.analytics]) { database in
            try await TestDatabase.withAdmin(database: database.name) { admin in
                try await admin.query(
                    """
                    CREATE TABLE analytics.pager_rows (
                        id uuid PRIMARY KEY, name text NOT NULL, amount numeric(15,2) NOT NULL,
                        created_at timestamptz NOT NULL DEFAULT now()
                    )
                    """
                )
                try await admin.query(
                    """
                    INSERT INTO analytics.pager_rows (id, name, amount)
                    SELECT gen_random_uuid(), 'name ' || (n % 37), (n % 11) * 1.25 FROM generate_series(1, 500) n
                    """
                )
                try await body(admin)
            }
        }
    }

    /// Pages through `analytics.pager_rows` in `order`, `limit` rows at a time.
    static func pageThrough(_ postgres: PostgresClient, order: Keyset, limit: Int) async throws -> [UUID] {
        var seen: [UUID] = []
        var cursor: KeysetCursor?
        repeat {
            let page = PageRequest(limit: limit, cursor: cursor, order: order)
            var binds = SQLBinds()
            let sql = """
                SELECT json_build_object('id', x.id)::text, \(page.selectKey), x.id FROM analytics.pager_rows x
                WHERE \(page.after(&binds)) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
                """
            let document = try await postgres.documentPage(binds.query(sql), page, logger: Self.logger)
            let decoded = try JSONDecoder.tract.decode(Page<[String: UUID]>.self, from: Data(document.text.utf8))
            seen += decoded.data.compactMap { $0["id"] }
            cursor = try decoded.nextCursor.map { try KeysetCursor(encoded: $0, sort: order.name) }
        } while cursor != nil && seen.count <= 1_000
        return seen
    }

    @Test(arguments: [
        Keyset.newestFirst,
        Keyset.oldestFirst,
        Keyset("name", key: "x.name", type: "text", descending: false),
        Keyset("amount", key: "x.amount", type: "numeric", descending: true),
    ])
    func everyRowOfOneTransactionIsShownExactlyOnce(order: Keyset) async throws {
        try await Self.withRows { postgres in
            let seen = try await Self.pageThrough(postgres, order: order, limit: 7)
            #expect(seen.count == 500)
            #expect(Set(seen).count == 500)
            // One page of everything is the order the pages must add up to.
            let whole = try await Self.pageThrough(postgres, order: order, limit: 200)
            #expect(seen == whole)
        }
    }

    @Test func aCursorOfAnotherOrderIsRefused() throws {
        let cursor = KeysetCursor(sort: "name", key: "name 1", id: UUID()).encoded
        #expect(throws: Problem.self) { try KeysetCursor(encoded: cursor, sort: "newest") }
        #expect(throws: Problem.self) { try KeysetCursor(encoded: "not-a-cursor", sort: "newest") }
    }

    /// `?cursor=` with nothing after it asks for the first page; a cursor that is not ours is 422.
    @Test func anEmptyCursorIsTheFirstPage() throws {
        #expect(try PageRequest(["cursor": ""]).cursor == nil)
        #expect(throws: Problem.self) { try PageRequest(["cursor": "x"]) }
    }

    /// The kit's own paged list, on every service: 500 dead letters queued in one statement.
    @Test func deadLettersPageExactlyOnce() async throws {
        try await TestDatabase.with(services: [.analytics]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                let configuration = ServiceConfiguration.forTesting(.analytics, database: database, jwksURL: jwksURL)
                let app = try await buildServiceApplication(configuration, definition: FixtureService.definition)
                let admin = try await issuer.token(roles: [.admin])
                try await app.test(.router) { client in
                    let list = PagedList("/internal/outbox/dead-letters", token: admin) { postgres in
                        try await postgres.query(
                            """
                            INSERT INTO analytics.outbox (event_id, event_type, subscriber, envelope, dead_at, attempts)
                            SELECT gen_random_uuid(), 'widget.created', 'analytics', '{}'::jsonb, now(), 50
                            FROM generate_series(1, 500)
                            """
                        )
                    }
                    try await TestDatabase.withAdmin(database: database.name) { admin in
                        try await PagingSweep.check(list, postgres: admin, client: client)
                    }
                }
            }
        }
    }
}
