import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// A linked identity as its owner sees it (`GET /v1/auth/identities`).
struct IdentityView: Codable, Sendable, ResponseEncodable {
    var id: UUID
    var provider: String
    var email: String?
    var name: String?
    var avatarUrl: String?
    var createdAt: Date
    var lastUsedAt: Date?
}

/// SQL for `auth.oauth_accounts` (seed 004 §2.3): identities at providers, each linked to one user.
struct Identities: Sendable {
    let postgres: PostgresClient
    let ids: IDGenerator

    static var linkedElsewhere: Problem {
        Problem(
            .conflict, detail: "This provider account is already linked to another Tract account.",
            type: "https://tract.dev/problems/identity-linked-elsewhere")
    }

    /// The user this identity signs in, refreshing what the provider now says about it.
    func signInUser(_ identity: ProviderIdentity, logger: Logger) async throws -> UUID? {
        let rows = try await self.postgres.query(
            """
            UPDATE auth.oauth_accounts SET last_used_at = now(), updated_at = now(),
                provider_email = \(identity.email), provider_email_verified = \(identity.emailVerified),
                provider_name = coalesce(\(identity.name), provider_name), provider_avatar_url = coalesce(\(identity.avatarURL), provider_avatar_url)
            WHERE provider = \(identity.provider) AND provider_user_id = \(identity.subject)
            RETURNING user_id
            """,
            logger: logger
        )
        for try await userID in rows.decode(UUID.self) { return userID }
        return nil
    }

    /// Links `identity` to `userID`; linking it again to the same user is a no-op that answers the
    /// existing row. Throws 409 when another user has it: an identity belongs to one account.
    func link(_ identity: ProviderIdentity, to userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> IdentityView {
        let rows = try await connection.query(
            """
            INSERT INTO auth.oauth_accounts (id, user_id, provider, provider_user_id, provider_email, provider_email_verified, provider_name,
                                             provider_avatar_url, last_used_at)
            VALUES (\(self.ids.next()), \(userID), \(identity.provider), \(identity.subject), \(identity.email), \(identity.emailVerified),
                    \(identity.name), \(identity.avatarURL), now())
            ON CONFLICT (provider, provider_user_id) DO UPDATE SET updated_at = now()
                WHERE auth.oauth_accounts.user_id = EXCLUDED.user_id
            RETURNING id, provider, provider_email, provider_name, provider_avatar_url, created_at, last_used_at
            """,
            logger: logger
        )
        for try await row in rows.decode((UUID, String, String?, String?, String?, Date, Date?).self) {
            return IdentityView(id: row.0, provider: row.1, email: row.2, name: row.3, avatarUrl: row.4, createdAt: row.5, lastUsedAt: row.6)
        }
        throw Self.linkedElsewhere
    }

    /// The user's identities, newest first.
    func page(userID: UUID, _ page: PageRequest, logger: Logger) async throws -> Page<IdentityView> {
        var binds = SQLBinds()
        let sql = """
            SELECT x.id, x.provider, x.provider_email, x.provider_name, x.provider_avatar_url, x.created_at, x.last_used_at, \(page.selectKey)
            FROM auth.oauth_accounts x
            WHERE x.user_id = \(binds.add(userID)) AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        let rows = try await self.postgres.query(binds.query(sql), logger: logger)
        var views: [(item: IdentityView, key: String, id: UUID)] = []
        for try await row in rows.decode((UUID, String, String?, String?, String?, Date, Date?, String).self) {
            views.append(
                (
                    IdentityView(id: row.0, provider: row.1, email: row.2, name: row.3, avatarUrl: row.4, createdAt: row.5, lastUsedAt: row.6), row.7,
                    row.0
                ))
        }
        return page.page(views)
    }

    /// Unlinks one of the user's identities under the last-method rule, in one transaction with the
    /// user's row locked (SignInMethods). Someone else's identity is reported as missing.
    func unlink(_ id: UUID, of userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> String {
        let methods = try await SignInMethods.lockingUser(userID, on: connection, logger: logger)
        let owned = try await connection.query(
            "SELECT provider FROM auth.oauth_accounts WHERE id = \(id) AND user_id = \(userID)", logger: logger)
        var provider: String?
        for try await name in owned.decode(String.self) { provider = name }
        guard let provider else { throw Problem.notFound("No such linked identity.") }
        try methods.requireAnotherAfterRemovingOne()
        try await connection.query("DELETE FROM auth.oauth_accounts WHERE id = \(id) AND user_id = \(userID)", logger: logger)
        return provider
    }
}
