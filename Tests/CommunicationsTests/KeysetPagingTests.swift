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
    static let conversation = UUID()

    @Test func everyListShowsEachRowOnce() async throws {
        try await TestDatabase.with(services: [.communications]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                let app = try await CommunicationsService.buildApplication(
                    .forTesting(.communications, database: database, jwksURL: jwksURL),
                    overrides: ServiceOverrides(runsOutboxDispatcher: false)
                )
                let user = try await issuer.token(subject: Self.user.uuidString.lowercased())
                let admin = try await issuer.token(roles: [.admin])
                let lists = Self.lists(user: user, admin: admin)
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

    static func lists(user: String, admin: String) -> [PagedList] {
        let conversation = Self.conversation.uuidString.lowercased()
        return [
            // Messaging: the user's conversations, one conversation's history and members; the
            // user's connections and blocks.
            PagedList("/v1/communications/conversations", token: user) { postgres in
                try await postgres.query(
                    """
                    WITH c AS (
                        INSERT INTO communications.conversations (id, kind, name, created_at, updated_at)
                        SELECT gen_random_uuid(), 'group', 'g' || g, now(), now() FROM generate_series(1, 500) g RETURNING id
                    )
                    INSERT INTO communications.conversation_members (conversation_id, user_id, joined_at) SELECT c.id, \(Self.user), now() FROM c
                    """
                )
            },
            PagedList("/v1/communications/conversations/{id}/messages", url: "/v1/communications/conversations/\(conversation)/messages", token: user)
            {
                postgres in
                try await postgres.query(
                    """
                    WITH c AS (
                        INSERT INTO communications.conversations (id, kind, name, last_seq, created_at, updated_at)
                        VALUES (\(Self.conversation), 'group', 'paged', 500, now(), now()) RETURNING id
                    ), m AS (
                        INSERT INTO communications.conversation_members (conversation_id, user_id, joined_at) SELECT c.id, \(Self.user), now() FROM c
                    )
                    INSERT INTO communications.messages (id, conversation_id, seq, sender_id, body, created_at)
                    SELECT gen_random_uuid(), c.id, g, \(Self.user), 'm' || g, now() FROM c, generate_series(1, 500) g
                    """
                )
            },
            // The 500 added to the user, who is a member already.
            PagedList(
                "/v1/communications/conversations/{id}/members", url: "/v1/communications/conversations/\(conversation)/members", token: user,
                count: 501
            ) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO communications.conversation_members (conversation_id, user_id, joined_at)
                    SELECT \(Self.conversation), gen_random_uuid(), now() FROM generate_series(1, 500)
                    """
                )
            },
            PagedList("/v1/communications/connections", token: user) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO communications.connections (id, requester_id, addressee_id, status, created_at, updated_at)
                    SELECT gen_random_uuid(), \(Self.user), gen_random_uuid(), 'accepted', now(), now() FROM generate_series(1, 500)
                    """
                )
            },
            PagedList("/v1/communications/connections/blocks", token: user) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO communications.blocks (blocker_id, blocked_id, created_at)
                    SELECT \(Self.user), gen_random_uuid(), now() FROM generate_series(1, 500)
                    """
                )
            },
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
            },
            // Team requests of the user, each with a team conversation of its own (the user is no
            // member of those: the conversations list above is unchanged); the staff inbox and the
            // user's own list page the same rows.
            PagedList("/v1/communications/team-requests", url: "/v1/communications/team-requests?status=open", token: admin) { postgres in
                try await postgres.query(
                    """
                    WITH c AS (
                        INSERT INTO communications.conversations (id, kind, created_at, updated_at)
                        SELECT gen_random_uuid(), 'team', now(), now() FROM generate_series(1, 500) RETURNING id
                    )
                    INSERT INTO communications.team_requests (id, user_id, topic, message, conversation_id, created_at, updated_at)
                    SELECT gen_random_uuid(), \(Self.user), 'tax', 'Hello', c.id, now(), now() FROM c
                    """
                )
            },
            PagedList("/v1/communications/team-requests/mine", token: user, seed: { _ in }),
            // Staff's email campaigns (issue 17).
            PagedList("/v1/communications/campaigns", token: admin) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO communications.email_campaigns (id, name, subject, html_template, text_template, status, audience_kind,
                        created_by, created_at, updated_at)
                    SELECT gen_random_uuid(), 'c' || g, 's', '<p>x</p>', 'x', 'draft', 'list', gen_random_uuid(), now(), now()
                    FROM generate_series(1, 500) g
                    """
                )
            },
        ]
    }
}
