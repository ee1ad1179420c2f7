import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import PropertiesService

/// Issue 16's first acceptance bullet in properties: a listing made while an organisation is active
/// belongs to it; its members act on it by their `org_role` claim — a viewer reads but cannot edit
/// (403), a member edits, a non-member gets 404 for the private prospect as anyone else does.
@Suite struct OrganizationListingTests {
    @Test func aViewerCannotEditTheOrganisationsListingAMemberCanANonMemberGets404() async throws {
        try await PropertiesFixture.run { fixture in
            let firm = UUID()
            let owner = try await fixture.issuer.token(roles: [.sponsor], organization: (firm, .owner))
            let created = try await fixture.client.post("/v1/properties", PropertyListingTests.elm, token: owner)
            #expect(created.status == 201)
            let id = try #require(created.string("id"))
            #expect(created.string("organization_id") == firm.uuidString.lowercased())
            #expect(created.string("status") == "prospect")

            // Neither the viewer nor the member holds the platform's sponsor role: the
            // organisation's role is the grant.
            let viewer = try await fixture.issuer.token(roles: [.investor], organization: (firm, .viewer))
            let member = try await fixture.issuer.token(roles: [.developer], organization: (firm, .member))
            let outsider = try await fixture.issuer.token(roles: [.sponsor], organization: (UUID(), .owner))
            let loneSponsor = try await fixture.token(.sponsor)

            // Read: every member of the organisation sees its private prospect; nobody else does.
            #expect(try await fixture.client.get("/v1/properties/\(id)", token: viewer).status == 200)
            #expect(try await fixture.client.get("/v1/properties/\(id)", token: member).status == 200)
            #expect(try await fixture.client.get("/v1/properties/\(id)", token: outsider).status == 404)
            #expect(try await fixture.client.get("/v1/properties/\(id)", token: loneSponsor).status == 404)

            let change = #"{"city": "Montgomery"}"#
            let refused = try await fixture.client.send(.PATCH, "/v1/properties/\(id)", json: change, token: viewer)
            #expect(refused.status == 403)
            #expect(refused.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(try await fixture.client.send(.PATCH, "/v1/properties/\(id)", json: change, token: outsider).status == 404)
            #expect(try await fixture.client.send(.DELETE, "/v1/properties/\(id)", token: viewer).status == 403)
            #expect(try await fixture.sql("SELECT city FROM properties.properties WHERE id = '\(id)'") == ["Prattville"])

            let edited = try await fixture.client.send(.PATCH, "/v1/properties/\(id)", json: change, token: member)
            #expect(edited.status == 200)
            #expect(edited.string("city") == "Montgomery")
            #expect(try await fixture.sql("SELECT city FROM properties.properties WHERE id = '\(id)'") == ["Montgomery"])

            // Lists follow the same rule: the viewer's search finds the organisation's prospect,
            // the outsider's does not.
            #expect(try await fixture.client.get("/v1/properties", token: viewer).text.contains(id))
            #expect(!(try await fixture.client.get("/v1/properties", token: outsider).text.contains(id)))
        }
    }

    @Test func aViewerWhoListsDoesNotGiveTheListingToTheOrganisation() async throws {
        try await PropertiesFixture.run { fixture in
            // A sponsor who only views an organisation lists as themselves: a listing they could
            // not edit once it belonged to the organisation would be no use to them.
            let viewer = try await fixture.issuer.token(roles: [.sponsor], organization: (UUID(), .viewer))
            let created = try await fixture.client.post("/v1/properties", PropertyListingTests.elm, token: viewer)
            #expect(created.status == 201)
            #expect(created.string("organization_id") == nil)
            let id = try #require(created.string("id"))
            #expect(try await fixture.client.send(.PATCH, "/v1/properties/\(id)", json: #"{"city": "Selma"}"#, token: viewer).status == 200)
        }
    }
}
