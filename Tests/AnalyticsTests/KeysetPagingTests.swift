import AnalyticsService
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Every paged list of analytics pages through 500 rows made in one statement — one `now()`, so
/// one time to the microsecond — seven at a time, showing each row exactly once (issue 12).
@Suite struct KeysetPagingTests {
    static let user = UUID()
    static let segment = UUID()

    @Test func everyListShowsEachRowOnce() async throws {
        try await TestDatabase.with(services: [.analytics]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                let app = try await AnalyticsService.buildApplication(
                    .forTesting(.analytics, database: database, jwksURL: jwksURL),
                    overrides: ServiceOverrides(runsOutboxDispatcher: false)
                )
                let admin = try await issuer.token(roles: [.admin])
                let communications = try await issuer.serviceToken(for: .communications)
                let lists = Self.lists(admin: admin, communications: communications)
                try await app.test(.router) { client in
                    let document = try await client.execute(uri: "/openapi.json", method: .get) { response async throws in
                        try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
                    }
                    PagingSweep.expectCoverage(of: document, by: lists, except: ["/internal/outbox/dead-letters"])
                    try await TestDatabase.withAdmin(database: database.name) { postgres in
                        for list in lists { try await PagingSweep.check(list, postgres: postgres, client: client) }
                    }
                }
            }
        }
    }

    static func lists(admin: String, communications: String) -> [PagedList] {
        let user = Self.user.uuidString.lowercased()
        // The members lists page the same 500 rows: the segment is made with the first list's rows.
        let members: @Sendable (PostgresClient) async throws -> Void = { postgres in
            try await postgres.query(
                """
                INSERT INTO analytics.segment_members (segment_id, user_id, added_at)
                SELECT \(Self.segment), gen_random_uuid(), now() FROM generate_series(1, 500)
                ON CONFLICT DO NOTHING
                """
            )
        }
        return [
            // The migration allows 16 names; 484 more make 500.
            PagedList("/v1/analytics/event-names", token: admin) { postgres in
                try await postgres.query(
                    "INSERT INTO analytics.event_names (name) SELECT 'generated_' || g FROM generate_series(1, 484) g"
                )
            },
            PagedList("/v1/analytics/users/{id}/events", url: "/v1/analytics/users/\(user)/events", token: admin) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO analytics.events (id, name, origin, occurred_at, received_at, user_id, actor, properties)
                    SELECT gen_random_uuid(), 'page_viewed', 'client', now(), now(), \(Self.user), \(user), '{}'
                    FROM generate_series(1, 500)
                    """
                )
            },
            // Refreshed just now, so the scheduled refresh (which would recompute the members from
            // events and drop the seeded ones mid-sweep) leaves them alone.
            PagedList("/v1/analytics/segments", token: admin, count: 501) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO analytics.segments (id, name, rules, created_at, updated_at, refreshed_at)
                    SELECT CASE WHEN g = 0 THEN \(Self.segment) ELSE gen_random_uuid() END, 'segment ' || g, '{"event": "listing_viewed"}', now(), now(), now()
                    FROM generate_series(0, 500) g
                    """
                )
            },
            PagedList("/v1/analytics/segments/{id}/members", url: "/v1/analytics/segments/\(Self.segment)/members", token: admin, seed: members),
            PagedList(
                "/internal/v1/segments/{id}/members", url: "/internal/v1/segments/\(Self.segment)/members", token: communications,
                seed: { _ in }
            ),
        ]
    }
}
