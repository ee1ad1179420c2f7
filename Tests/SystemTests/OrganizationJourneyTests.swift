import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

/// Issue 16's first acceptance bullet across real processes: a sponsor creates a firm, invites a
/// viewer and a member by email (auth's outbox → communications → SMTP → the sink), they accept
/// from the mailed link and switch to the firm; the firm's private listing is then readable but not
/// editable by the viewer (403), editable by the member, and a 404 for a non-member.
@Suite(.serialized) struct OrganizationJourneyTests {
    static let password = "an organisation passphrase"

    /// A verified, signed-in user; `role` as staff grant it by hand today.
    func user(_ suite: RunningSuite, _ email: String, role: String) async throws -> String {
        let signUp = try await SystemClient.send(
            .POST, "\(suite.auth)/v1/auth/signup", #"{"email":"\#(email)","password":"\#(Self.password)","source":"direct"}"#)
        try #require(signUp.status == 202, "\(signUp.text)")
        try await suite.sql("UPDATE auth.users SET email_verified_at = now(), account_role = '\(role)' WHERE email = '\(email)'")
        return try #require(try await SystemClient.signIn(suite, email, Self.password).string("access_token"))
    }

    func switchTo(_ suite: RunningSuite, _ organization: String, token: String) async throws -> String {
        let reply = try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/organizations/\(organization)/switch", token: token)
        try #require(reply.status == 200, "\(reply.text)")
        return try #require(reply.string("access_token"))
    }

    @Test func aViewerCannotEditTheFirmsListingAMemberCanANonMemberGets404() async throws {
        // Sign-up mail and invitation mail go to the same address a moment apart.
        try await RunningSuite.with([.auth, .communications, .properties], environment: ["RATE_LIMIT_EMAIL_PER_ADDRESS_SECONDS": "1"]) {
            suite in
            let tag = UUID().uuidString.prefix(6).lowercased()
            let ownerEmail = "owner.\(tag)@example.com"
            let viewerEmail = "viewer.\(tag)@example.com"
            let memberEmail = "member.\(tag)@example.com"
            let owner = try await self.user(suite, ownerEmail, role: "sponsor")
            var viewer = try await self.user(suite, viewerEmail, role: "investor")
            var member = try await self.user(suite, memberEmail, role: "developer")
            let outsider = try await self.user(suite, "outsider.\(tag)@example.com", role: "sponsor")

            let created = try await SystemClient.send(
                .POST, "\(suite.auth)/v1/auth/organizations", #"{"slug":"firm-\#(tag)","name":"Riverside Capital","kind":"sponsor_firm"}"#,
                token: owner)
            try #require(created.status == 201, "\(created.text)")
            let firm = try #require(created.string("id"))
            let ownerInFirm = try await self.switchTo(suite, firm, token: owner)

            // A listing made while the firm is active belongs to it.
            let listing = try await SystemClient.send(
                .POST, "\(suite.properties)/v1/properties",
                #"{"property_name":"Elm \#(tag)","property_type":"multi_family","address_line1":"200 Elm St","city":"Prattville","state":"AL","zip_code":"36067","total_units":24}"#,
                token: ownerInFirm)
            try #require(listing.status == 201, "\(listing.text)")
            let property = try #require(listing.string("id"))
            #expect(listing.string("organization_id") == firm)

            try await Task.sleep(for: .seconds(1.2))
            for (email, role) in [(viewerEmail, "viewer"), (memberEmail, "member")] {
                let invited = try await SystemClient.send(
                    .POST, "\(suite.auth)/v1/auth/organizations/\(firm)/invitations", #"{"email":"\#(email)","role":"\#(role)"}"#,
                    token: owner)
                try #require(invited.status == 201, "\(invited.text)")
            }
            for email in [viewerEmail, memberEmail] {
                let mail = try await suite.sink.waitForMessage(to: email, subjectPrefix: "You are invited", timeout: .seconds(30))
                #expect(mail.subject == "You are invited to join Riverside Capital on Tract")
                #expect(mail.text?.contains("https://app.tract.test/organization-invitations?token=") == true)
                let token = try #require(SystemClient.token(in: mail.text ?? ""))
                let signedIn = email == viewerEmail ? viewer : member
                let accepted = try await SystemClient.send(
                    .POST, "\(suite.auth)/v1/auth/organization-invitations/accept", #"{"token":"\#(token)"}"#, token: signedIn)
                #expect(accepted.status == 200, "\(accepted.text)")
            }
            viewer = try await self.switchTo(suite, firm, token: viewer)
            member = try await self.switchTo(suite, firm, token: member)

            let path = "\(suite.properties)/v1/properties/\(property)"
            #expect(try await SystemClient.send(.GET, path, token: viewer).status == 200)
            let refused = try await SystemClient.send(.PATCH, path, #"{"city":"Selma"}"#, token: viewer)
            #expect(refused.status == 403)
            let edited = try await SystemClient.send(.PATCH, path, #"{"city":"Montgomery"}"#, token: member)
            #expect(edited.status == 200, "\(edited.text)")
            #expect(edited.string("city") == "Montgomery")
            #expect(try await SystemClient.send(.GET, path, token: outsider).status == 404)
            #expect(try await SystemClient.send(.PATCH, path, #"{"city":"Selma"}"#, token: outsider).status == 404)
        }
    }
}
