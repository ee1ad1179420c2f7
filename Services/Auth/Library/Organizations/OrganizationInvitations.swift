import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// A pending invitation as the organisation's admins see it (never its token).
struct InvitationView: Codable, Sendable, ResponseEncodable {
    var id: String
    var organizationId: String
    var email: String
    var role: OrganizationRole
    var expiresAt: Date
    var createdAt: Date
}

/// Invitations by email (`auth.organization_invitations`): single use, expiring after
/// `AuthSettings.invitationLifetime` by the service clock, accepted or declined only by the
/// account whose verified email they were sent to. Only the token's SHA-256 is stored, as for
/// `email_tokens` and magic links; the token itself travels only in the mail.
struct OrganizationInvitations: Sendable {
    let postgres: PostgresClient
    let lifetime: Duration
    let clock: ServiceClock
    let ids: IDGenerator

    /// Creates an invitation and returns it with its token. An earlier pending invitation of the
    /// same address is revoked, so sending again replaces it rather than leaving two live links.
    func create(
        organization: UUID, email: String, role: OrganizationRole, by inviter: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws -> (view: InvitationView, token: String) {
        let alreadyMember = try await connection.query(
            """
            SELECT 1 FROM auth.organization_members m JOIN auth.users u ON u.id = m.user_id
            WHERE m.organization_id = \(organization) AND u.email = \(email)
            """,
            logger: logger
        )
        for try await _ in alreadyMember { throw Problem.conflict("This address belongs to a member already.") }
        try await connection.query(
            """
            UPDATE auth.organization_invitations SET revoked_at = now()
            WHERE organization_id = \(organization) AND email = \(email) AND accepted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL
            """,
            logger: logger
        )
        let token = SecretToken.make()
        let id = self.ids.next()
        let expiresAt = self.clock.now.addingTimeInterval(Double(self.lifetime.components.seconds))
        let rows = try await connection.query(
            """
            INSERT INTO auth.organization_invitations (id, organization_id, email, role, token_hash, invited_by, expires_at)
            VALUES (\(id), \(organization), \(email), \(role.rawValue), \(SecretToken.hash(token)), \(inviter), \(expiresAt))
            RETURNING expires_at, created_at
            """,
            logger: logger
        )
        for try await (expires, created) in rows.decode((Date, Date).self) {
            let view = InvitationView(
                id: id.uuidString.lowercased(), organizationId: organization.uuidString.lowercased(), email: email, role: role, expiresAt: expires,
                createdAt: created)
            return (view, token)
        }
        throw Problem.conflict("The invitation could not be stored; try again.")
    }

    /// Pending invitations of an organisation, newest first.
    func pending(of organization: UUID, _ page: PageRequest, logger: Logger) async throws -> Page<InvitationView> {
        var binds = SQLBinds()
        let sql = """
            SELECT x.id, x.email, x.role, x.expires_at, x.created_at, \(page.selectKey)
            FROM auth.organization_invitations x
            WHERE x.organization_id = \(binds.add(organization)) AND x.accepted_at IS NULL AND x.declined_at IS NULL
              AND x.revoked_at IS NULL AND x.expires_at > \(binds.add(self.clock.now)) AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        var views: [(item: InvitationView, key: String, id: UUID)] = []
        let rows = try await self.postgres.query(binds.query(sql), logger: logger)
        for try await row in rows.decode((UUID, String, String, Date, Date, String).self) {
            guard let role = OrganizationRole(rawValue: row.2) else { continue }
            let view = InvitationView(
                id: row.0.uuidString.lowercased(), organizationId: organization.uuidString.lowercased(), email: row.1, role: role, expiresAt: row.3,
                createdAt: row.4)
            views.append((view, row.5, row.0))
        }
        return page.page(views)
    }

    /// Revokes a pending invitation of `organization`; false when there is none with that id.
    func revoke(_ id: UUID, of organization: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE auth.organization_invitations SET revoked_at = now()
            WHERE id = \(id) AND organization_id = \(organization) AND accepted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL
            RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    struct Answered: Sendable {
        var invitationID: UUID
        var organizationID: UUID
        var role: OrganizationRole
    }

    enum Answer: String, Sendable {
        case accept, decline
    }

    /// Spends the invitation `token` for the signed-in user whose verified email is `email`
    /// (compare-and-swap on the answer columns, so it is answered once). Each refusal says why:
    /// whoever holds the token already knows the invitation exists.
    func answer(_ answer: Answer, token: String, email: String, on connection: PostgresConnection, logger: Logger) async throws -> Answered {
        let rows = try await connection.query(
            """
            SELECT i.id, i.organization_id, i.role, i.email, i.expires_at, i.accepted_at IS NOT NULL OR i.declined_at IS NOT NULL,
                   i.revoked_at IS NOT NULL OR o.deleted_at IS NOT NULL
            FROM auth.organization_invitations i JOIN auth.organizations o ON o.id = i.organization_id
            WHERE i.token_hash = \(SecretToken.hash(token)) FOR UPDATE OF i
            """,
            logger: logger
        )
        var found: (UUID, UUID, String, String, Date, Bool, Bool)?
        for try await row in rows.decode((UUID, UUID, String, String, Date, Bool, Bool).self) { found = row }
        guard let (id, organization, storedRole, invited, expiresAt, answered, revoked) = found, let role = OrganizationRole(rawValue: storedRole)
        else { throw Problem.notFound("No invitation has this token.") }
        guard invited == email else {
            throw Problem.forbidden("This invitation was sent to another email address; sign in with that account to answer it.")
        }
        if answered { throw Problem(.gone, detail: "This invitation was already answered.") }
        if revoked { throw Problem(.gone, detail: "This invitation was withdrawn.") }
        if expiresAt <= self.clock.now { throw Problem(.gone, detail: "This invitation has expired; ask for a new one.") }
        let column = answer == .accept ? "accepted_at" : "declined_at"
        try await connection.query("UPDATE auth.organization_invitations SET \(unescaped: column) = now() WHERE id = \(id)", logger: logger)
        return Answered(invitationID: id, organizationID: organization, role: role)
    }
}
