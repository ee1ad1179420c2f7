import Foundation
import Models
import Testing

@testable import AuthService

/// The pure rules of who may do what inside an organisation (OrganizationRules).
@Suite struct OrganizationRulesTests {
    @Test(arguments: [
        ("abc", true), ("riverside-capital", true), ("a1-2b", true), (String(repeating: "a", count: 63), true),
        ("ab", false), (String(repeating: "a", count: 64), false), ("-abc", false), ("abc-", false), ("Abc", false),
        ("a_b", false), ("a b", false), ("ábc", false), ("", false),
    ])
    func slugsAreDNSLabels(slug: String, valid: Bool) {
        #expect(OrganizationRules.isValidSlug(slug) == valid)
    }

    @Test func onlyOwnersAndAdminsChangeRolesAndOnlyTheOwnerTouchesAdmins() {
        #expect(OrganizationRules.changeRole(actor: .owner, target: .member, to: .admin) == nil)
        #expect(OrganizationRules.changeRole(actor: .owner, target: .admin, to: .viewer) == nil)
        #expect(OrganizationRules.changeRole(actor: .admin, target: .member, to: .viewer) == nil)
        #expect(OrganizationRules.changeRole(actor: .admin, target: .viewer, to: .admin) != nil)
        #expect(OrganizationRules.changeRole(actor: .admin, target: .admin, to: .member) != nil)
        #expect(OrganizationRules.changeRole(actor: .member, target: .viewer, to: .member) != nil)
        #expect(OrganizationRules.changeRole(actor: .viewer, target: .viewer, to: .member) != nil)
        // The owner's seat moves only by transfer.
        guard case .conflict = OrganizationRules.changeRole(actor: .owner, target: .owner, to: .admin) else {
            Issue.record("the owner's own role changed")
            return
        }
        guard case .conflict = OrganizationRules.changeRole(actor: .owner, target: .member, to: .owner) else {
            Issue.record("a second owner was made")
            return
        }
    }

    @Test func anyoneButTheOwnerLeavesAndAdminsRemoveOnlyBelowThem() {
        #expect(OrganizationRules.remove(actor: .viewer, target: .viewer, isSelf: true) == nil)
        #expect(OrganizationRules.remove(actor: .admin, target: .admin, isSelf: true) == nil)
        #expect(OrganizationRules.remove(actor: .owner, target: .owner, isSelf: true) != nil)
        #expect(OrganizationRules.remove(actor: .admin, target: .member, isSelf: false) == nil)
        #expect(OrganizationRules.remove(actor: .admin, target: .admin, isSelf: false) != nil)
        #expect(OrganizationRules.remove(actor: .owner, target: .admin, isSelf: false) == nil)
        #expect(OrganizationRules.remove(actor: .member, target: .viewer, isSelf: false) != nil)
        #expect(OrganizationRules.remove(actor: .admin, target: .owner, isSelf: false) != nil)
    }

    @Test func invitationsAndTransfers() {
        #expect(OrganizationRules.invite(actor: .admin, role: .member) == nil)
        #expect(OrganizationRules.invite(actor: .admin, role: .admin) != nil)
        #expect(OrganizationRules.invite(actor: .owner, role: .admin) == nil)
        #expect(OrganizationRules.invite(actor: .owner, role: .owner) != nil)
        #expect(OrganizationRules.invite(actor: .member, role: .viewer) != nil)
        #expect(OrganizationRules.transfer(actor: .owner, isSelf: false) == nil)
        #expect(OrganizationRules.transfer(actor: .owner, isSelf: true) != nil)
        #expect(OrganizationRules.transfer(actor: .admin, isSelf: false) != nil)
    }

    @Test func editAndManageRights() {
        #expect(OrganizationRole.allCases.filter(\.canEdit) == [.owner, .admin, .member])
        #expect(OrganizationRole.allCases.filter(\.canManage) == [.owner, .admin])
    }
}
