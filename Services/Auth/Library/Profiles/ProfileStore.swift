import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// SQL for `auth.profiles`, read together with the account it belongs to (`auth.users` holds the
/// name, avatar and time zone). A user without a profile row reads as an empty profile.
struct ProfileStore: Sendable {
    let postgres: PostgresClient

    /// One profile as JSON built by Postgres: every field of `ProfileFields`, and the account's
    /// `user_id`, `first_name`, `last_name`, `avatar_url`, `account_role` and `updated_at`.
    private static let document = """
        SELECT json_build_object(
            'user_id', u.id, 'first_name', u.first_name, 'last_name', u.last_name, 'avatar_url', u.avatar_url,
            'account_role', u.account_role, 'timezone', u.timezone, 'updated_at', auth.rfc3339(p.updated_at),
            'slug', p.slug, 'headline', p.headline, 'bio', p.bio, 'company', p.company, 'position', p.position,
            'location_city', p.location_city, 'location_state', p.location_state, 'location_country', p.location_country,
            'website_url', p.website_url, 'linkedin_url', p.linkedin_url, 'property_types', p.property_types,
            'markets', p.markets, 'check_size_min', p.check_size_min::text, 'check_size_max', p.check_size_max::text,
            'risk_tolerance', p.risk_tolerance, 'visibility', coalesce(p.visibility, '{}'::jsonb)
        )::text
        FROM auth.users u LEFT JOIN auth.profiles p ON p.user_id = u.id
        """

    /// The user's own profile; nil when the account is gone.
    func own(_ userID: UUID, logger: Logger) async throws -> OwnProfile? {
        let rows = try await self.postgres.query(
            "\(unescaped: Self.document) WHERE u.id = \(userID) AND u.deleted_at IS NULL", logger: logger)
        for try await text in rows.decode(String.self) { return try Self.ownProfile(userID, text) }
        return nil
    }

    /// The profile behind a page address, a user id or a slug; only active accounts have pages.
    func page(_ address: String, logger: Logger) async throws -> (owner: UUID, isSponsor: Bool, document: [String: JSONValue])? {
        let id = UUID(uuidString: address)
        let slug = id == nil ? address.lowercased() : nil
        let rows = try await self.postgres.query(
            """
            \(unescaped: Self.document)
            WHERE (u.id = \(id) OR p.slug = \(slug)) AND u.deleted_at IS NULL AND u.status = 'active'
            LIMIT 1
            """,
            logger: logger
        )
        for try await text in rows.decode(String.self) {
            guard case .object(let document) = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
                case .string(let owner) = document["user_id"], let ownerID = UUID(uuidString: owner)
            else { return nil }
            return (ownerID, document["account_role"] == .string(AccountRole.sponsor.rawValue), document)
        }
        return nil
    }

    /// Reads the profile under a lock on its account, lets `change` make the new fields (the
    /// patch laid over the stored ones, checked), and writes them in the same transaction, so
    /// two edits cannot interleave and lose one another's fields.
    /// A change of who sees what is a privacy setting: it is audited (issue 16) with the levels
    /// before and after, in the same transaction.
    func update(
        _ userID: UUID, request: AuditRequest, logger: Logger, change: @Sendable (ProfileFields) throws -> ProfileFields
    ) async throws -> OwnProfile {
        try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                "\(unescaped: Self.document) WHERE u.id = \(userID) AND u.deleted_at IS NULL FOR UPDATE OF u", logger: logger)
            var stored: OwnProfile?
            for try await text in rows.decode(String.self) { stored = try Self.ownProfile(userID, text) }
            guard let stored else { throw Problem.unauthorized("This token does not belong to a user account.") }
            let fields = try change(stored.fields)
            try await Self.write(userID, fields, on: connection, logger: logger)
            if fields.visibility != stored.fields.visibility {
                try await AuditLog.record(
                    AuditEntry(
                        action: "profile.visibility_changed", actor: .user(userID), target: .user(userID), before: stored.fields.visibility,
                        after: fields.visibility, request: request),
                    on: connection, logger: logger)
            }
            let updated = try await connection.query("\(unescaped: Self.document) WHERE u.id = \(userID)", logger: logger)
            for try await text in updated.decode(String.self) { return try Self.ownProfile(userID, text) }
            throw Problem.unauthorized("This token does not belong to a user account.")
        }
    }

    private static func write(_ userID: UUID, _ fields: ProfileFields, on connection: PostgresConnection, logger: Logger) async throws {
        let visibility = String(decoding: try JSONEncoder.tract.encode(fields.visibility), as: UTF8.self)
        do {
            try await connection.query(
                """
                INSERT INTO auth.profiles AS p (
                    user_id, slug, headline, bio, company, position, location_city, location_state, location_country,
                    website_url, linkedin_url, property_types, markets, check_size_min, check_size_max, risk_tolerance, visibility)
                VALUES (
                    \(userID), \(fields.slug), \(fields.headline), \(fields.bio), \(fields.company), \(fields.position),
                    \(fields.locationCity), \(fields.locationState), \(fields.locationCountry), \(fields.websiteUrl),
                    \(fields.linkedinUrl), \(fields.propertyTypes), \(fields.markets), \(fields.checkSizeMin),
                    \(fields.checkSizeMax), \(fields.riskTolerance), \(visibility)::jsonb)
                ON CONFLICT (user_id) DO UPDATE SET
                    slug = excluded.slug, headline = excluded.headline, bio = excluded.bio, company = excluded.company,
                    position = excluded.position, location_city = excluded.location_city,
                    location_state = excluded.location_state, location_country = excluded.location_country,
                    website_url = excluded.website_url, linkedin_url = excluded.linkedin_url,
                    property_types = excluded.property_types, markets = excluded.markets,
                    check_size_min = excluded.check_size_min, check_size_max = excluded.check_size_max,
                    risk_tolerance = excluded.risk_tolerance, visibility = excluded.visibility, updated_at = now()
                """,
                logger: logger
            )
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            // The only unique key a user can collide on is the slug (the row's own user id is
            // the conflict target).
            throw Problem.conflict("Another profile has the slug \(fields.slug ?? ""); choose another.")
        }
        try await connection.query(
            """
            UPDATE auth.users SET timezone = \(fields.timezone), updated_at = now()
            WHERE id = \(userID) AND timezone IS DISTINCT FROM \(fields.timezone)
            """,
            logger: logger
        )
    }

    private static func ownProfile(_ userID: UUID, _ text: String) throws -> OwnProfile {
        let fields = try JSONDecoder.tract.decode(ProfileFields.self, from: Data(text.utf8))
        let stamp = try JSONDecoder.tract.decode(Stamp.self, from: Data(text.utf8))
        return OwnProfile(userId: userID, fields: fields, updatedAt: stamp.updatedAt)
    }

    private struct Stamp: Decodable {
        var updatedAt: Date?
    }
}
