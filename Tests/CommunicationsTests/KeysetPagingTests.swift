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
    static let event = UUID()

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
                let sponsor = try await issuer.token(subject: Self.user.uuidString.lowercased(), roles: [.sponsor])
                let lists = Self.lists(user: user, admin: admin) + Self.webhookLists(sponsor: sponsor)
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
            // Issue 17 part C: published events all starting at one instant (the soonest-first key
            // ties everywhere), one draft event's registrants, and staff's suppressions.
            PagedList("/v1/communications/events", token: user) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO communications.events
                        (id, host_id, title, kind, starts_at, ends_at, time_zone, virtual_url, status, created_at, updated_at)
                    SELECT gen_random_uuid(), gen_random_uuid(), 'Webinar ' || g, 'webinar', now() + interval '1 day', now() + interval '25 hours',
                           'UTC', 'https://meet.example.com/' || g, 'published', now(), now()
                    FROM generate_series(1, 500) g
                    """
                )
            },
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
            PagedList("/v1/communications/events/{id}/registrations", url: "/v1/communications/events/\(Self.event)/registrations", token: user) {
                postgres in
                try await postgres.query(
                    """
                    WITH e AS (
                        INSERT INTO communications.events
                            (id, host_id, title, kind, starts_at, ends_at, time_zone, virtual_url, status, created_at, updated_at)
                        VALUES (\(Self.event), \(Self.user), 'Draft', 'webinar', now() + interval '1 day', now() + interval '25 hours', 'UTC',
                                'https://meet.example.com/d', 'draft', now(), now())
                        RETURNING id
                    )
                    INSERT INTO communications.event_registrations (id, event_id, user_id, status, seated_at, created_at, updated_at)
                    SELECT gen_random_uuid(), e.id, gen_random_uuid(), 'registered', now(), now(), now() FROM e, generate_series(1, 500)
                    """
                )
            },
            PagedList("/v1/communications/suppressions", token: admin) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO communications.email_suppressions (email, reason, source, created_at)
                    SELECT 'user' || g || '@example.com', 'manual', 'staff:test', now() FROM generate_series(1, 500) g
                    """
                )
            },
        ]
    }

    static let endpoint = UUID()
    static let delivery = UUID()

    /// Outgoing webhooks (issue 17): a sponsor's endpoints, one endpoint's deliveries, one delivery's attempts.
    static func webhookLists(sponsor: String) -> [PagedList] {
        let endpoint = Self.endpoint.uuidString.lowercased()
        let delivery = Self.delivery.uuidString.lowercased()
        return [
            PagedList("/v1/communications/webhooks", token: sponsor) { postgres in
                try await postgres.query(
                    """
                    INSERT INTO communications.webhook_endpoints (id, owner_id, scope, url, event_types, enabled, secret_sealed, created_at, updated_at)
                    SELECT gen_random_uuid(), \(Self.user), 'sponsor', 'https://hooks.example.com/' || g, ARRAY['investment.funded'], true,
                        '\\x00'::bytea, now(), now()
                    FROM generate_series(1, 500) g
                    """
                )
            },
            PagedList("/v1/communications/webhooks/{id}/deliveries", url: "/v1/communications/webhooks/\(endpoint)/deliveries", token: sponsor) {
                postgres in
                try await postgres.query(
                    """
                    WITH e AS (
                        INSERT INTO communications.webhook_endpoints (id, owner_id, scope, url, event_types, enabled, secret_sealed, created_at, updated_at)
                        VALUES (\(Self.endpoint), \(Self.user), 'sponsor', 'https://hooks.example.com/one', ARRAY['investment.funded'], true,
                            '\\x00'::bytea, now(), now())
                        RETURNING id
                    )
                    INSERT INTO communications.webhook_deliveries (id, endpoint_id, message_id, event_type, payload, status, created_at)
                    SELECT gen_random_uuid(), e.id, 'msg_' || g, 'webhook.test', '{"type":"webhook.test","timestamp":"2026-12-06T00:00:00Z","data":{}}',
                        'delivered', now()
                    FROM e, generate_series(1, 500) g
                    """
                )
            },
            PagedList(
                "/v1/communications/webhooks/{id}/deliveries/{delivery_id}/attempts",
                url: "/v1/communications/webhooks/\(endpoint)/deliveries/\(delivery)/attempts", token: sponsor
            ) { postgres in
                try await postgres.query(
                    """
                    WITH d AS (
                        INSERT INTO communications.webhook_deliveries (id, endpoint_id, message_id, event_type, payload, status, created_at)
                        VALUES (\(Self.delivery), \(Self.endpoint), 'msg_attempts', 'webhook.test', '{}', 'failed', now() - interval '1 day')
                        RETURNING id
                    )
                    INSERT INTO communications.webhook_attempts (id, delivery_id, attempt, attempted_at, status_code, duration_ms)
                    SELECT gen_random_uuid(), d.id, g, now(), 500, 3 FROM d, generate_series(1, 500) g
                    """
                )
            },
        ]
    }
}
