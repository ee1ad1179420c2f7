import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// A signed-in user for the organisation tests.
struct OrgUser: Sendable {
    var email: String
    var id: String
    var access: String
    var refresh: String
}

extension AuthFixture {
    /// A verified user holding `role` (staff grant it by hand today), signed in.
    func orgUser(_ role: String = "sponsor", email: String? = nil) async throws -> OrgUser {
        let email = try await self.verifiedUser(email ?? "org.\(UUID().uuidString.prefix(8).lowercased())@example.com")
        try await self.sql("UPDATE auth.users SET account_role = '\(role)' WHERE email = '\(email)'")
        let signIn = try await self.signIn(email)
        let id = try #require(try await self.sql("SELECT id::text FROM auth.users WHERE email = '\(email)'").first)
        return OrgUser(
            email: email, id: id, access: try #require(signIn.string("access_token"), "\(signIn.text)"),
            refresh: try #require(signIn.string("refresh_token")))
    }

    /// Creates an organisation as `owner`; its id.
    func organization(_ owner: OrgUser, slug: String = "firm-\(UUID().uuidString.prefix(6).lowercased())") async throws -> String {
        let reply = try await self.client.post(
            "/v1/auth/organizations", #"{"slug":"\#(slug)","name":"Riverside Capital","kind":"sponsor_firm"}"#, token: owner.access)
        try #require(reply.status == 201, "\(reply.text)")
        return try #require(reply.string("id"))
    }

    /// Invites `email` with `role`; the token from the mail auth asked communications to send.
    func invite(_ email: String, as role: String, to organization: String, by inviter: OrgUser) async throws -> String {
        let reply = try await self.client.post(
            "/v1/auth/organizations/\(organization)/invitations", #"{"email":"\#(email)","role":"\#(role)"}"#, token: inviter.access)
        try #require(reply.status == 201, "\(reply.text)")
        let mail = try #require(try await self.lastMail(to: email))
        #expect(mail.template == "organization_invitation")
        return try #require(Self.token(in: mail.variables["link"]))
    }

    /// Adds `user` to the organisation with `role` through an accepted invitation.
    func join(_ user: OrgUser, as role: String, to organization: String, by inviter: OrgUser) async throws {
        let token = try await self.invite(user.email, as: role, to: organization, by: inviter)
        let accepted = try await self.client.post("/v1/auth/organization-invitations/accept", #"{"token":"\#(token)"}"#, token: user.access)
        try #require(accepted.status == 200, "\(accepted.text)")
    }

    func switchOrganization(_ organization: String, _ user: OrgUser) async throws -> JSONClient.Reply {
        try await self.client.post("/v1/auth/organizations/\(organization)/switch", "", token: user.access)
    }
}

extension JSONValue {
    /// The string this value holds, for reading replies and claims.
    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The elements of an array value.
    var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }
}

extension AuthFixture {
    /// The default settings but mail to one address not limited to one a minute: these tests sign a
    /// user up (a verification mail) and invite them (an invitation mail) within seconds.
    static var organizationSettings: AuthSettings {
        var limits = RateLimits()
        limits.emailSendsPerAddress = TokenBucket(50, per: .seconds(60))
        return AuthFixture.settings(limits: limits)
    }
}
