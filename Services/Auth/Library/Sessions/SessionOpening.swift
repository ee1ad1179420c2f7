import Foundation
import Models
import PostgresNIO
import ServiceKit

/// A session opened in one statement, prepared once per connection, whatever proved the user
/// (issue 19): clear the address's failed-attempt counts, stamp the login on an account that is
/// still active (reading what the token states), open the session and its first refresh token,
/// record the login history, and queue `user.signed_in` and, from a kind of device none of the
/// user's sessions has used, the new-device mail. One round trip and one commit, where it was a
/// transaction of six statements (eight round trips).
///
/// Every data-modifying CTE runs whether read or not, each on `admitted`'s row, so an account
/// that is suspended or closed gets no session, no history and no events: the statement returns
/// no row, and the caller answers 403. The counts are cleared either way, as a correct password
/// does for an account that cannot sign in. `device` reads the sessions as they were before this
/// one (one snapshot for the whole statement), so the new session never makes its own device known.
struct SessionOpeningStatement: PostgresPreparedStatement {
    struct Row: Sendable {
        var account: String
        var investorActivity: Bool
        var developerActivity: Bool
        var activeRole: String?
        /// The account is not deleted; a deleted one's token states no roles.
        var present: Bool
        var createdAt: Date
        var mfaAt: Date?
    }

    static let name = "auth_open_session"

    var userID: UUID
    /// The address whose failed-attempt counts the session clears (a password sign-in without a
    /// second factor), or nil.
    var clearingLockoutOf: String?
    var sessionID: UUID
    var method: String
    var device: Sessions.Device
    var lifetimeSeconds: Double
    var amr: [String]
    var multiFactor: Bool
    var refreshTokenID: UUID
    var refreshTokenHash: String
    var historyID: UUID
    var email: String
    var signedIn: QueuedEvent
    var newDeviceMail: QueuedEvent

    static let bindingDataTypes: [PostgresDataType] =
        [.uuid, .text, .uuid, .text, .text, .text, .text, .text, .text, .float8, .textArray, .bool, .uuid, .text, .uuid, .text, .text]
        + QueuedEvent.bindingDataTypes + QueuedEvent.bindingDataTypes

    /// The first placeholder of each event's values.
    static let signedInBinding = 18
    static let newDeviceMailBinding = signedInBinding + QueuedEvent.bindingCount

    /// The lockout's rows first, as every attempt takes them (`Lockout.resetCTEs`: the address's,
    /// then its sources'), then the user's row. With no address to clear, `$2` is NULL and the
    /// deletes match nothing.
    static let sql = """
        WITH \(Lockout.resetCTEs(email: "$2")),
        admitted AS (
            UPDATE auth.users SET last_login_at = now()
            WHERE id = $1 AND status = 'active' AND (SELECT count(*) FROM sources) >= 0
            RETURNING account_role, has_investor_activity, has_developer_activity, active_role, deleted_at IS NULL AS present
        ), device AS (
            SELECT EXISTS (SELECT 1 FROM auth.sessions WHERE user_id = $1) AS has_sessions,
                   EXISTS (SELECT 1 FROM auth.sessions WHERE user_id = $1 AND device_type = $5 AND browser = $6 AND os = $7) AS known
        ), session AS (
            INSERT INTO auth.sessions (id, user_id, auth_method, device_type, browser, os, user_agent, ip_address, expires_at, amr, mfa_at)
            SELECT $3, $1, $4, $5, $6, $7, $8, $9::inet, now() + make_interval(secs => $10), $11, CASE WHEN $12 THEN now() END
            FROM admitted
            RETURNING id, created_at, mfa_at
        ), token AS (
            INSERT INTO auth.refresh_tokens (id, session_id, token_hash) SELECT $13, id, $14 FROM session
        ), recorded AS (
            INSERT INTO auth.login_history (id, user_id, email, event_type, auth_method, ip_address, device_info, success)
            SELECT $15, $1, $16, '\(LoginEvent.signInSucceeded.rawValue)', $4, $9::inet,
                   CASE WHEN $17::text IS NULL THEN NULL ELSE jsonb_build_object('summary', $17::text) END, true
            FROM admitted
        ), signed_in AS (
            \(OutboxPublisher.queueSQL(schema: "auth", rowsFrom: "admitted", firstBinding: signedInBinding))
        ), new_device AS (
            \(OutboxPublisher.queueSQL(
                schema: "auth", rowsFrom: "admitted, device WHERE device.has_sessions AND NOT device.known", firstBinding: newDeviceMailBinding))
        )
        SELECT a.account_role, a.has_investor_activity, a.has_developer_activity, a.active_role, a.present, s.created_at, s.mfa_at
        FROM admitted a CROSS JOIN session s
        """

    func makeBindings() throws -> PostgresBindings {
        let agent = self.device.userAgent
        var bindings = PostgresBindings(capacity: Self.bindingDataTypes.count)
        bindings.append(self.userID)
        bindings.append(self.clearingLockoutOf)
        bindings.append(self.sessionID)
        bindings.append(self.method)
        bindings.append(agent.deviceType)
        bindings.append(agent.browser)
        bindings.append(agent.os)
        bindings.append(self.device.userAgentHeader.map { String($0.prefix(512)) })
        bindings.append(self.device.ip)
        bindings.append(self.lifetimeSeconds)
        bindings.append(self.amr)
        bindings.append(self.multiFactor)
        bindings.append(self.refreshTokenID)
        bindings.append(self.refreshTokenHash)
        bindings.append(self.historyID)
        bindings.append(self.email)
        bindings.append(LoginHistory.deviceSummary(agent))
        self.signedIn.append(to: &bindings)
        self.newDeviceMail.append(to: &bindings)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (account, investor, developer, active, present, createdAt, mfaAt) = try row.decode(
            (String, Bool, Bool, String?, Bool, Date, Date?).self)
        return Row(
            account: account, investorActivity: investor, developerActivity: developer, activeRole: active, present: present,
            createdAt: createdAt, mfaAt: mfaAt)
    }
}
