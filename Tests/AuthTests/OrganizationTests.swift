import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Organisations (issue 16): who may create one, members and roles, invitations (expiry, single
/// use, the invited address only), the `org` claim and its switch, ownership transfer, and what
/// careless or hostile clients get.
@Suite struct OrganizationTests {
    @Test func sponsorsCreateOrganisationsMembersSeeThemOthersGet404() async throws {
        try await AuthFixture.run(settings: AuthFixture.organizationSettings) { auth in
            let owner = try await auth.orgUser("sponsor")
            let created = try await auth.client.post(
                "/v1/auth/organizations", #"{"slug":"riverside-capital","name":"Riverside Capital","kind":"sponsor_firm"}"#,
                token: owner.access)
            #expect(created.status == 201)
            let id = try #require(created.string("id"))
            #expect(created.headers.first(name: "Location") == "/v1/auth/organizations/\(id)")
            #expect(created.string("slug") == "riverside-capital")
            #expect(created.string("role") == "owner")
            #expect(created.string("kind") == "sponsor_firm")

            // Developers create development companies; investors have no use for one (403).
            let developer = try await auth.orgUser("developer")
            #expect(try await auth.organization(developer).isEmpty == false)
            let investor = try await auth.orgUser("investor")
            let refused = try await auth.client.post(
                "/v1/auth/organizations", #"{"slug":"my-family","name":"Family","kind":"sponsor_firm"}"#, token: investor.access)
            #expect(refused.status == 403)
            #expect(try await auth.count("SELECT count(*) FROM auth.organizations WHERE slug = 'my-family'") == 0)

            // A taken slug is named.
            let taken = try await auth.client.post(
                "/v1/auth/organizations", #"{"slug":"riverside-capital","name":"Other","kind":"sponsor_firm"}"#, token: developer.access)
            #expect(taken.status == 422)
            #expect(taken.text.contains(#""field":"slug""#))

            // Mine: only my organisations.
            let mine = try await auth.client.get("/v1/auth/organizations", token: owner.access)
            #expect(mine.status == 200)
            #expect(mine["data"]?.arrayValue?.count == 1)
            #expect(mine.text.contains(id))
            #expect(!(try await auth.client.get("/v1/auth/organizations", token: developer.access).text.contains(id)))

            // A non-member learns nothing: 404 on every route, as for an id that does not exist.
            for path in ["/v1/auth/organizations/\(id)", "/v1/auth/organizations/\(id)/members", "/v1/auth/organizations/\(id)/invitations"] {
                #expect(try await auth.client.get(path, token: developer.access).status == 404, "\(path)")
            }
            #expect(
                try await auth.client.send(.PATCH, "/v1/auth/organizations/\(id)", json: #"{"name":"Mine now"}"#, token: developer.access).status
                    == 404)
            #expect(try await auth.switchOrganization(id, developer).status == 404)

            // A viewer reads but may not rename; the owner renames.
            let viewer = try await auth.orgUser("investor")
            try await auth.join(viewer, as: "viewer", to: id, by: owner)
            #expect(try await auth.client.get("/v1/auth/organizations/\(id)", token: viewer.access).string("role") == "viewer")
            let rename = try await auth.client.send(.PATCH, "/v1/auth/organizations/\(id)", json: #"{"name":"Viewer's"}"#, token: viewer.access)
            #expect(rename.status == 403)
            let renamed = try await auth.client.send(
                .PATCH, "/v1/auth/organizations/\(id)", json: #"{"name":"Riverside Partners"}"#, token: owner.access)
            #expect(renamed.status == 200)
            #expect(renamed.string("name") == "Riverside Partners")

            let members = try await auth.client.get("/v1/auth/organizations/\(id)/members", token: viewer.access)
            #expect(members.status == 200)
            let roles = members["data"]?.arrayValue?.compactMap { $0["role"]?.stringValue }
            #expect(roles == ["owner", "viewer"])
        }
    }

    @Test func invitationsExpireAreSingleUseAndOnlyTheInvitedAddressAnswers() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(settings: AuthFixture.organizationSettings, clock: clock.clock) { auth in
            let owner = try await auth.orgUser("sponsor")
            let id = try await auth.organization(owner)
            let ann = try await auth.orgUser("investor")
            let bob = try await auth.orgUser("investor")

            // Only the hash of the token is stored.
            let token = try await auth.invite(ann.email, as: "member", to: id, by: owner)
            #expect(try await auth.count("SELECT count(*) FROM auth.organization_invitations WHERE token_hash = '\(token)'") == 0)
            #expect(try await auth.count("SELECT count(*) FROM auth.organization_invitations WHERE token_hash = '\(SecretToken.hash(token))'") == 1)

            // Someone else signed in cannot answer it.
            let stolen = try await auth.client.post("/v1/auth/organization-invitations/accept", #"{"token":"\#(token)"}"#, token: bob.access)
            #expect(stolen.status == 403)
            let accepted = try await auth.client.post("/v1/auth/organization-invitations/accept", #"{"token":"\#(token)"}"#, token: ann.access)
            #expect(accepted.status == 200)
            #expect(accepted.string("role") == "member")
            // Single use: the same link again is gone, and so is a decline of it.
            let again = try await auth.client.post("/v1/auth/organization-invitations/accept", #"{"token":"\#(token)"}"#, token: ann.access)
            #expect(again.status == 410)
            #expect(
                try await auth.client.post("/v1/auth/organization-invitations/decline", #"{"token":"\#(token)"}"#, token: ann.access).status == 410)
            #expect(try await auth.count("SELECT count(*) FROM auth.organization_members WHERE organization_id = '\(id)'") == 2)

            // Expiry: seven days by the service clock (ORGANIZATION_INVITATION_TTL_DAYS).
            let late = try await auth.invite(bob.email, as: "viewer", to: id, by: owner)
            clock.advance(steps: 7 * 86400 / 30 + 1)
            let expired = try await auth.client.post("/v1/auth/organization-invitations/accept", #"{"token":"\#(late)"}"#, token: bob.access)
            #expect(expired.status == 410)
            #expect(expired.text.contains("expired"))
            #expect(try await auth.client.get("/v1/auth/organizations/\(id)", token: bob.access).status == 404)

            // Declined and revoked invitations cannot be accepted either.
            let declinedToken = try await auth.invite(bob.email, as: "viewer", to: id, by: owner)
            #expect(
                try await auth.client.post("/v1/auth/organization-invitations/decline", #"{"token":"\#(declinedToken)"}"#, token: bob.access).status
                    == 204)
            #expect(
                try await auth.client.post("/v1/auth/organization-invitations/accept", #"{"token":"\#(declinedToken)"}"#, token: bob.access).status
                    == 410)
            let revokedToken = try await auth.invite(bob.email, as: "viewer", to: id, by: owner)
            let pending = try await auth.client.get("/v1/auth/organizations/\(id)/invitations", token: owner.access)
            let invitationID = try #require(pending["data"]?.arrayValue?.first?["id"]?.stringValue)
            #expect(pending["data"]?.arrayValue?.count == 1)
            // A member (not admin) may neither see nor withdraw invitations.
            #expect(try await auth.client.get("/v1/auth/organizations/\(id)/invitations", token: ann.access).status == 403)
            #expect(try await auth.client.send(.DELETE, "/v1/auth/organizations/\(id)/invitations/\(invitationID)", token: ann.access).status == 403)
            #expect(
                try await auth.client.send(.DELETE, "/v1/auth/organizations/\(id)/invitations/\(invitationID)", token: owner.access).status == 204)
            #expect(
                try await auth.client.post("/v1/auth/organization-invitations/accept", #"{"token":"\#(revokedToken)"}"#, token: bob.access).status
                    == 410)
            #expect(
                try await auth.client.post("/v1/auth/organization-invitations/accept", #"{"token":"not-a-token"}"#, token: bob.access).status == 404)

            // Members invite nobody; only the owner invites admins.
            let byMember = try await auth.client.post(
                "/v1/auth/organizations/\(id)/invitations", #"{"email":"x@example.com","role":"viewer"}"#, token: ann.access)
            #expect(byMember.status == 403)
        }
    }

    @Test func theOrgClaimSwitchesAndFollowsTheMembersCurrentRole() async throws {
        try await AuthFixture.run(settings: AuthFixture.organizationSettings) { auth in
            let owner = try await auth.orgUser("sponsor")
            let id = try await auth.organization(owner)
            let ann = try await auth.orgUser("investor")
            try await auth.join(ann, as: "member", to: id, by: owner)

            // No active organisation at sign-in.
            #expect(try claims(of: ann.access)["org"] == nil)
            let switched = try await auth.switchOrganization(id, ann)
            #expect(switched.status == 200)
            #expect(switched.headers.first(name: "Cache-Control") == "no-store")
            let token = try #require(switched.string("access_token"))
            #expect(try claims(of: token)["org"]?.stringValue == id)
            #expect(try claims(of: token)["org_role"]?.stringValue == "member")

            // A refresh keeps the organisation and reads the current role.
            #expect(
                try await auth.client.send(.PATCH, "/v1/auth/organizations/\(id)/members/\(ann.id)", json: #"{"role":"viewer"}"#, token: owner.access)
                    .status == 204)
            let refreshed = try await auth.refresh(ann.refresh)
            let afterChange = try #require(refreshed.string("access_token"))
            #expect(try claims(of: afterChange)["org"]?.stringValue == id)
            #expect(try claims(of: afterChange)["org_role"]?.stringValue == "viewer")

            // Removed: the next refresh carries no org claim.
            #expect(try await auth.client.send(.DELETE, "/v1/auth/organizations/\(id)/members/\(ann.id)", token: owner.access).status == 204)
            let nextRefresh = try #require(refreshed.string("refresh_token"))
            let removed = try #require(try await auth.refresh(nextRefresh).string("access_token"))
            #expect(try claims(of: removed)["org"] == nil)
            #expect(try claims(of: removed)["org_role"] == nil)
            #expect(try await auth.switchOrganization(id, OrgUser(email: ann.email, id: ann.id, access: removed, refresh: "")).status == 404)

            // "none" clears the owner's active organisation.
            let ownerIn = try #require(try await auth.switchOrganization(id, owner).string("access_token"))
            #expect(try claims(of: ownerIn)["org_role"]?.stringValue == "owner")
            let none = try #require(try await auth.switchOrganization("none", owner).string("access_token"))
            #expect(try claims(of: none)["org"] == nil)
            #expect(try await auth.switchOrganization("not-an-id", owner).status == 404)
        }
    }

    @Test func ownershipTransfersToAMemberAndTheOldOwnerBecomesAdmin() async throws {
        try await AuthFixture.run(settings: AuthFixture.organizationSettings) { auth in
            let owner = try await auth.orgUser("sponsor")
            let id = try await auth.organization(owner)
            let ann = try await auth.orgUser("investor")
            let bob = try await auth.orgUser("investor")
            let stranger = try await auth.orgUser("sponsor")
            try await auth.join(ann, as: "admin", to: id, by: owner)
            try await auth.join(bob, as: "member", to: id, by: owner)
            let transfer = "/v1/auth/organizations/\(id)/transfer-ownership"

            // The owner cannot leave without handing over; admins cannot transfer or touch admins.
            #expect(try await auth.client.send(.DELETE, "/v1/auth/organizations/\(id)/members/\(owner.id)", token: owner.access).status == 409)
            #expect(try await auth.client.post(transfer, #"{"user_id":"\#(bob.id)"}"#, token: ann.access).status == 403)
            #expect(
                try await auth.client.send(.PATCH, "/v1/auth/organizations/\(id)/members/\(bob.id)", json: #"{"role":"admin"}"#, token: ann.access)
                    .status == 403)
            #expect(
                try await auth.client.send(.PATCH, "/v1/auth/organizations/\(id)/members/\(owner.id)", json: #"{"role":"viewer"}"#, token: ann.access)
                    .status == 409)
            // Only to a member.
            let outside = try await auth.client.post(transfer, #"{"user_id":"\#(stranger.id)"}"#, token: owner.access)
            #expect(outside.status == 422)
            #expect(outside.text.contains(#""field":"user_id""#))

            #expect(try await auth.client.post(transfer, #"{"user_id":"\#(bob.id)"}"#, token: owner.access).status == 204)
            let roles = try await auth.sql(
                """
                SELECT u.email || '=' || m.role FROM auth.organization_members m JOIN auth.users u ON u.id = m.user_id
                WHERE m.organization_id = '\(id)' ORDER BY u.email
                """)
            #expect(Set(roles) == ["\(owner.email)=admin", "\(ann.email)=admin", "\(bob.email)=owner"])
            #expect(try await auth.count("SELECT count(*) FROM auth.organization_members WHERE organization_id = '\(id)' AND role = 'owner'") == 1)
            // Audited in the same transactions, without user ids, emails or names in the rows.
            let audited = try await auth.sql("SELECT action FROM auth.audit_log ORDER BY occurred_at, id")
            #expect(
                audited == [
                    "organization.created", "organization.invitation.created", "organization.invitation.accepted",
                    "organization.invitation.created", "organization.invitation.accepted", "organization.ownership.transferred",
                ])
            let transferred = try await auth.sql(
                "SELECT concat_ws('|', actor_kind, target_kind, before::text, after::text) FROM auth.audit_log WHERE action = 'organization.ownership.transferred'"
            )
            #expect(
                transferred == [
                    #"user|user|{"role": "member", "organization_id": "\#(id)"}|{"role": "owner", "organization_id": "\#(id)", "previous_owner_role": "admin"}"#
                ])
            for personal in [owner.id, bob.id, bob.email, owner.email] {
                #expect(try await auth.count("SELECT count(*) FROM auth.audit_log WHERE audit_log::text LIKE '%\(personal)%'") == 0)
            }

            // The old owner may now leave; the new owner may not; a member leaves by removing themselves.
            #expect(try await auth.client.send(.DELETE, "/v1/auth/organizations/\(id)/members/\(bob.id)", token: bob.access).status == 409)
            #expect(try await auth.client.send(.DELETE, "/v1/auth/organizations/\(id)/members/\(owner.id)", token: owner.access).status == 204)
            #expect(try await auth.client.get("/v1/auth/organizations/\(id)", token: owner.access).status == 404)

            // The database itself refuses an organisation with no owner or two. (The no-owner check
            // is deferred to commit; made immediate here, so this one statement reports it.)
            await #expect(throws: (any Error).self) {
                try await auth.sql(
                    """
                    DO $$ BEGIN SET CONSTRAINTS ALL IMMEDIATE;
                    UPDATE auth.organization_members SET role = 'admin' WHERE organization_id = '\(id)' AND role = 'owner'; END $$
                    """)
            }
            await #expect(throws: (any Error).self) {
                try await auth.sql("UPDATE auth.organization_members SET role = 'owner' WHERE organization_id = '\(id)' AND user_id = '\(ann.id)'")
            }
        }
    }

    @Test func hostileInputIsRefusedNamingTheFieldAndChangesNothing() async throws {
        try await AuthFixture.run(settings: AuthFixture.organizationSettings) { auth in
            let owner = try await auth.orgUser("sponsor")
            let id = try await auth.organization(owner)
            let long = String(repeating: "a", count: 10_000)
            let bodies: [(String, String)] = [
                (#"{"slug":"a\u0000b","name":"X","kind":"sponsor_firm"}"#, "slug"),
                (#"{"slug":"ok-slug","name":"X\u0000","kind":"sponsor_firm"}"#, "name"),
                (#"{"slug":12,"name":"X","kind":"sponsor_firm"}"#, "slug"),
                (#"{"slug":"ok-slug","name":1e400,"kind":"sponsor_firm"}"#, "name"),
                (#"{"slug":"ok-slug","name":"","kind":"sponsor_firm"}"#, "name"),
                (#"{"slug":"ok-slug","name":"\#(long)","kind":"sponsor_firm"}"#, "name"),
                (#"{"slug":"\#(long)","name":"X","kind":"sponsor_firm"}"#, "slug"),
                (#"{"slug":"Upper-Case","name":"X","kind":"sponsor_firm"}"#, "slug"),
                (#"{"slug":"-edge","name":"X","kind":"sponsor_firm"}"#, "slug"),
                (#"{"slug":"ok-slug","name":"X","kind":"bank"}"#, "kind"),
                (#"{"slug":"ok-slug","name":"X","kind":"sponsor_firm","owner":"me"}"#, "owner"),
                (#"{"slug":"ok-slug","name":"X"}"#, "kind"),
            ]
            for (body, field) in bodies {
                let reply = try await auth.client.post("/v1/auth/organizations", body, token: owner.access)
                #expect(reply.status == 422 || reply.status == 400, "\(body.prefix(80)): \(reply.status)")
                #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
                if reply.status == 422 { #expect(reply.text.contains(#""field":"\#(field)""#), "\(body.prefix(80)): \(reply.text)") }
            }
            #expect(try await auth.count("SELECT count(*) FROM auth.organizations") == 1)

            let invites: [(String, String)] = [
                (#"{"email":"a\u0000@example.com","role":"member"}"#, "email"),
                (#"{"email":"not-an-address","role":"member"}"#, "email"),
                (#"{"email":"x@example.com","role":"owner"}"#, "role"),
                (#"{"email":"x@example.com","role":7}"#, "role"),
                (#"{"email":"\#(long)@example.com","role":"member"}"#, "email"),
            ]
            for (body, field) in invites {
                let reply = try await auth.client.post("/v1/auth/organizations/\(id)/invitations", body, token: owner.access)
                #expect(reply.status == 422, "\(body.prefix(80)): \(reply.status)")
                #expect(reply.text.contains(#""field":"\#(field)""#), "\(body.prefix(80)): \(reply.text)")
            }
            #expect(try await auth.count("SELECT count(*) FROM auth.organization_invitations") == 0)
            let badRole = try await auth.client.send(
                .PATCH, "/v1/auth/organizations/\(id)/members/\(owner.id)", json: #"{"role":"emperor"}"#, token: owner.access)
            #expect(badRole.status == 422)
            #expect(
                try await auth.client.post("/v1/auth/organizations/\(id)/transfer-ownership", #"{"user_id":"nope"}"#, token: owner.access).status
                    == 422)
            #expect(try await auth.client.post("/v1/auth/organization-invitations/accept", #"{"token":""}"#, token: owner.access).status == 422)
            #expect(
                try await auth.client.post("/v1/auth/organization-invitations/accept", #"{"token":"\#(long)"}"#, token: owner.access).status == 422)
            #expect(try await auth.client.get("/v1/auth/organizations/\(id)/members?limit=1e400", token: owner.access).status == 422)
            // Service tokens act for nobody.
            let service = try await auth.serviceToken(.properties)
            #expect(try await auth.client.get("/v1/auth/organizations", token: service).status == 403)
            // No token: 401.
            #expect(try await auth.client.get("/v1/auth/organizations").status == 401)
            #expect(try await auth.sql("SELECT role FROM auth.organization_members") == ["owner"])
        }
    }
}
