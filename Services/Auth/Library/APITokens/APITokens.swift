import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// One of a user's API tokens as the owner sees it: never the secret nor its hash.
struct APITokenView: Codable, Sendable, ResponseEncodable {
    var id: UUID
    var name: String
    /// `tract_` and the lookup prefix: enough to recognise the token, useless to use it.
    var tokenPrefix: String
    var scopes: [String]
    var expiresAt: Date
    var createdAt: Date
    var lastUsedAt: Date?
    var lastUsedIp: String?
}

/// The create answer: the view and, this once, the token itself.
struct CreatedAPIToken: Codable, Sendable {
    var id: UUID
    var name: String
    var tokenPrefix: String
    var scopes: [String]
    var expiresAt: Date
    var createdAt: Date
    var lastUsedAt: Date?
    var lastUsedIp: String?
    var token: String

    init(_ view: APITokenView, token: String) {
        self.id = view.id
        self.name = view.name
        self.tokenPrefix = view.tokenPrefix
        self.scopes = view.scopes
        self.expiresAt = view.expiresAt
        self.createdAt = view.createdAt
        self.lastUsedAt = view.lastUsedAt
        self.lastUsedIp = view.lastUsedIp
        self.token = token
    }
}

/// SQL for `auth.api_tokens`. The owner's list and revocation, and the lookup every request with
/// a token makes (`introspect`).
struct APITokens: Sendable {
    let postgres: PostgresClient
    let limiter: RateLimiter
    let settings: APITokenSettings
    let ids: IDGenerator

    static let columns = """
        x.id, x.name, x.lookup_prefix, x.scopes, x.expires_at, x.created_at, x.last_used_at, host(x.last_used_ip)
        """

    static func view(_ row: (UUID, String, String, [String], Date, Date, Date?, String?)) -> APITokenView {
        APITokenView(
            id: row.0, name: row.1, tokenPrefix: APITokenFormat.start + row.2, scopes: row.3, expiresAt: row.4, createdAt: row.5,
            lastUsedAt: row.6, lastUsedIp: row.7)
    }

    /// Makes a token for `userID` on `connection` (the caller's transaction, which also writes the
    /// audit row). The user's row is locked first, so two creates at once cannot both pass the
    /// live-token limit.
    func create(
        userID: UUID, name: String, scopes: [String], lifetimeDays: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> CreatedAPIToken {
        var live = 0
        for try await count in try await connection.query(
            """
            SELECT (SELECT count(*) FROM auth.api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL AND t.expires_at > now())::int
            FROM auth.users u WHERE u.id = \(userID) FOR UPDATE
            """, logger: logger
        ).decode(Int.self) { live = count }
        guard live < self.settings.livePerUser else {
            throw Problem.conflict(
                "You have \(live) live API tokens, the most one account may hold (\(self.settings.livePerUser)). Revoke one you no longer use first.")
        }
        // A lookup prefix is 41 bits of randomness; should one ever repeat, the unique index says
        // so and another is drawn.
        for _ in 0..<3 {
            let (token, prefix) = APITokenFormat.make()
            let rows = try await connection.query(
                """
                INSERT INTO auth.api_tokens AS x (id, user_id, name, lookup_prefix, token_hash, scopes, expires_at)
                VALUES (\(self.ids.next()), \(userID), \(name), \(prefix), \(APITokenFormat.hash(token)), \(scopes),
                        now() + \(lifetimeDays) * interval '1 day')
                ON CONFLICT (lookup_prefix) DO NOTHING
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            for try await row in rows.decode((UUID, String, String, [String], Date, Date, Date?, String?).self) {
                return CreatedAPIToken(Self.view(row), token: token)
            }
        }
        throw Problem.serviceUnavailable("No API token could be made just now; try again.")
    }

    /// The user's unrevoked tokens (expired ones too, so the owner sees why a script stopped).
    func list(userID: UUID, _ page: PageRequest, logger: Logger) async throws -> Page<APITokenView> {
        var binds = SQLBinds()
        let sql = """
            SELECT \(Self.columns), \(page.selectKey)
            FROM auth.api_tokens x
            WHERE x.user_id = \(binds.add(userID)) AND x.revoked_at IS NULL AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        var views: [(item: APITokenView, key: String, id: UUID)] = []
        for try await row in try await self.postgres.query(binds.query(sql), logger: logger).decode(
            (UUID, String, String, [String], Date, Date, Date?, String?, String).self)
        {
            views.append((Self.view((row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7)), row.8, row.0))
        }
        return page.page(views)
    }

    /// One unrevoked token of `userID`; nil for another user's token as for none.
    func find(_ id: UUID, of userID: UUID, logger: Logger) async throws -> APITokenView? {
        let rows = try await self.postgres.query(
            "SELECT \(unescaped: Self.columns) FROM auth.api_tokens x WHERE x.id = \(id) AND x.user_id = \(userID) AND x.revoked_at IS NULL",
            logger: logger)
        for try await row in rows.decode((UUID, String, String, [String], Date, Date, Date?, String?).self) { return Self.view(row) }
        return nil
    }

    /// Revokes one unrevoked token of `userID`; false when there is none such (another user's).
    func revoke(_ id: UUID, of userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE auth.api_tokens SET revoked_at = now()
            WHERE id = \(id) AND user_id = \(userID) AND revoked_at IS NULL RETURNING id
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Who `token` acts for, judged now: unknown, revoked and expired tokens, and tokens of users
    /// who are no longer active, are 401; a token over its rate limit is 429. The last use is
    /// written at most once a minute per token (a conditional UPDATE), not on every request.
    func introspect(_ token: String, clientIP: String?, logger: Logger) async throws -> APITokenIntrospection {
        guard let prefix = APITokenFormat.lookupPrefix(of: token) else { throw Problem.unauthorized("The API token is not well formed.") }
        let rows = try await self.postgres.query(
            """
            SELECT t.id, t.user_id, t.token_hash, t.scopes, t.expires_at, t.revoked_at IS NOT NULL, t.expires_at <= now(),
                   t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute',
                   u.status, u.account_role,
                   (u.mfa_enabled AND u.mfa_type = 'authenticator') OR EXISTS (SELECT 1 FROM auth.passkeys p WHERE p.user_id = u.id)
            FROM auth.api_tokens t JOIN auth.users u ON u.id = t.user_id AND u.deleted_at IS NULL
            WHERE t.lookup_prefix = \(prefix)
            """, logger: logger)
        var found: (UUID, UUID, String, [String], Date, Bool, Bool, Bool, String, String, Bool?)?
        for try await row in rows.decode((UUID, UUID, String, [String], Date, Bool, Bool, Bool, String, String, Bool?).self) { found = row }
        // The hash is compared in constant time, so the prefix (which is not secret) plus timing
        // tells a guesser nothing about the rest.
        guard let row = found, SecretToken.constantTimeEquals(row.2, APITokenFormat.hash(token)) else {
            throw Problem.unauthorized("The API token is not valid.")
        }
        if row.5 { throw Problem.unauthorized("The API token was revoked.") }
        if row.6 { throw Problem.unauthorized("The API token has expired.") }
        guard row.8 == "active" else { throw Problem.unauthorized("The API token's account is \(row.8).") }
        try await self.limiter.take(
            "api_token", for: row.0.uuidString.lowercased(), bucket: self.settings.requestsPerToken, logger: logger)
        if row.7 {
            try await self.postgres.query(
                """
                UPDATE auth.api_tokens SET last_used_at = now(), last_used_ip = \(clientIP.flatMap { IPAddress($0) }.map(\.description))::inet
                WHERE id = \(row.0) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
                """, logger: logger)
        }
        return APITokenIntrospection(
            tokenId: row.0, userId: row.1, roles: (AccountRole(rawValue: row.9) ?? .investor).tokenRoles, scopes: row.3, expiresAt: row.4,
            mfaEnrolled: row.10 ?? false)
    }
}

/// Auth's own check of API tokens: its table, no HTTP round trip to itself.
struct AuthAPITokenLookup: APITokenIntrospector {
    let tokens: APITokens

    func identity(of token: String, clientIP: String?, context: CallContext, logger: Logger) async throws -> Identity {
        Identity(apiToken: try await self.tokens.introspect(token, clientIP: clientIP, logger: logger))
    }
}
