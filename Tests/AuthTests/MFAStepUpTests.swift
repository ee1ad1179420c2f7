import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Step-up (RFC 9470) on auth's own account-security routes: a user with a second factor whose
/// session proved it more than 15 minutes ago is sent to `POST /v1/auth/mfa/step-up` first.
@Suite struct MFAStepUpTests {
    /// A token of `user`'s session whose second factor is `minutes` old (the session row is aged,
    /// then refreshed: a refresh carries `mfa_at` over unchanged).
    func staleToken(_ auth: AuthFixture, _ user: EnrolledUser, minutes: Int) async throws -> (access: String, refresh: String) {
        let ticket = try await auth.mfaTicket(user.email)
        let verified = try await auth.verifyMFA(ticket: ticket, #""recovery_code":"\#(user.recoveryCodes.last!)""#)
        try #require(verified.status == 200, "\(verified.text)")
        let access = try #require(verified.string("access_token"))
        let session = try #require(try claims(of: access)["sid"])
        guard case .string(let sid) = session else { throw ServiceTokenRefused(reply: "no sid") }
        try await auth.sql("UPDATE auth.sessions SET mfa_at = now() - interval '\(minutes) minutes' WHERE id = '\(sid)'")
        let refreshed = try await auth.refresh(try #require(verified.string("refresh_token")))
        return (try #require(refreshed.string("access_token")), try #require(refreshed.string("refresh_token")))
    }

    @Test func anOldSecondFactorIsAskedToStepUpBeforeAPasswordChange() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(clock: clock.clock) { auth in
            let user = try await auth.enrolledUser(clock: clock)
            let (stale, refresh) = try await self.staleToken(auth, user, minutes: 16)
            let change = #"{"current_password":"correct horse battery","new_password":"another fine passphrase"}"#
            let refused = try await auth.client.post("/v1/auth/me/password", change, token: stale)
            #expect(refused.status == 401, "\(refused.text)")
            #expect(refused.string("type") == "https://tract.dev/problems/step-up-required")
            #expect(
                refused.headers.first(name: "WWW-Authenticate")
                    == #"Bearer error="insufficient_user_authentication", error_description="A second factor proven in the last 15 minutes is required", acr_values="urn:tract:acr:mfa", max_age=900"#
            )
            #expect(refused["step_up"]?["endpoint"] == .string("/v1/auth/mfa/step-up"))
            #expect(refused["step_up"]?["max_age"] == .number(900))
            // Nothing changed.
            #expect(try await auth.signIn(user.email).status == 403)

            clock.advance(steps: 1)
            let stepped = try await auth.client.post("/v1/auth/mfa/step-up", #"{"code":"\#(user.code(step: clock.step))"}"#, token: stale)
            #expect(stepped.status == 200, "\(stepped.text)")
            #expect(stepped["refresh_token"] == nil)
            let fresh = try #require(stepped.string("access_token"))
            let freshClaims = try claims(of: fresh)
            #expect(freshClaims["sid"] == (try claims(of: stale))["sid"], "the same session")
            #expect(freshClaims["auth_time"] == (try claims(of: stale))["auth_time"])
            #expect(try await auth.client.post("/v1/auth/me/password", change, token: fresh).status == 204)

            // The session row took the new second factor: its refreshes carry it.
            let refreshed = try await auth.refresh(refresh)
            #expect(try claims(of: try #require(refreshed.string("access_token")))["mfa_at"] == freshClaims["mfa_at"])
        }
    }

    @Test func removingTheAuthenticatorNeedsStepUpAndEndsTheSecondStep() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(clock: clock.clock) { auth in
            let user = try await auth.enrolledUser(clock: clock)
            let (stale, _) = try await self.staleToken(auth, user, minutes: 20)
            let refused = try await auth.client.send(.DELETE, "/v1/auth/mfa/totp", token: stale)
            #expect(refused.status == 401 && refused.string("type") == "https://tract.dev/problems/step-up-required", "\(refused.text)")
            #expect(try await auth.client.post("/v1/auth/mfa/recovery-codes", "{}", token: stale).status == 401)
            #expect(try await auth.client.post("/v1/auth/mfa/totp", "{}", token: stale).status == 401)
            // A recent second factor (the confirmation's token is seconds old) may remove it.
            let removed = try await auth.client.send(.DELETE, "/v1/auth/mfa/totp", token: user.accessToken)
            #expect(removed.status == 204, "\(removed.text)")
            #expect(try await auth.client.send(.DELETE, "/v1/auth/mfa/totp", token: user.accessToken).status == 404)
            #expect(try await auth.count("SELECT count(*) FROM auth.recovery_codes") == 0)
            let signIn = try await auth.signIn(user.email)
            #expect(signIn.status == 200, "\(signIn.text)")
            #expect(try claims(of: try #require(signIn.string("access_token")))["mfa_enrolled"] == .bool(false))
        }
    }

    /// Linking and unlinking providers (part B's routes) are account-security changes too.
    @Test func unlinkingAProviderNeedsStepUp() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(clock: clock.clock) { auth in
            let user = try await auth.enrolledUser(clock: clock)
            let identity = UUID().uuidString.lowercased()
            try await auth.sql(
                """
                INSERT INTO auth.oauth_accounts (id, user_id, provider, provider_user_id, provider_email, provider_email_verified)
                SELECT '\(identity)', id, 'google', 'g-\(identity)', email, true FROM auth.users WHERE email = '\(user.email)'
                """)
            let (stale, _) = try await self.staleToken(auth, user, minutes: 30)
            let refused = try await auth.client.send(.DELETE, "/v1/auth/identities/\(identity)", token: stale)
            #expect(refused.status == 401 && refused.string("type") == "https://tract.dev/problems/step-up-required", "\(refused.text)")
            let linkRefused = try await auth.client.post("/v1/auth/oauth/links", #"{"link_ticket":"\#(SecretToken.make())"}"#, token: stale)
            #expect(linkRefused.status == 401 && linkRefused.string("type") == "https://tract.dev/problems/step-up-required")
            #expect(try await auth.count("SELECT count(*) FROM auth.oauth_accounts") == 1)
            let removed = try await auth.client.send(.DELETE, "/v1/auth/identities/\(identity)", token: user.accessToken)
            #expect(removed.status == 204, "\(removed.text)")
        }
    }

    @Test func stepUpNeedsTheUsersOwnFactorAndASession() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(clock: clock.clock) { auth in
            let user = try await auth.enrolledUser(clock: clock)
            let other = try await auth.enrolledUser(clock: clock)
            clock.advance(steps: 1)
            // Another user's valid code is not this user's.
            let foreign = try await auth.client.post("/v1/auth/mfa/step-up", #"{"code":"\#(other.code(step: clock.step))"}"#, token: user.accessToken)
            #expect(foreign.status == 400, "\(foreign.text)")
            let foreignRecovery = try await auth.client.post(
                "/v1/auth/mfa/step-up", #"{"recovery_code":"\#(other.recoveryCodes[0])"}"#, token: user.accessToken)
            #expect(foreignRecovery.status == 400)
            #expect(try await auth.client.post("/v1/auth/mfa/step-up", #"{"code":"\#(user.code(step: clock.step))"}"#).status == 401)
            let service = try await auth.client.post(
                "/v1/auth/mfa/step-up", #"{"code":"\#(user.code(step: clock.step))"}"#, token: try await auth.serviceToken(.investments))
            #expect(service.status == 403, "\(service.text)")
            #expect(try await auth.client.post("/v1/auth/mfa/step-up", "{}", token: user.accessToken).status == 422)
            // A signed-out session cannot step up.
            #expect(try await auth.client.post("/v1/auth/logout", "{}", token: user.accessToken).status == 204)
            let ended = try await auth.client.post("/v1/auth/mfa/step-up", #"{"code":"\#(user.code(step: clock.step))"}"#, token: user.accessToken)
            #expect(ended.status == 401, "\(ended.text)")
        }
    }
}
