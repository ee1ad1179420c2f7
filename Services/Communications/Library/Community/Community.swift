import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `/v1/communications/community/membership`: "join our community" (seed 000 entry point 6) for
/// the signed-in caller. Joining makes them a member, signs them up for the community digest (seed
/// 002 `email_subscriptions`, `community_digest`) and publishes `community.joined`, which analytics
/// records as `community_member`; leaving undoes all three. Each is idempotent: a second join or
/// leave changes nothing and publishes nothing.
struct CommunityController: RouteController {
    let store: CommunityStore

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.show)
            .post(use: self.join)
            .delete(use: self.leave)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        JSONDocument(try await self.store.membership(try Self.member(context), logger: context.logger))
    }

    /// 201 when this made the caller a member, 200 when they were one already.
    @Sendable func join(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try Self.member(context)
        // No body is needed; one that is sent must be empty, so nothing a client means is ignored.
        if request.headers[.contentType] != nil {
            _ = try BodyFields(try await request.decode(as: JSONValue.self, context: context), allowed: []).decode(Empty.self)
        }
        let joined = try await self.store.join(user, logger: context.logger)
        return JSONDocument(try await self.store.membership(user, logger: context.logger), status: joined ? .created : .ok)
    }

    @Sendable func leave(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        try await self.store.leave(try Self.member(context), logger: context.logger)
        return .noContent
    }

    struct Empty: Decodable {}

    static func member(_ context: AuthenticatedContext) throws -> UUID {
        try context.identity.requireUser("Only people join the community.")
    }
}

struct CommunityStore: Sendable {
    static let digest = "community_digest"

    let postgres: PostgresClient
    let outbox: OutboxPublisher
    let clock: ServiceClock
    let ids: IDGenerator
    /// Whether the user's preferences let community mail through (A's preferences, category `community`).
    let digestAllowed: @Sendable (UUID, PostgresConnection, Logger) async throws -> Bool

    /// Answers whether this call made the user a member. The insert decides: of two joins at once
    /// one inserts and publishes, the other finds the row and does nothing.
    func join(_ user: UUID, logger: Logger) async throws -> Bool {
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            let inserted = try await connection.query(
                """
                INSERT INTO communications.community_members (user_id, joined_at) VALUES (\(user), \(now))
                ON CONFLICT (user_id) DO NOTHING RETURNING user_id
                """,
                logger: logger
            ).collect()
            guard !inserted.isEmpty else { return false }
            let active = try await self.digestAllowed(user, connection, logger)
            try await connection.query(
                """
                INSERT INTO communications.email_subscriptions (id, user_id, email_type, is_active, created_at, updated_at)
                VALUES (\(self.ids.next()), \(user), \(Self.digest), \(active), \(now), \(now))
                ON CONFLICT (user_id, email_type) DO UPDATE SET is_active = EXCLUDED.is_active, updated_at = EXCLUDED.updated_at
                """,
                logger: logger
            )
            try await self.outbox.publish(CommunityJoined(userId: user), on: connection, logger: logger)
            return true
        }
    }

    func leave(_ user: UUID, logger: Logger) async throws {
        try await self.postgres.transaction(logger: logger) { connection in
            let deleted = try await connection.query(
                "DELETE FROM communications.community_members WHERE user_id = \(user) RETURNING user_id", logger: logger
            ).collect()
            guard !deleted.isEmpty else { return }
            try await connection.query(
                "DELETE FROM communications.email_subscriptions WHERE user_id = \(user) AND email_type = \(Self.digest)", logger: logger)
            try await self.outbox.publish(CommunityLeft(userId: user), on: connection, logger: logger)
        }
    }

    /// `{"member": true, "joined_at": "…", "digest": {"email_type": "community_digest", "active": true}}`,
    /// or `member: false` with nulls. `active` is what the user gets now: signed up, and not muted
    /// since in their preferences (a digest sender checks the same at send time).
    func membership(_ user: UUID, logger: Logger) async throws -> String {
        try await self.postgres.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT m.joined_at, s.is_active
                FROM (SELECT \(user)::uuid AS user_id) u
                LEFT JOIN communications.community_members m ON m.user_id = u.user_id
                LEFT JOIN communications.email_subscriptions s ON s.user_id = u.user_id AND s.email_type = \(Self.digest)
                """,
                logger: logger
            )
            var membership = Membership(member: false, joinedAt: nil, digest: nil)
            for try await (joinedAt, subscribed) in rows.decode((Date?, Bool?).self) {
                membership.member = joinedAt != nil
                membership.joinedAt = joinedAt
                if let subscribed {
                    let allowed = try await self.digestAllowed(user, connection, logger)
                    membership.digest = .init(emailType: Self.digest, active: subscribed && allowed)
                }
            }
            return String(decoding: try JSONEncoder.tract.encode(membership), as: UTF8.self)
        }
    }

    struct Membership: Encodable {
        struct Digest: Encodable {
            var emailType: String
            var active: Bool
        }

        var member: Bool
        var joinedAt: Date?
        var digest: Digest?

        /// Nulls are written out: a client reads `joined_at: null`, not a missing key.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.member, forKey: .member)
            try container.encode(self.joinedAt, forKey: .joinedAt)
            try container.encode(self.digest, forKey: .digest)
        }

        enum CodingKeys: String, CodingKey {
            case member, joinedAt, digest
        }
    }
}

extension CommunityStore {
    /// Whether the user's notification preferences let the community digest through by email:
    /// the `community` category's choice, or the `community_digest` type's where they made one
    /// (seed 004 §1.3, the same rule the Notifier plans by).
    static let communityMailAllowed: @Sendable (UUID, PostgresConnection, Logger) async throws -> Bool = { user, connection, logger in
        let settings = try await NotificationSettingsStore.load([user], on: connection, logger: logger)[user] ?? UserNotificationSettings()
        return settings.choice(for: .community, type: CommunityStore.digest).email
    }
}
