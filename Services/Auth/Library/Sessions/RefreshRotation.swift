import Foundation
import Models
import PostgresNIO
import ServiceKit

/// The session's user as a refreshed access token states them, read afresh at every refresh: an
/// account suspended, a role gained, a second factor enrolled or a membership changed since the
/// last token all show in the next one.
struct SessionHolder: Sendable, Equatable {
    /// The account exists, is not deleted and is `active`; otherwise the refresh is refused.
    var active: Bool
    var roles: [Role]
    /// `MFAFactors.any`: a confirmed authenticator or a passkey.
    var mfaEnrolled: Bool
    /// `ActiveOrganization.of`: the session's organisation while the user is still a member of it.
    var organization: ActiveOrganization?

    /// What `init(_:from:)` reads, over `u` (the user, outer-joined) and `m` (the membership);
    /// `joins(session:)` provides them for a relation with `user_id` and `organization_id`.
    static let columns = """
        u.id IS NOT NULL AND u.deleted_at IS NULL AND u.status = 'active',
        u.account_role, COALESCE(u.has_investor_activity, false), COALESCE(u.has_developer_activity, false), u.active_role,
        COALESCE(u.mfa_enabled AND u.mfa_type = 'authenticator', false) OR EXISTS (SELECT 1 FROM auth.passkeys p WHERE p.user_id = u.id),
        m.organization_id, m.role
        """

    static func joins(session: String) -> String {
        """
        LEFT JOIN auth.users u ON u.id = \(session).user_id
        LEFT JOIN (auth.organization_members m JOIN auth.organizations o ON o.id = m.organization_id AND o.deleted_at IS NULL)
            ON m.organization_id = \(session).organization_id AND m.user_id = \(session).user_id
        """
    }

    /// Reads `columns` starting at column `first`.
    init(_ row: PostgresRandomAccessRow, from first: Int) throws {
        self.active = try row[first].decode(Bool.self)
        let account = try row[first + 1].decode(String?.self).flatMap(AccountRole.init(rawValue:)) ?? .investor
        let held = RoleHats.held(
            account: account, investorActivity: try row[first + 2].decode(Bool.self), developerActivity: try row[first + 3].decode(Bool.self))
        self.roles = RoleHats.ordered(held, active: try row[first + 4].decode(String?.self).flatMap(Role.init(rawValue:)))
        self.mfaEnrolled = try row[first + 5].decode(Bool.self)
        let organizationID = try row[first + 6].decode(UUID?.self)
        let organizationRole = try row[first + 7].decode(String?.self).flatMap(OrganizationRole.init(rawValue:))
        self.organization = organizationID.flatMap { id in organizationRole.map { ActiveOrganization(id: id, role: $0) } }
    }
}

/// A refresh in one statement, prepared once per connection: take the rate-limit token, win the
/// compare-and-swap on the presented token, store its successor, slide the session's expiry,
/// record the login-history row and read what the new access token states. One round trip and one
/// commit, where it was a rate-limit statement, a transaction of three statements and four reads.
///
/// Every data-modifying CTE runs whether read or not; `won` does nothing unless the bucket allowed
/// the refresh, and the others do nothing without `won`'s row. The final row always exists (the
/// bucket's); the rotation's columns are NULL when the presented token did not win, and the caller
/// then looks at why (`Sessions.rotate`).
struct RefreshRotationStatement: PostgresPreparedStatement {
    struct Row: Sendable {
        var allowed: Bool
        var tokens: Double
        /// Set when the presented token won: the session, its user, its proof and its holder.
        var won: (sessionID: UUID, userID: UUID, proof: Sessions.Proof, holder: SessionHolder)?
    }

    static let name = "auth_rotate_refresh_token"

    var action: String
    var identifier: String
    var bucket: TokenBucket
    var presentedHash: String
    var successorID: UUID
    var successorHash: String
    var lifetimeSeconds: Double
    var historyID: UUID
    var ip: String?
    var deviceSummary: String?

    static let bindingDataTypes: [PostgresDataType] = [
        .text, .text, .float8, .float8, .text, .uuid, .text, .float8, .uuid, .text, .text,
    ]

    static let sql = """
        WITH bucket AS (
            \(RateLimiter.upsertSQL(schema: "auth", action: "$1", identifier: "$2", burst: "$3", perSecond: "$4"))
        ), won AS (
            UPDATE auth.refresh_tokens AS t SET rotated_at = now()
            FROM auth.sessions AS s
            WHERE (SELECT allowed FROM bucket)
              AND t.token_hash = $5 AND t.rotated_at IS NULL
              AND s.id = t.session_id AND s.revoked_at IS NULL AND s.expires_at > now()
            RETURNING t.id AS token_id, s.id AS session_id, s.user_id, s.organization_id, s.amr, s.created_at, s.mfa_at
        ), successor AS (
            INSERT INTO auth.refresh_tokens (id, session_id, token_hash, parent_id)
            SELECT $6, session_id, $7, token_id FROM won
        ), slid AS (
            UPDATE auth.sessions SET last_active_at = now(), expires_at = now() + make_interval(secs => $8)
            WHERE id IN (SELECT session_id FROM won)
        ), recorded AS (
            INSERT INTO auth.login_history (id, user_id, event_type, auth_method, ip_address, device_info, success)
            SELECT $9, user_id, 'refresh', 'refresh_token', $10::inet,
                   CASE WHEN $11::text IS NULL THEN NULL ELSE jsonb_build_object('summary', $11::text) END, true
            FROM won
        )
        SELECT b.allowed, b.tokens, w.session_id, w.user_id, w.amr, w.created_at, w.mfa_at,
               \(SessionHolder.columns)
        FROM bucket b LEFT JOIN won w ON true
        \(SessionHolder.joins(session: "w"))
        """

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 11)
        bindings.append(self.action)
        bindings.append(self.identifier)
        bindings.append(self.bucket.burst)
        bindings.append(self.bucket.perSecond)
        bindings.append(self.presentedHash)
        bindings.append(self.successorID)
        bindings.append(self.successorHash)
        bindings.append(self.lifetimeSeconds)
        bindings.append(self.historyID)
        bindings.append(self.ip)
        bindings.append(self.deviceSummary)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let row = row.makeRandomAccess()
        var decoded = Row(allowed: try row[0].decode(Bool.self), tokens: try row[1].decode(Double.self))
        if let sessionID = try row[2].decode(UUID?.self) {
            let proof = Sessions.Proof(
                amr: try row[4].decode([String].self), authTime: try row[5].decode(Date.self), mfaAt: try row[6].decode(Date?.self))
            decoded.won = (sessionID, try row[3].decode(UUID.self), proof, try SessionHolder(row, from: 7))
        }
        return decoded
    }
}
