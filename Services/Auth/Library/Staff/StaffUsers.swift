import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

extension Identity {
    /// Staff routes (issue 16, "Staff admin"): the `admin` role, acting as a person so the audit
    /// log can name who did it. Returns the staff member's user id.
    func requireStaff() throws -> UUID {
        try self.requireRole(.admin)
        return try self.requireUser("Staff routes act for a signed-in staff member, not a service client.")
    }
}

extension AuthContext {
    var staffUsers: StaffUsers { StaffUsers(postgres: self.postgres) }
}

/// One account as staff see it: no password hash, no secrets.
struct StaffUserView: Codable, ResponseEncodable, Sendable {
    var id: UUID
    var email: String
    var emailVerified: Bool
    var firstName: String?
    var lastName: String?
    /// Seed 000 `current_role` (the account's role).
    var currentRole: String
    /// Every hat held, the active one first: what the next access token carries.
    var roles: [String]
    var status: String
    var suspendedAt: Date?
    var suspensionReason: String?
    var mfaEnabled: Bool
    var lastLoginAt: Date?
    var createdAt: Date
}

/// The row a staff action changes, locked for the transaction.
struct StaffTarget: Sendable {
    var id: UUID
    var email: String
    var firstName: String?
    var accountRole: AccountRole
    var status: String
    var emailVerified: Bool
}

/// SQL for staff's view of `auth.users`: search, one account, suspension, roles.
struct StaffUsers: Sendable {
    let postgres: PostgresClient

    static let viewColumns = """
        x.id, x.email, x.email_verified_at IS NOT NULL, x.first_name, x.last_name, x.account_role, x.has_investor_activity,
        x.has_developer_activity, x.active_role, x.status, x.suspended_at, x.suspension_reason,
        x.mfa_enabled OR EXISTS (SELECT 1 FROM auth.totp_credentials t WHERE t.user_id = x.id AND t.confirmed_at IS NOT NULL),
        x.last_login_at, x.created_at
        """

    typealias ViewRow = (UUID, String, Bool, String?, String?, String, Bool, Bool, String?, String, Date?, String?, Bool, Date?, Date)

    static func view(_ row: ViewRow) -> StaffUserView {
        let held = RoleHats.held(account: AccountRole(rawValue: row.5) ?? .investor, investorActivity: row.6, developerActivity: row.7)
        return StaffUserView(
            id: row.0, email: row.1, emailVerified: row.2, firstName: row.3, lastName: row.4, currentRole: row.5,
            roles: RoleHats.ordered(held, active: row.8.flatMap(Role.init(rawValue:))).map(\.rawValue), status: row.9, suspendedAt: row.10,
            suspensionReason: row.11, mfaEnabled: row.12, lastLoginAt: row.13, createdAt: row.14)
    }

    /// `?q=` is an email prefix or part of a name, case-insensitive; `role` and `status` narrow it.
    func search(query: String?, role: String?, status: String?, _ page: PageRequest, logger: Logger) async throws -> Page<StaffUserView> {
        var binds = SQLBinds()
        var conditions = ["x.deleted_at IS NULL", "x.status <> 'deleted'"]
        if let query, !query.isEmpty {
            let pattern = Self.likeEscaped(query.lowercased())
            conditions.append(
                "(x.email LIKE \(binds.add(pattern + "%")) OR lower(concat_ws(' ', x.first_name, x.last_name)) LIKE \(binds.add("%" + pattern + "%")))"
            )
        }
        if let role { conditions.append("x.account_role = \(binds.add(role))") }
        if let status { conditions.append("x.status = \(binds.add(status))") }
        let sql = """
            SELECT \(Self.viewColumns), \(page.selectKey) FROM auth.users x
            WHERE \(conditions.joined(separator: " AND ")) AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        var found: [(item: StaffUserView, key: String, id: UUID)] = []
        for try await row in try await self.postgres.query(binds.query(sql), logger: logger).decode(
            (UUID, String, Bool, String?, String?, String, Bool, Bool, String?, String, Date?, String?, Bool, Date?, Date, String).self)
        {
            let view = Self.view((row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11, row.12, row.13, row.14))
            found.append((view, row.15, row.0))
        }
        return page.page(found)
    }

    /// `%`, `_` and `\` match themselves: a search for `a_b` finds `a_b`, not `axb`.
    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }

    func view(_ id: UUID, on connection: PostgresConnection? = nil, logger: Logger) async throws -> StaffUserView? {
        let query: PostgresQuery = "SELECT \(unescaped: Self.viewColumns) FROM auth.users x WHERE x.id = \(id) AND x.deleted_at IS NULL"
        let rows: PostgresRowSequence
        if let connection {
            rows = try await connection.query(query, logger: logger)
        } else {
            rows = try await self.postgres.query(query, logger: logger)
        }
        for try await row in rows.decode(ViewRow.self) { return Self.view(row) }
        return nil
    }

    /// The account's role, status and verification, unlocked (for checks before a transaction).
    func account(_ id: UUID, logger: Logger) async throws -> StaffTarget? {
        try await self.postgres.withConnection { try await self.target(id, lock: false, on: $0, logger: logger) }
    }

    /// The account, locked until the transaction ends; nil when it does not exist.
    func lock(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> StaffTarget? {
        try await self.target(id, lock: true, on: connection, logger: logger)
    }

    private func target(_ id: UUID, lock: Bool, on connection: PostgresConnection, logger: Logger) async throws -> StaffTarget? {
        let rows = try await connection.query(
            """
            SELECT id, email, first_name, account_role, status, email_verified_at IS NOT NULL FROM auth.users
            WHERE id = \(id) AND deleted_at IS NULL AND status <> 'deleted' \(unescaped: lock ? "FOR UPDATE" : "")
            """,
            logger: logger
        )
        for try await (id, email, firstName, role, status, verified) in rows.decode((UUID, String, String?, String, String, Bool).self) {
            return StaffTarget(
                id: id, email: email, firstName: firstName, accountRole: AccountRole(rawValue: role) ?? .investor, status: status,
                emailVerified: verified)
        }
        return nil
    }

    /// Approval (issue 16): the account becomes a sponsor and wears that hat. Its activity flags
    /// are kept, and an investor stays one: sponsors list projects (developer activity), and an
    /// account that was an investor keeps investing (`RoleHats.held`).
    func makeSponsor(_ account: StaffTarget, on connection: PostgresConnection, logger: Logger) async throws {
        let wasInvestor = account.accountRole == .investor || account.accountRole == .both
        try await connection.query(
            """
            UPDATE auth.users SET account_role = 'sponsor', active_role = 'sponsor', has_developer_activity = true,
                has_investor_activity = has_investor_activity OR \(wasInvestor), updated_at = now()
            WHERE id = \(account.id)
            """,
            logger: logger
        )
    }

    /// Staff set seed 000's role by hand; the chosen hat resets to the new role's own.
    func setRole(_ account: StaffTarget, to role: AccountRole, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE auth.users SET account_role = \(role.rawValue), active_role = NULL, updated_at = now() WHERE id = \(account.id)",
            logger: logger)
    }

    func suspend(_ account: StaffTarget, reason: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE auth.users SET status = 'suspended', suspended_at = now(), suspension_reason = \(reason), updated_at = now()
            WHERE id = \(account.id)
            """,
            logger: logger
        )
    }

    func reinstate(_ account: StaffTarget, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE auth.users SET status = 'active', suspended_at = NULL, suspension_reason = NULL, updated_at = now()
            WHERE id = \(account.id)
            """,
            logger: logger
        )
    }

    /// The user chooses which held hat is active (`PUT /v1/auth/me/current-role`).
    func setActiveRole(_ userID: UUID, to role: Role, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE auth.users SET active_role = \(role.rawValue), updated_at = now() WHERE id = \(userID)", logger: logger)
    }
}
