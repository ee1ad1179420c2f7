import AuthService
import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import AuthService

/// Seed 000's role logic, driven by events from properties and investments.
@Suite struct RoleEventTests {
    @Test(arguments: [
        (AccountRole.investor, false, true, AccountRole.developer),
        (.investor, true, false, .investor),
        (.developer, true, true, .both),
        (.investor, true, true, .both),
        (.both, true, true, .both),
        (.admin, true, true, .admin),
        (.sponsor, false, true, .sponsor),
    ])
    func rolesFollowActivity(current: AccountRole, investor: Bool, developer: Bool, expected: AccountRole) {
        #expect(RoleRules.role(current: current, investorActivity: investor, developerActivity: developer) == expected)
    }

    @Test func eventsSwitchTheRoleOnceAndTokensFollow() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let userID = try #require(try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(email)'").first)
            // Each event comes from the service that publishes its type, with that service's token.
            func deliver(_ type: String, id: String, from source: ServiceName = .properties) async throws -> String {
                let envelope =
                    #"{"id":"\#(id)","type":"\#(type)","source":"\#(source.rawValue)","occurred_at":"2026-11-22T12:00:00Z","payload":{"user_id":"\#(userID)"}}"#
                let reply = try await auth.client.post("/internal/events", envelope, token: try await auth.serviceToken(source))
                #expect(reply.status == 200)
                return reply.string("outcome") ?? ""
            }

            let ozCheck = "0190c1a0-0000-7000-8000-00000000000a"
            #expect(try await deliver("oz_check.completed", id: ozCheck) == "applied")
            #expect(try await deliver("oz_check.completed", id: ozCheck) == "duplicate")
            #expect(try await auth.sql("SELECT account_role FROM auth.users WHERE id = '\(userID)'") == ["developer"])
            #expect(try await deliver("investor_profile.created", id: "0190c1a0-0000-7000-8000-00000000000b", from: .investments) == "applied")
            #expect(try await auth.sql("SELECT account_role FROM auth.users WHERE id = '\(userID)'") == ["both"])
            #expect(try await auth.count("SELECT count(*) FROM auth.outbox WHERE event_type = 'user.role_changed'") == 2)

            // A fresh sign-in carries both roles.
            let token = try #require(try await auth.signIn(email).string("access_token"))
            #expect(try await auth.client.get("/v1/auth/me", token: token).string("current_role") == "both")
            // User tokens may not deliver events.
            let envelope =
                #"{"id":"0190c1a0-0000-7000-8000-00000000000c","type":"oz_check.completed","source":"x","occurred_at":"2026-11-22T12:00:00Z","payload":{"user_id":"\#(userID)"}}"#
            #expect(try await auth.client.post("/internal/events", envelope, token: token).status == 403)
        }
    }
}
