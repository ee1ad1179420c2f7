import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import ServiceKit

/// A started authorization flow, as the callback finds it (migration 0009).
struct OAuthFlow: Sendable {
    enum Intent: String, Sendable, Codable {
        case signIn = "sign_in"
        case link
    }

    var id: UUID
    var provider: String
    var intent: Intent
    var userID: UUID?
    var nonce: String
    var redirectURI: String?
    var source: String?
    /// The app's PKCE challenge for the sign-in code (S256), when it sent one.
    var appCodeChallenge: String?
}

/// What a finished flow left for the app (migration 0009 `oauth_grants`).
struct OAuthGrant: Sendable {
    enum Kind: String, Sendable {
        case signInCode = "sign_in_code"
        case linkTicket = "link_ticket"
    }

    var userID: UUID
    var provider: String
    var identity: ProviderIdentity?
    var source: String?
    var appCodeChallenge: String?
}

/// SQL for `auth.oauth_flows` and `auth.oauth_grants`. Each is spent by the one statement that
/// reads it (DELETE … RETURNING, UPDATE … WHERE used_at IS NULL RETURNING), so two requests racing
/// with the same state or code cannot both succeed.
struct OAuthFlows: Sendable {
    let postgres: PostgresClient
    let ids: IDGenerator

    func start(
        stateHash: String, provider: String, intent: OAuthFlow.Intent, userID: UUID?, nonce: String, redirectURI: String?, source: String?,
        appCodeChallenge: String?, ip: String?, lifetime: Duration, logger: Logger
    ) async throws {
        let seconds = Double(lifetime.components.seconds)
        try await self.postgres.query(
            """
            INSERT INTO auth.oauth_flows (id, state_hash, provider, intent, user_id, nonce, redirect_uri, source, app_code_challenge,
                                          ip_address, expires_at)
            VALUES (\(self.ids.next()), \(stateHash), \(provider), \(intent.rawValue), \(userID), \(nonce), \(redirectURI), \(source),
                    \(appCodeChallenge), \(ip)::inet, now() + make_interval(secs => \(seconds)))
            """,
            logger: logger
        )
    }

    /// Spends the flow whose state hashes to `stateHash`; nil when there is none for this provider,
    /// it was spent, or it expired (an expired row is deleted all the same).
    func consume(stateHash: String, provider: String, logger: Logger) async throws -> OAuthFlow? {
        let rows = try await self.postgres.query(
            """
            DELETE FROM auth.oauth_flows WHERE state_hash = \(stateHash) AND provider = \(provider)
            RETURNING id, intent, user_id, nonce, redirect_uri, source, app_code_challenge, expires_at > now()
            """,
            logger: logger
        )
        for try await (id, intent, userID, nonce, redirectURI, source, challenge, live) in rows.decode(
            (UUID, String, UUID?, String, String?, String?, String?, Bool).self)
        {
            guard live, let intent = OAuthFlow.Intent(rawValue: intent) else { return nil }
            return OAuthFlow(
                id: id, provider: provider, intent: intent, userID: userID, nonce: nonce, redirectURI: redirectURI, source: source,
                appCodeChallenge: challenge)
        }
        return nil
    }

    /// A new one-time secret of `kind` for `grant`; only its hash is stored.
    func issue(_ kind: OAuthGrant.Kind, _ grant: OAuthGrant, lifetime: Duration, logger: Logger) async throws -> String {
        let secret = SecretToken.make()
        let seconds = Double(lifetime.components.seconds)
        let identity = grant.identity
        try await self.postgres.query(
            """
            INSERT INTO auth.oauth_grants (id, kind, secret_hash, user_id, provider, provider_user_id, provider_email, provider_email_verified,
                                           provider_name, provider_avatar_url, source, app_code_challenge, expires_at)
            VALUES (\(self.ids.next()), \(kind.rawValue), \(SecretToken.hash(secret)), \(grant.userID), \(grant.provider), \(identity?.subject),
                    \(identity?.email), \(identity?.emailVerified ?? false), \(identity?.name), \(identity?.avatarURL), \(grant.source),
                    \(grant.appCodeChallenge), now() + make_interval(secs => \(seconds)))
            """,
            logger: logger
        )
        return secret
    }

    /// Spends a grant of `kind`. A link ticket is spent only by the user it is for (`userID`), so
    /// someone else's attempt leaves it for its owner.
    func redeem(_ kind: OAuthGrant.Kind, secret: String, userID: UUID? = nil, logger: Logger) async throws -> OAuthGrant? {
        guard SecretToken.isWellFormed(secret) else { return nil }
        let rows = try await self.postgres.query(
            """
            UPDATE auth.oauth_grants SET used_at = now()
            WHERE secret_hash = \(SecretToken.hash(secret)) AND kind = \(kind.rawValue) AND used_at IS NULL AND expires_at > now()
              AND (\(userID)::uuid IS NULL OR user_id = \(userID))
            RETURNING user_id, provider, provider_user_id, provider_email, provider_email_verified, provider_name, provider_avatar_url, source,
                      app_code_challenge
            """,
            logger: logger
        )
        for try await row in rows.decode((UUID, String, String?, String?, Bool, String?, String?, String?, String?).self) {
            let identity = row.2.map {
                ProviderIdentity(provider: row.1, subject: $0, email: row.3, emailVerified: row.4, name: row.5, avatarURL: row.6)
            }
            return OAuthGrant(userID: row.0, provider: row.1, identity: identity, source: row.7, appCodeChallenge: row.8)
        }
        return nil
    }
}
