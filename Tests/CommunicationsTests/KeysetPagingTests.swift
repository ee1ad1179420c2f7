import CommunicationsService
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Every paged list of communications pages through 500 rows made in one statement — one `now()`,
/// so one time to the microsecond — seven at a time, showing each row exactly once (issue 12).
@Suite struct KeysetPagingTests {
    static let user = UUID()

    @Test func everyListShowsEachRowOnce() async throws {
        try await TestDatabase.with(services: [.communications]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                let app = try await buildApplication(
                    .forTesting(.communications, database: database, jwksURL: jwksURL),
                    overrides: ServiceOverrides(runsOutboxDispatcher: false)
                )
                let user = try await issuer.token(subject: Self.user.uuidString.lowercased())
                let lists = Self.lists(user: user)
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

    static func lists(user: String) -> [PagedList] {
        [
            // A user's notifications, all made at one instant (a fan-out's are).
            PagedList("/v1/communications/notifications", token: user) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO communications.notifications
                        (id, user_id, type, category, title, message, priority, channels, dedupe_key, created_at)
                    SELECT gen_random_uuid(), \(Self.user), 'staff.notice', 'product', 'Note ' || g, 'Hello', 'normal', ARRAY['in_app'],
                           'sweep:' || g, now()
                    FROM generate_series(1, 500) g
                    """
                )
            }
        ]
    }
}
