import Foundation
import Models
import ServiceKit

/// Who may see and change which properties (pure, unit-tested). Admins see and change everything;
/// a sponsor changes the properties they listed and those of their organisation; signed-in users
/// see published properties open to investors; anyone sees published public ones.
struct PropertyAccess: Sendable {
    let identity: Identity?

    var isAdmin: Bool { self.identity?.has(role: .admin) == true }
    var isSponsor: Bool { self.identity?.has(role: .sponsor) == true }
    var userID: UUID? { self.identity?.userID }

    func canRead(_ property: Property) -> Bool {
        if self.canEdit(property) { return true }
        guard property.status != .prospect else { return false }
        switch property.visibility {
        case .public: return true
        case .investors: return self.identity != nil
        case .private: return false
        }
    }

    func canEdit(_ property: Property) -> Bool {
        if self.isAdmin { return true }
        guard self.isSponsor, let userID = self.userID else { return false }
        if property.sponsorId == userID { return true }
        if let organization = self.identity?.organizationID, property.organizationId == organization { return true }
        return false
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
        guard self.isSponsor, let userID = self.userID else { return published }
        var own = "x.sponsor_id = \(binds.add(userID))"
        if let organization = self.identity?.organizationID {
            own += " OR x.organization_id = \(binds.add(organization))"
        }
        return "(\(published) OR \(own))"
    }
}
