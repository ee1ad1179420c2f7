import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Seed 000 `current_role`: what a user mainly is. `both` means investor and developer.
enum AccountRole: String, Codable, Sendable, CaseIterable {
    case investor, developer, both, admin, sponsor

    /// The roles an access token carries for this account.
    var tokenRoles: [Role] {
        switch self {
        case .investor: [.investor]
        case .developer: [.developer]
        case .both: [.investor, .developer]
        case .admin: [.admin]
        case .sponsor: [.sponsor]
        }
    }
}

/// Seed 000 `first_auth_source`: the entry point a user first came through, spelt as seed 000
/// spells its entry points (analytics' journeys use the same names).
enum AuthSource: String, Codable, Sendable, CaseIterable {
    case checkIfYourDevelopmentIsInAnOz = "check_if_your_development_is_in_an_oz"
    case qualifyAsAnInvestor = "qualify_as_an_investor"
    case seeOzListings = "see_oz_listings"
    case checkHowMuchTaxYouCanSave = "check_how_much_tax_you_can_save"
    case speakToTheTeam = "speak_to_the_team"
    case joinOurCommunity = "join_our_community"
    case direct

    /// Spellings clients sent before, still accepted and stored as today's: auth said
    /// `join_the_community` until issue 14 matched seed 000's `join_our_community`.
    static let aliases: [String: AuthSource] = ["join_the_community": .joinOurCommunity]

    /// A client's `source` in today's spelling: an alias becomes its current name; anything else is
    /// returned as sent, for `FieldErrors.add(source:)` to judge.
    static func canonical(_ source: String?) -> String? {
        source.map { Self.aliases[$0]?.rawValue ?? $0 }
    }
}

struct User: Sendable {
    var id: UUID
    var email: String
    var emailVerifiedAt: Date?
    var passwordHash: String?
    var status: String
    var currentRole: AccountRole
    var firstAuthSource: String?
    var firstName: String?
    var lastName: String?
    var avatarURL: String?
    var timezone: String
    var privacySettings: String
    var failedLoginCount: Int
    var lockedUntil: Date?
    var lastLoginAt: Date?
    var createdAt: Date
    var updatedAt: Date
}

extension User {
    /// Reads `Users.columns` starting at column `first`.
    init(_ row: PostgresRandomAccessRow, from first: Int) throws {
        self.init(
            id: try row[first].decode(UUID.self), email: try row[first + 1].decode(String.self),
            emailVerifiedAt: try row[first + 2].decode(Date?.self), passwordHash: try row[first + 3].decode(String?.self),
            status: try row[first + 4].decode(String.self),
            currentRole: AccountRole(rawValue: try row[first + 5].decode(String.self)) ?? .investor,
            firstAuthSource: try row[first + 6].decode(String?.self), firstName: try row[first + 7].decode(String?.self),
            lastName: try row[first + 8].decode(String?.self), avatarURL: try row[first + 9].decode(String?.self),
            timezone: try row[first + 10].decode(String.self), privacySettings: try row[first + 11].decode(String.self),
            failedLoginCount: Int(try row[first + 12].decode(Int32.self)), lockedUntil: try row[first + 13].decode(Date?.self),
            lastLoginAt: try row[first + 14].decode(Date?.self), createdAt: try row[first + 15].decode(Date.self),
            updatedAt: try row[first + 16].decode(Date.self)
        )
    }
}

/// SQL for `auth.users`. Counters and state changes are single statements (compare-and-swap),
/// never read-then-write.
struct Users: Sendable {
    let postgres: PostgresClient
    let ids: IDGenerator

    static let columns = """
        id, email, email_verified_at, password_hash, status, account_role, first_auth_source, first_name, last_name,
        avatar_url, timezone, privacy_settings::text, failed_login_count, locked_until, last_login_at, created_at, updated_at
        """

    static func decode(_ rows: PostgresRowSequence) async throws -> User? {
        for try await row in rows { return try User(row.makeRandomAccess(), from: 0) }
        return nil
    }

    /// The contacts of those of `ids` that exist and are not deleted.
    func contacts(of ids: [UUID], logger: Logger) async throws -> [UserContact] {
        var contacts: [UserContact] = []
        for try await (id, email, firstName, lastName, verified) in try await self.postgres.query(
            """
            SELECT id, email, first_name, last_name, email_verified_at IS NOT NULL FROM auth.users
            WHERE id = ANY(\(ids)) AND deleted_at IS NULL AND status <> 'deleted'
            """, logger: logger
        ).decode((UUID, String, String?, String?, Bool).self) {
            contacts.append(UserContact(id: id, email: email, firstName: firstName, lastName: lastName, emailVerified: verified))
        }
        return contacts
    }

    func find(email: String, logger: Logger) async throws -> User? {
        try await Self.decode(
            self.postgres.query(
                PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM auth.users WHERE email = $1 AND deleted_at IS NULL", binds: Self.binds(email)),
                logger: logger
            )
        )
    }

    func find(id: UUID, logger: Logger) async throws -> User? {
        var binds = PostgresBindings()
        binds.append(id)
        return try await Self.decode(
            self.postgres.query(
                PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM auth.users WHERE id = $1 AND deleted_at IS NULL", binds: binds),
                logger: logger
            )
        )
    }

    /// Creates the account unless the email is taken; `nil` when it was.
    func create(
        email: String,
        passwordHash: String?,
        source: String?,
        verified: Bool,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> UUID? {
        let id = self.ids.next()
        let rows = try await connection.query(
            """
            INSERT INTO auth.users (id, email, password_hash, first_auth_source, email_verified_at, password_changed_at)
            VALUES (\(id), \(email), \(passwordHash), \(source), CASE WHEN \(verified) THEN now() END,
                    CASE WHEN \(passwordHash)::text IS NOT NULL THEN now() END)
            ON CONFLICT (email) WHERE deleted_at IS NULL DO NOTHING
            RETURNING id
            """,
            logger: logger
        )
        for try await created in rows.decode(UUID.self) { return created }
        return nil
    }

    /// Applies a profile change: fields left out keep their value; an empty `avatar_url` clears it.
    func update(_ id: UUID, with changes: ProfileChanges, logger: Logger) async throws {
        let privacy = changes.privacySettings.map { value in
            String(decoding: (try? JSONEncoder().encode(value)) ?? Data("{}".utf8), as: UTF8.self)
        }
        try await self.postgres.query(
            """
            UPDATE auth.users SET
                first_name = coalesce(\(changes.firstName), first_name),
                last_name = coalesce(\(changes.lastName), last_name),
                avatar_url = CASE WHEN \(changes.avatarUrl)::text = '' THEN NULL ELSE coalesce(\(changes.avatarUrl), avatar_url) END,
                timezone = coalesce(\(changes.timezone), timezone),
                privacy_settings = coalesce(\(privacy)::jsonb, privacy_settings),
                updated_at = now()
            WHERE id = \(id)
            """,
            logger: logger
        )
    }

    /// The account holding `email` while nobody has proven the address; nil when there is none or
    /// it is verified.
    func unverifiedID(email: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query(
            "SELECT id FROM auth.users WHERE email = \(email) AND deleted_at IS NULL AND email_verified_at IS NULL",
            logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    /// An unverified sign-up older than `lifetime` is treated as absent: it is closed (soft-deleted,
    /// which frees the address) so the next sign-up or magic-link sign-in starts a fresh account.
    /// Whoever created it never proved the address, so nothing of theirs may carry over.
    func expireUnverified(email: String, lifetime: Duration, on connection: PostgresConnection, logger: Logger) async throws {
        let seconds = Double(lifetime.components.seconds)
        try await connection.query(
            """
            UPDATE auth.users SET deleted_at = now(), status = 'deleted', password_hash = NULL, updated_at = now()
            WHERE email = \(email) AND deleted_at IS NULL AND email_verified_at IS NULL
              AND created_at <= now() - make_interval(secs => \(seconds))
            """,
            logger: logger
        )
    }

    /// What proving the address does to the password of a not yet verified account.
    enum PasswordOnVerification: Sendable {
        /// A magic link proves the address and nothing about any password: a password set by
        /// whoever signed up before (perhaps an attacker pre-registering the victim's address) is
        /// removed.
        case cleared
        /// A verification mail proves the address *for the sign-up that mail was sent for*: that
        /// sign-up's password becomes the account's (nil: the one already on the account, for tokens
        /// issued before sign-up passwords were kept with their token).
        case fromSignUp(passwordHash: String?)
    }

    /// Marks the account verified, sets its password as `password` says and revokes any session it
    /// has, in one statement, so no moment exists where the address is proven and an earlier
    /// stranger's password or session still works. An account already verified is left alone (its
    /// owner proved the address before; a later link must not change their password). Returns the
    /// revoked sessions, for `session.revoked` events.
    func verifyEmail(userID: UUID, password: PasswordOnVerification, reason: String, on connection: PostgresConnection, logger: Logger) async throws
        -> [UUID]
    {
        var clears = false
        var pendingHash: String?
        switch password {
        case .cleared: clears = true
        case .fromSignUp(let hash): pendingHash = hash
        }
        let rows = try await connection.query(
            """
            WITH verified AS (
                UPDATE auth.users SET email_verified_at = now(), updated_at = now(),
                    password_hash = CASE WHEN \(clears) THEN NULL ELSE coalesce(\(pendingHash)::text, password_hash) END,
                    password_changed_at = CASE WHEN \(clears) THEN NULL WHEN \(pendingHash)::text IS NOT NULL THEN now()
                        ELSE password_changed_at END
                WHERE id = \(userID) AND email_verified_at IS NULL AND deleted_at IS NULL
                RETURNING id
            )
            UPDATE auth.sessions SET revoked_at = now(), revoked_reason = \(reason)
            WHERE user_id IN (SELECT id FROM verified) AND revoked_at IS NULL
            RETURNING id
            """,
            logger: logger
        )
        var revoked: [UUID] = []
        for try await id in rows.decode(UUID.self) { revoked.append(id) }
        return revoked
    }

    static func binds(_ values: String...) -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        return binds
    }
}
