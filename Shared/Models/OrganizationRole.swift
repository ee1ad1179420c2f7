/// A member's role in an organisation (seed 002 §2.1 `organization_members.role`; issue 16). Access
/// tokens carry the active organisation's role in the `org_role` claim beside `org`.
public enum OrganizationRole: String, Codable, Sendable, CaseIterable {
    case owner
    case admin
    case member
    case viewer

    /// May change what the organisation owns (its listings, offerings): everyone but viewers.
    public var canEdit: Bool { self != .viewer }

    /// May manage the organisation itself: rename it, invite, change roles, remove members.
    public var canManage: Bool { self == .owner || self == .admin }
}
