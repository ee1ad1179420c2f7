import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// What happened, for the user's security page and for investigations (seed 004 `login_history`).
enum LoginEvent: String, Codable, Sendable {
    case signUp = "sign_up"
    case signInSucceeded = "sign_in"
    case signInFailed = "sign_in_failed"
    case refresh
    case refreshReuseDetected = "refresh_reuse_detected"
    case lockedOut = "locked_out"
    case signOut = "sign_out"
    case sessionRevoked = "session_revoked"
    case passwordChanged = "password_changed"
    case passwordReset = "password_reset"
    case emailVerified = "email_verified"
    /// The first step of a sign-in succeeded; the user was sent to the second (an MFA ticket).
    case mfaRequired = "mfa_required"
    /// A second factor was refused (wrong code, used recovery code); `reason` says which.
    case mfaFailed = "mfa_failed"
    /// A TOTP code for a time step already used was presented again: likely a relayed code.
    case mfaCodeReplayed = "mfa_code_replayed"
    case mfaStepUp = "mfa_step_up"
    case totpEnabled = "totp_enabled"
    case totpDisabled = "totp_disabled"
    case recoveryCodeUsed = "recovery_code_used"
    case recoveryCodesRegenerated = "recovery_codes_regenerated"
    // Passkeys (issue 15, part A).
    case passkeyAdded = "passkey_added"
    case passkeyRemoved = "passkey_removed"
    /// A security event: the authenticator's counter went backwards (a clone, or a replay).
    case passkeySignCountRegressed = "passkey_sign_count_regressed"
    /// A provider identity was linked to or unlinked from the account (OAuth/OIDC, issue 15).
    case identityLinked = "identity_linked"
    case identityUnlinked = "identity_unlinked"
}

struct LoginHistoryEntry: Codable, Sendable, ResponseEncodable {
    var id: UUID
    var eventType: String
    var authMethod: String?
    var ipAddress: String?
    var device: String?
    var success: Bool
    var failureReason: String?
    var createdAt: Date
}

struct LoginHistory: Sendable {
    let postgres: PostgresClient
    let ids: IDGenerator

    /// The row's `device_info.summary`: "Safari on iOS, mobile".
    static func deviceSummary(_ userAgent: UserAgent?) -> String? {
        userAgent.map { "\($0.browser) on \($0.os), \($0.deviceType)" }
    }

    func record(
        _ event: LoginEvent,
        userID: UUID?,
        email: String? = nil,
        method: String? = nil,
        ip: String?,
        userAgent: UserAgent? = nil,
        success: Bool,
        reason: String? = nil,
        on connection: PostgresConnection? = nil,
        logger: Logger
    ) async throws {
        let device = Self.deviceSummary(userAgent)
        let query: PostgresQuery = """
            INSERT INTO auth.login_history (id, user_id, email, event_type, auth_method, ip_address, device_info, success, failure_reason)
            VALUES (\(self.ids.next()), \(userID), \(email), \(event.rawValue), \(method), \(ip)::inet,
                    CASE WHEN \(device)::text IS NULL THEN NULL ELSE jsonb_build_object('summary', \(device)::text) END,
                    \(success), \(reason))
            """
        if let connection {
            try await connection.query(query, logger: logger)
        } else {
            try await self.postgres.query(query, logger: logger)
        }
    }

    /// Newest first (`Keyset.newestFirst`).
    func page(userID: UUID, _ page: PageRequest, logger: Logger) async throws -> Page<LoginHistoryEntry> {
        var binds = SQLBinds()
        let sql = """
            SELECT x.id, x.event_type, x.auth_method, host(x.ip_address), x.device_info->>'summary', x.success, x.failure_reason,
                   x.created_at, \(page.selectKey)
            FROM auth.login_history x
            WHERE x.user_id = \(binds.add(userID)) AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        let rows = try await self.postgres.query(binds.query(sql), logger: logger)
        var entries: [(item: LoginHistoryEntry, key: String, id: UUID)] = []
        for try await row in rows.decode((UUID, String, String?, String?, String?, Bool, String?, Date, String).self) {
            let entry = LoginHistoryEntry(
                id: row.0, eventType: row.1, authMethod: row.2, ipAddress: row.3, device: row.4, success: row.5, failureReason: row.6,
                createdAt: row.7
            )
            entries.append((entry, row.8, row.0))
        }
        return page.page(entries)
    }
}
