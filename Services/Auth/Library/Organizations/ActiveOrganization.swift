import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The organisation a session acts in (`auth.sessions.organization_id`) with the member's role
/// there: the `org` and `org_role` claims of the session's access tokens.
struct ActiveOrganization: Sendable, Equatable {
    var id: UUID
    var role: OrganizationRole

    /// The session's active organisation as the membership stands now: a member whose role
    /// changed gets the new role at the next refresh; one who left or was removed (or whose
    /// organisation was deleted) gets no `org` claim.
    static func of(session sessionID: UUID, postgres: PostgresClient, logger: Logger) async throws -> ActiveOrganization? {
        let rows = try await postgres.query(
            """
            SELECT m.organization_id, m.role FROM auth.sessions s
            JOIN auth.organization_members m ON m.organization_id = s.organization_id AND m.user_id = s.user_id
            JOIN auth.organizations o ON o.id = m.organization_id AND o.deleted_at IS NULL
            WHERE s.id = \(sessionID)
            """,
            logger: logger
        )
        for try await (id, role) in rows.decode((UUID, String).self) {
            return OrganizationRole(rawValue: role).map { ActiveOrganization(id: id, role: $0) }
        }
        return nil
    }

    enum Switch: Sendable {
        case switched(ActiveOrganization?, Sessions.Proof)
        case notAMember
        case sessionEnded
    }

    /// Makes `organization` (nil: none) the session's active one, if the user is a member of it,
    /// in one statement: the membership check and the write cannot be split by a removal.
    static func switchTo(
        _ organization: UUID?, session sessionID: UUID, userID: UUID, postgres: PostgresClient, logger: Logger
    ) async throws -> Switch {
        let rows = try await postgres.query(
            """
            WITH membership AS (
                SELECT m.organization_id, m.role FROM auth.organization_members m
                JOIN auth.organizations o ON o.id = m.organization_id AND o.deleted_at IS NULL
                WHERE m.organization_id = \(organization) AND m.user_id = \(userID)
            ), switched AS (
                UPDATE auth.sessions SET organization_id = \(organization), last_active_at = now()
                WHERE id = \(sessionID) AND user_id = \(userID) AND revoked_at IS NULL AND expires_at > now()
                  AND (\(organization)::uuid IS NULL OR EXISTS (SELECT 1 FROM membership))
                RETURNING amr, created_at, mfa_at
            )
            SELECT s.amr, s.created_at, s.mfa_at, (SELECT role FROM membership),
                   EXISTS (SELECT 1 FROM auth.sessions WHERE id = \(sessionID) AND user_id = \(userID)
                           AND revoked_at IS NULL AND expires_at > now())
            FROM (SELECT 1) AS one LEFT JOIN switched s ON true
            """,
            logger: logger
        )
        for try await (amr, createdAt, mfaAt, role, live) in rows.decode(([String]?, Date?, Date?, String?, Bool).self) {
            guard live else { return .sessionEnded }
            guard let amr, let createdAt else { return .notAMember }
            let proof = Sessions.Proof(amr: amr, authTime: createdAt, mfaAt: mfaAt)
            guard let organization else { return .switched(nil, proof) }
            guard let role = role.flatMap(OrganizationRole.init(rawValue:)) else { return .notAMember }
            return .switched(ActiveOrganization(id: organization, role: role), proof)
        }
        return .sessionEnded
    }
}
