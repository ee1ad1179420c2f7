import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The hats a user holds and the one they wear (seed 000 role logic, "UPDATE current_role if
/// specified"). Pure: the rows come from `HeldRoles`.
///
/// An access token's `roles` lists every hat held, the active one first. Services check roles with
/// `has(role:)`, so the order never takes an ability away; it tells the client which dashboard and
/// onboarding checklist to show (`roles[0]`).
enum RoleHats {
    /// Every hat `account` holds. Activity adds the hats seed 000 gives for it (an investment makes
    /// a sponsor an investor too); staff (`admin`) hats come from staff alone.
    static func held(account: AccountRole, investorActivity: Bool, developerActivity: Bool) -> [Role] {
        var roles = account.tokenRoles
        guard account != .admin else { return roles }
        if investorActivity, !roles.contains(.investor) { roles.append(.investor) }
        if developerActivity, !roles.contains(.developer) { roles.append(.developer) }
        return roles
    }

    /// `held` with `active` first when the user holds it; otherwise the account's own order.
    static func ordered(_ held: [Role], active: Role?) -> [Role] {
        guard let active, held.contains(active) else { return held }
        return [active] + held.filter { $0 != active }
    }

    /// Hats a user may choose as active: staff is not a hat one switches to.
    static let switchable: Set<Role> = [.investor, .developer, .sponsor]

    /// Issue 16 "Becoming a sponsor": who may apply. Any active account that is not already a
    /// sponsor or staff: seed 000 makes someone a developer only once they check a site, and a
    /// sponsor firm's principal may arrive straight at "list your project"; staff review is the gate.
    static func mayApplyForSponsor(_ account: AccountRole) -> Bool {
        account != .sponsor && account != .admin
    }
}

/// Reads the hats of one user for the access tokens auth signs (sign-in, refresh, MFA, step-up).
struct HeldRoles: Sendable {
    let postgres: PostgresClient

    /// Every hat the user holds, active first; empty for an account that no longer exists.
    func tokenRoles(of userID: UUID, logger: Logger) async throws -> [Role] {
        let rows = try await self.postgres.query(
            """
            SELECT account_role, has_investor_activity, has_developer_activity, active_role FROM auth.users
            WHERE id = \(userID) AND deleted_at IS NULL
            """,
            logger: logger
        )
        for try await (account, investor, developer, active) in rows.decode((String, Bool, Bool, String?).self) {
            return Self.roles(account: account, investorActivity: investor, developerActivity: developer, active: active)
        }
        return []
    }

    /// The token's roles from the user's columns (`account_role`, the two activity flags, `active_role`).
    static func roles(account: String, investorActivity: Bool, developerActivity: Bool, active: String?) -> [Role] {
        let held = RoleHats.held(
            account: AccountRole(rawValue: account) ?? .investor, investorActivity: investorActivity, developerActivity: developerActivity)
        return RoleHats.ordered(held, active: active.flatMap(Role.init(rawValue:)))
    }
}

extension AuthContext {
    var heldRoles: HeldRoles { HeldRoles(postgres: self.postgres) }
}
