import Foundation
import Models
import ServiceKit

/// Who may do what inside an organisation (pure; OrganizationRulesTests). The shape follows the
/// organisation models of Zitadel, Keycloak and GitHub that issue 16 names: one owner, admins who
/// run the membership, members who work on what the organisation owns, viewers who only read.
enum OrganizationRules {
    /// Slugs are lower-case letters, digits and inner hyphens, 3 to 63 characters: a DNS label
    /// (RFC 1035 §2.3.1), so a slug can become a tenant's subdomain (seed 003 §2).
    static func isValidSlug(_ slug: String) -> Bool {
        // ASCII first: a Character such as "a" + U+0301 must not pass for a letter here and then
        // fail the table's CHECK.
        slug.unicodeScalars.allSatisfy(\.isASCII) && slug.wholeMatch(of: /[a-z0-9][a-z0-9-]{1,61}[a-z0-9]/) != nil
    }

    /// Who may create an organisation: sponsors (sponsor firms raise money), developers (seed 000:
    /// developers list projects, and a development company is their organisation) and admins.
    /// Investors have no use for one: they invest as themselves.
    static let creatorRoles: [Role] = [.sponsor, .developer, .admin]

    enum Refusal: Error, Equatable {
        /// The caller's role does not allow it (403).
        case forbidden(String)
        /// Allowed in principle, not in this state (409).
        case conflict(String)

        var problem: Problem {
            switch self {
            case .forbidden(let detail): Problem.forbidden(detail)
            case .conflict(let detail): Problem.conflict(detail)
            }
        }
    }

    /// Changing a member's role. Owner and admin manage members; only the owner makes or unmakes
    /// admins; the owner's own role changes only by transferring ownership.
    static func changeRole(actor: OrganizationRole, target: OrganizationRole, to role: OrganizationRole) -> Refusal? {
        guard actor.canManage else { return .forbidden("Only the organisation's owner and admins change members' roles.") }
        if target == .owner || role == .owner {
            return .conflict("The owner's role changes only by POST /v1/auth/organizations/{id}/transfer-ownership.")
        }
        if (target == .admin || role == .admin) && actor != .owner {
            return .forbidden("Only the owner makes or changes admins.")
        }
        return nil
    }

    /// Removing a member, or leaving (`isSelf`). Anyone but the owner may leave; the owner must
    /// first hand the organisation to someone, so it is never left without one.
    static func remove(actor: OrganizationRole, target: OrganizationRole, isSelf: Bool) -> Refusal? {
        if isSelf {
            return actor == .owner ? .conflict("The owner cannot leave; transfer ownership to another member first.") : nil
        }
        guard actor.canManage else { return .forbidden("Only the organisation's owner and admins remove members.") }
        if target == .owner { return .forbidden("The owner cannot be removed.") }
        if target == .admin && actor != .owner { return .forbidden("Only the owner removes admins.") }
        return nil
    }

    /// Inviting someone with `role`: owner and admins invite; only the owner invites admins.
    static func invite(actor: OrganizationRole, role: OrganizationRole) -> Refusal? {
        guard actor.canManage else { return .forbidden("Only the organisation's owner and admins invite members.") }
        if role == .owner { return .conflict("An invitation cannot make an owner; transfer ownership to a member instead.") }
        if role == .admin && actor != .owner { return .forbidden("Only the owner invites admins.") }
        return nil
    }

    /// Handing the organisation to another member: the owner only; the old owner stays as an admin.
    static func transfer(actor: OrganizationRole, isSelf: Bool) -> Refusal? {
        guard actor == .owner else { return .forbidden("Only the owner transfers ownership.") }
        if isSelf { return .conflict("You already own this organisation.") }
        return nil
    }
}
