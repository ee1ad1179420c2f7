import Foundation
import Models
import ServiceKit
import TestSupport
import Testing

/// A signed-in account of the staff tests: its email, id, access and refresh tokens.
struct SignedInAccount: Sendable {
    var email: String
    var id: String
    var access: String
    var refresh: String
}

extension AuthFixture {
    /// A verified account, signed in. `role` is set by SQL first: the demo's admin is seeded that
    /// way too (staff are not made through the API).
    func signedIn(role: String? = nil, email: String? = nil) async throws -> SignedInAccount {
        let email = if let email { try await self.verifiedUser(email) } else { try await self.verifiedUser() }
        if let role { try await self.sql("UPDATE auth.users SET account_role = '\(role)' WHERE email = '\(email)'") }
        let id = try #require(try await self.sql("SELECT id::text FROM auth.users WHERE email = '\(email)'").first)
        let reply = try await self.signIn(email)
        let access = try #require(reply.string("access_token"))
        let refresh = try #require(reply.string("refresh_token"))
        return SignedInAccount(email: email, id: id, access: access, refresh: refresh)
    }

    /// Delivers one activity event (seed 000's role logic) as the service that publishes it.
    func deliverActivity(_ type: String, userID: String, from source: ServiceName) async throws {
        let envelope =
            #"{"id":"\#(UUID().uuidString.lowercased())","type":"\#(type)","source":"\#(source.rawValue)","occurred_at":"2026-11-22T12:00:00Z","payload":{"user_id":"\#(userID)"}}"#
        let reply = try await self.client.post("/internal/events", envelope, token: try await self.serviceToken(source))
        #expect(reply.status == 200, "\(reply.text)")
    }

    /// The roles of the access token a refresh now gives, in order; and the new refresh token.
    func rolesAfterRefresh(_ account: inout SignedInAccount) async throws -> [String] {
        let reply = try await self.refresh(account.refresh)
        #expect(reply.status == 200, "\(reply.text)")
        let access = try #require(reply.string("access_token"))
        account.access = access
        account.refresh = try #require(reply.string("refresh_token"))
        return try Self.roles(of: access)
    }

    static func roles(of token: String) throws -> [String] {
        guard case .array(let roles)? = try claims(of: token)["roles"] else { return [] }
        return roles.compactMap { if case .string(let role) = $0 { role } else { nil } }
    }
}

/// A valid sponsor application body.
func sponsorApplication(legalName: String = "Riverside Development LLC", taxID: String = "12-3456789") -> String {
    """
    {"legal_name":"\(legalName)","website":"https://riverside.example","tax_id":"\(taxID)","title":"Managing partner",
     "description":"Ground-up multifamily in opportunity zones.","project_count":3,"markets":["Detroit, MI","Cleveland, OH"]}
    """
}
