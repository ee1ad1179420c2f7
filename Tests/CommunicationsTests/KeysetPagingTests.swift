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
    static let requester = UUID()

    @Test func everyListShowsEachRowOnce() async throws {
        try await TestDatabase.with(services: [.communications]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                let app = try await CommunicationsService.buildApplication(
                    .forTesting(.communications, database: database, jwksURL: jwksURL),
                    overrides: ServiceOverrides(runsOutboxDispatcher: false)
                )
                let admin = try await issuer.token(roles: [.admin])
                let requester = try await issuer.token(subject: Self.requester.uuidString.lowercased())
                let lists = Self.lists(admin: admin, requester: requester)
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

    static func lists(admin: String, requester: String) -> [PagedList] {
        // Team requests of one signed-in requester, each with a conversation of its own: the staff
        // inbox and the requester's own list page the same rows.
        let teamRequests: @Sendable (PostgresClient) async throws -> Void = { postgres in
            try await postgres.query(
                """
                WITH c AS (
                    INSERT INTO communications.conversations (id, kind, created_at, updated_at)
                    SELECT gen_random_uuid(), 'team', now(), now() FROM generate_series(1, 500) RETURNING id
                )
                INSERT INTO communications.team_requests (id, user_id, topic, message, conversation_id, created_at, updated_at)
                SELECT gen_random_uuid(), \(Self.requester), 'tax', 'Hello', c.id, now(), now() FROM c
                """
            )
        }
        return [
            PagedList("/v1/communications/team-requests", url: "/v1/communications/team-requests?status=open", token: admin, seed: teamRequests),
            PagedList("/v1/communications/team-requests/mine", token: requester, seed: { _ in }),
        ]
    }
}
