import Foundation
import Models
import ServiceKit

/// Who may see and change which properties (pure, unit-tested). Admins see and change everything;
/// a sponsor changes the properties they listed; members of the listing's organisation (the active
/// `org` of their token) see all its listings, and change them when their `org_role` may edit
/// (owner, admin, member; not viewer); signed-in users see published properties open to investors;
/// anyone sees published public ones.
///
/// The organisation's role is the grant, not the platform's sponsor role: a sponsor firm's owner
/// invites its staff, and each of them needing the sponsor role besides would make staff approve
/// every employee of a firm they already approved (issue 16). Listing a new property still needs
/// the sponsor role (`requireCanCreate`): that is the vetting of who may raise money at all.
struct PropertyAccess: Sendable {
    let identity: Identity?

    var isAdmin: Bool { self.identity?.has(role: .admin) == true }
    var isSponsor: Bool { self.identity?.has(role: .sponsor) == true }
    var userID: UUID? { self.identity?.userID }

    func canRead(_ property: Property) -> Bool {
        if self.canEdit(property) || self.isMember(of: property) { return true }
        guard property.status != .prospect else { return false }
        switch property.visibility {
        case .public: return true
        case .investors: return self.identity != nil
        case .private: return false
        }
    }

    func canEdit(_ property: Property) -> Bool {
        if self.isAdmin { return true }
        if self.isMember(of: property, { $0.canEdit }) { return true }
        guard self.isSponsor, let userID = self.userID else { return false }
        return property.sponsorId == userID
    }

    /// The caller's active organisation owns the listing and their role there allows `allows`.
    func isMember(of property: Property, _ allows: (OrganizationRole) -> Bool = { _ in true }) -> Bool {
        guard let identity = self.identity, identity.userID != nil else { return false }
        return identity.acts(in: property.organizationId.flatMap(UUID.init(uuidString:)), allows)
    }

    /// The caller who may list a new property; 403 for callers who may not.
    func requireCanCreate() throws -> Identity {
        // The route is on the authenticated collection: a caller without a token got its 401.
        guard let identity = self.identity, self.isAdmin || self.isSponsor, self.userID != nil else {
            throw Problem.forbidden("Only sponsors and admins list properties.")
        }
        return identity
    }

    /// The same rule as `canRead`, as a SQL condition on the listing row `x` for lists; binds go through `binds`.
    func readableCondition(_ binds: inout SQLBinds) -> String {
        if self.isAdmin { return "true" }
        var published = "(x.status <> 'prospect' AND x.visibility = 'public')"
        if self.identity != nil {
            published = "(x.status <> 'prospect' AND x.visibility IN ('public', 'investors'))"
        }
        var own: [String] = []
        if self.isSponsor, let userID = self.userID { own.append("x.sponsor_id = \(binds.add(userID))") }
        if let identity = self.identity, identity.userID != nil, identity.organizationRole != nil,
            let organization = identity.organizationID.flatMap(UUID.init(uuidString:))
        {
            // The column is text (0003): the lowercase id the `org` claim carries.
            own.append("x.organization_id = \(binds.add(organization.uuidString.lowercased()))")
        }
        return own.isEmpty ? published : "(\(published) OR \(own.joined(separator: " OR ")))"
    }
}
