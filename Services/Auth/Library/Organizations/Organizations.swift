import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// An organisation as its members see it, with the caller's own role.
struct OrganizationView: Codable, Sendable, ResponseEncodable {
    /// Lower-case, as every id on the wire (and in the `org` claim).
    var id: String
    var slug: String
    var name: String
    var kind: String
    var role: OrganizationRole
    var createdAt: Date
    var updatedAt: Date
}

/// A member as the organisation's other members see them: who (the account's email and name,
/// which every member needs to know who they work with), their role and since when.
struct MemberView: Codable, Sendable, ResponseEncodable {
    var userId: String
    var email: String
    var firstName: String?
    var lastName: String?
    var role: OrganizationRole
    var joinedAt: Date
}

/// SQL for `auth.organizations` and `auth.organization_members` (seed 002 §2.1). Every read and
/// change is for a caller who is a member: a non-member learns nothing, not even that the
/// organisation exists (404). Role changes lock both membership rows, so two admins acting at
/// once are applied one after the other against the roles as they then stand.
struct Organizations: Sendable {
    let postgres: PostgresClient
    let ids: IDGenerator

    static let columns = "o.id, o.slug, o.name, o.kind, m.role, o.created_at, o.updated_at"
    typealias ViewRow = (UUID, String, String, String, String, Date, Date)

    static func view(_ row: ViewRow) -> OrganizationView? {
        guard let role = OrganizationRole(rawValue: row.4) else { return nil }
        return OrganizationView(
            id: row.0.uuidString.lowercased(), slug: row.1, name: row.2, kind: row.3, role: role, createdAt: row.5, updatedAt: row.6)
    }

    /// Creates the organisation with its creator as owner; 409 when the slug is taken.
    func create(slug: String, name: String, kind: String, by userID: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> OrganizationView
    {
        let id = self.ids.next()
        let inserted = try await connection.query(
            """
            INSERT INTO auth.organizations (id, slug, name, kind, created_by) VALUES (\(id), \(slug), \(name), \(kind), \(userID))
            ON CONFLICT (slug) DO NOTHING RETURNING id
            """,
            logger: logger
        )
        var created = false
        for try await _ in inserted.decode(UUID.self) { created = true }
        guard created else { throw Problem.validation(field: "slug", "is taken; choose another") }
        try await connection.query(
            "INSERT INTO auth.organization_members (organization_id, user_id, role) VALUES (\(id), \(userID), 'owner')", logger: logger)
        guard let view = try await Self.find(id, for: userID, on: connection, lock: false, logger: logger) else {
            throw Problem.conflict("The organisation could not be read back; try again.")
        }
        return view
    }

    /// The organisation as `userID` sees it, nil when it does not exist or they are not a member.
    /// `lock`: the caller's membership row stays locked until the transaction ends.
    static func find(_ id: UUID, for userID: UUID, on connection: PostgresConnection, lock: Bool, logger: Logger) async throws
        -> OrganizationView?
    {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM auth.organizations o
            JOIN auth.organization_members m ON m.organization_id = o.id AND m.user_id = \(userID)
            WHERE o.id = \(id) AND o.deleted_at IS NULL \(unescaped: lock ? "FOR UPDATE OF m" : "")
            """,
            logger: logger
        )
        for try await row in rows.decode(ViewRow.self) { return Self.view(row) }
        return nil
    }

    func find(_ id: UUID, for userID: UUID, logger: Logger) async throws -> OrganizationView? {
        try await self.postgres.withConnection { try await Self.find(id, for: userID, on: $0, lock: false, logger: logger) }
    }

    /// The caller's membership, or 404 for organisations they are not in.
    static func membership(_ id: UUID, of userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> OrganizationView {
        guard let view = try await Self.find(id, for: userID, on: connection, lock: true, logger: logger) else {
            throw Problem.notFound("No organisation has this id.")
        }
        return view
    }

    /// The organisations `userID` belongs to, newest first.
    func list(for userID: UUID, _ page: PageRequest, logger: Logger) async throws -> Page<OrganizationView> {
        var binds = SQLBinds()
        let sql = """
            SELECT x.id, x.slug, x.name, x.kind, x.role, x.created_at, x.updated_at, \(page.selectKey)
            FROM (SELECT \(Self.columns) FROM auth.organizations o
                  JOIN auth.organization_members m ON m.organization_id = o.id
                  WHERE m.user_id = \(binds.add(userID)) AND o.deleted_at IS NULL) x
            WHERE \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        var views: [(item: OrganizationView, key: String, id: UUID)] = []
        let rows = try await self.postgres.query(binds.query(sql), logger: logger)
        for try await row in rows.decode((UUID, String, String, String, String, Date, Date, String).self) {
            guard let view = Self.view((row.0, row.1, row.2, row.3, row.4, row.5, row.6)) else { continue }
            views.append((view, row.7, row.0))
        }
        return page.page(views)
    }

    func rename(_ id: UUID, to name: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE auth.organizations SET name = \(name), updated_at = now() WHERE id = \(id) AND deleted_at IS NULL", logger: logger)
    }

    /// The organisation's members, longest-standing first.
    func members(of id: UUID, _ page: PageRequest, logger: Logger) async throws -> Page<MemberView> {
        var binds = SQLBinds()
        let sql = """
            SELECT x.id, x.email, x.first_name, x.last_name, x.role, x.created_at, \(page.selectKey)
            FROM (SELECT m.user_id AS id, u.email, u.first_name, u.last_name, m.role, m.joined_at AS created_at
                  FROM auth.organization_members m JOIN auth.users u ON u.id = m.user_id
                  WHERE m.organization_id = \(binds.add(id))) x
            WHERE \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        var members: [(item: MemberView, key: String, id: UUID)] = []
        let rows = try await self.postgres.query(binds.query(sql), logger: logger)
        for try await row in rows.decode((UUID, String, String?, String?, String, Date, String).self) {
            guard let role = OrganizationRole(rawValue: row.4) else { continue }
            members.append(
                (
                    MemberView(userId: row.0.uuidString.lowercased(), email: row.1, firstName: row.2, lastName: row.3, role: role, joinedAt: row.5),
                    row.6, row.0
                ))
        }
        return page.page(members)
    }

    /// A member's role, locked until the transaction ends; nil when they are not a member.
    static func role(of userID: UUID, in id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> OrganizationRole? {
        let rows = try await connection.query(
            "SELECT role FROM auth.organization_members WHERE organization_id = \(id) AND user_id = \(userID) FOR UPDATE", logger: logger)
        for try await role in rows.decode(String.self) { return OrganizationRole(rawValue: role) }
        return nil
    }

    static func setRole(_ role: OrganizationRole, of userID: UUID, in id: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE auth.organization_members SET role = \(role.rawValue), updated_at = now()
            WHERE organization_id = \(id) AND user_id = \(userID)
            """,
            logger: logger
        )
    }

    /// Removes the membership and clears the organisation from the user's sessions, so their next
    /// refresh carries no `org` claim for it.
    static func removeMember(_ userID: UUID, from id: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "DELETE FROM auth.organization_members WHERE organization_id = \(id) AND user_id = \(userID)", logger: logger)
        try await connection.query(
            "UPDATE auth.sessions SET organization_id = NULL WHERE user_id = \(userID) AND organization_id = \(id)", logger: logger)
    }

    static func addMember(_ userID: UUID, to id: UUID, role: OrganizationRole, on connection: PostgresConnection, logger: Logger) async throws
        -> Bool
    {
        let rows = try await connection.query(
            """
            INSERT INTO auth.organization_members (organization_id, user_id, role) VALUES (\(id), \(userID), \(role.rawValue))
            ON CONFLICT (organization_id, user_id) DO NOTHING RETURNING user_id
            """,
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }
}
