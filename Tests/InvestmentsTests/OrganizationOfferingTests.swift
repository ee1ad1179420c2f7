import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

/// Issue 16 in investments: an offering opened while an organisation is active belongs to it, and
/// its members act on it by their `org_role` as on the organisation's listings in properties: a
/// viewer sees its draft but cannot change it (403), a member changes it, a non-member gets 404.
@Suite struct OrganizationOfferingTests {
    @Test func membersActOnTheOrganisationsOfferingByRole() async throws {
        try await InvestmentsFixture.run { fixture in
            let firm = UUID()
            let sponsor = UUID()
            let owner = try await fixture.issuer.token(subject: sponsor.uuidString.lowercased(), roles: [.sponsor], organization: (firm, .owner))
            let property = try await fixture.listProperty(sponsor: owner)
            let created = try await fixture.investments.post(
                "/v1/offerings", #"{"property_id": "\#(property)", "status": "draft", "requires_accreditation": false}"#, token: owner)
            try #require(created.status == 201, "\(created.text)")
            let id = try #require(created.string("id"))
            #expect(
                try await fixture.sql("SELECT organization_id::text FROM investments.offerings WHERE id = '\(id)'") == [firm.uuidString.lowercased()])

            let viewer = try await fixture.issuer.token(roles: [.investor], organization: (firm, .viewer))
            let member = try await fixture.issuer.token(roles: [.investor], organization: (firm, .member))
            let outsider = try await fixture.issuer.token(roles: [.sponsor], organization: (UUID(), .admin))

            // The draft: every member sees it, in the list too; nobody else does.
            #expect(try await fixture.investments.get("/v1/offerings/\(id)", token: viewer).status == 200)
            #expect(try await fixture.investments.get("/v1/offerings", token: viewer).text.contains(id))
            #expect(try await fixture.investments.get("/v1/offerings/\(id)", token: outsider).status == 404)
            #expect(!(try await fixture.investments.get("/v1/offerings", token: outsider).text.contains(id)))

            let change = #"{"name": "Elm Fund I"}"#
            let refused = try await fixture.investments.send(.PATCH, "/v1/offerings/\(id)", json: change, token: viewer)
            #expect(refused.status == 403)
            #expect(refused.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(try await fixture.investments.send(.PATCH, "/v1/offerings/\(id)", json: change, token: outsider).status == 404)
            let changed = try await fixture.investments.send(.PATCH, "/v1/offerings/\(id)", json: change, token: member)
            #expect(changed.status == 200, "\(changed.text)")
            #expect(try await fixture.sql("SELECT name FROM investments.offerings WHERE id = '\(id)'") == ["Elm Fund I"])
        }
    }
}
