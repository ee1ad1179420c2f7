import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Every organisation operation, exercised against the running service with good and bad input,
/// answers as auth's OpenAPI document (`OpenAPI/organizations.json`) says, and every one is exercised.
@Suite struct OrganizationOpenAPITests {
    @Test func theOrganizationsDocumentIsTrueOfTheRunningService() async throws {
        try await AuthFixture.run(settings: AuthFixture.organizationSettings) { auth in
            let document = try await auth.client.get("/openapi.json").json
            var exercised: Set<String> = []
            func call(_ method: HTTPMethod, _ path: String, _ template: String, json: String? = nil, token: String? = nil) async throws
                -> JSONClient.Reply
            {
                let reply = try await auth.client.send(method, path, json: json, token: token)
                let found = OpenAPIConformance.problems(
                    in: document, method: method.rawValue, path: template, status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text)
                #expect(found.isEmpty, "\(method) \(path): \(found)")
                exercised.insert("\(method.rawValue) \(template)")
                return reply
            }

            let owner = try await auth.orgUser("sponsor")
            let viewer = try await auth.orgUser("investor")
            let base = "/v1/auth/organizations"
            _ = try await call(.POST, base, base, json: #"{"slug":"x","name":"","kind":"bank"}"#, token: owner.access)
            _ = try await call(.POST, base, base, json: #"{"slug":"ok-firm","name":"OK"}"#)
            let created = try await call(.POST, base, base, json: #"{"slug":"ok-firm","name":"OK Firm","kind":"sponsor_firm"}"#, token: owner.access)
            let id = try #require(created.string("id"))
            _ = try await call(.GET, base, base, token: owner.access)

            let one = "\(base)/{id}"
            _ = try await call(.GET, "\(base)/\(id)", one, token: owner.access)
            _ = try await call(.GET, "\(base)/\(id)", one, token: viewer.access)
            _ = try await call(.PATCH, "\(base)/\(id)", one, json: #"{"name":"OK Partners"}"#, token: owner.access)
            _ = try await call(.PATCH, "\(base)/\(id)", one, json: #"{"name":7}"#, token: owner.access)

            let invitations = "\(base)/{id}/invitations"
            let invited = try await call(
                .POST, "\(base)/\(id)/invitations", invitations, json: #"{"email":"\#(viewer.email)","role":"viewer"}"#, token: owner.access)
            _ = try await call(.POST, "\(base)/\(id)/invitations", invitations, json: #"{"email":"nope","role":"viewer"}"#, token: owner.access)
            _ = try await call(.GET, "\(base)/\(id)/invitations", invitations, token: owner.access)
            let invitationID = try #require(invited.string("id"))
            let revoke = "\(base)/{id}/invitations/{invitation_id}"
            _ = try await call(.DELETE, "\(base)/\(id)/invitations/\(invitationID)", revoke, token: owner.access)
            _ = try await call(.DELETE, "\(base)/\(id)/invitations/\(invitationID)", revoke, token: owner.access)

            let accept = "/v1/auth/organization-invitations/accept"
            let decline = "/v1/auth/organization-invitations/decline"
            let declined = try await auth.invite(viewer.email, as: "viewer", to: id, by: owner)
            _ = try await call(.POST, decline, decline, json: #"{"token":"\#(declined)"}"#, token: viewer.access)
            _ = try await call(.POST, decline, decline, json: #"{"token":"\#(declined)"}"#, token: viewer.access)
            let token = try await auth.invite(viewer.email, as: "viewer", to: id, by: owner)
            _ = try await call(.POST, accept, accept, json: #"{"token":"\#(token)"}"#, token: owner.access)
            _ = try await call(.POST, accept, accept, json: #"{"token":"\#(token)"}"#, token: viewer.access)
            _ = try await call(.POST, accept, accept, json: #"{"token":"\#(token)"}"#, token: viewer.access)
            _ = try await call(.POST, accept, accept, json: #"{}"#, token: viewer.access)

            let members = "\(base)/{id}/members"
            _ = try await call(.GET, "\(base)/\(id)/members", members, token: viewer.access)
            let member = "\(base)/{id}/members/{user_id}"
            _ = try await call(.PATCH, "\(base)/\(id)/members/\(viewer.id)", member, json: #"{"role":"member"}"#, token: viewer.access)
            _ = try await call(.PATCH, "\(base)/\(id)/members/\(viewer.id)", member, json: #"{"role":"member"}"#, token: owner.access)
            _ = try await call(.PATCH, "\(base)/\(id)/members/\(owner.id)", member, json: #"{"role":"viewer"}"#, token: owner.access)

            let switchTemplate = "\(base)/{id}/switch"
            _ = try await call(.POST, "\(base)/\(id)/switch", switchTemplate, token: viewer.access)
            _ = try await call(.POST, "\(base)/none/switch", switchTemplate, token: viewer.access)
            _ = try await call(.POST, "\(base)/\(UUID())/switch", switchTemplate, token: viewer.access)

            let transfer = "\(base)/{id}/transfer-ownership"
            _ = try await call(.POST, "\(base)/\(id)/transfer-ownership", transfer, json: #"{"user_id":"\#(viewer.id)"}"#, token: viewer.access)
            _ = try await call(.POST, "\(base)/\(id)/transfer-ownership", transfer, json: #"{"user_id":"\#(viewer.id)"}"#, token: owner.access)
            _ = try await call(.DELETE, "\(base)/\(id)/members/\(viewer.id)", member, token: viewer.access)
            _ = try await call(.DELETE, "\(base)/\(id)/members/\(owner.id)", member, token: owner.access)
            _ = try await call(.DELETE, "\(base)/\(id)/members/\(owner.id)", member, token: owner.access)

            var documented: Set<String> = []
            if case .object(let paths)? = document["paths"] {
                for (path, item) in paths where path.hasPrefix("/v1/auth/organization") {
                    if case .object(let operations) = item {
                        for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
                    }
                }
            }
            #expect(documented == exercised, "documented but not exercised: \(documented.subtracting(exercised).sorted())")
        }
    }
}
