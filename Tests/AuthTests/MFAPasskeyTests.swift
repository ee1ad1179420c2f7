import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Passkeys as the second factor (issue 15: "passkeys count as a second factor"), driven by
/// soft-webauthn: a password sign-in of a user with a passkey needs the passkey as its second step;
/// step-up takes a passkey; adding and removing passkeys needs step-up.
@Suite(.enabled(if: SoftPasskey.isConfigured, "needs soft-webauthn: set TRACT_PYTHON")) struct MFAPasskeyTests {
    @Test func aPasskeyIsTheSecondStepOfAPasswordSignInAndStepsUp() async throws {
        try await AuthFixture.run { auth in
            let device = SoftPasskey()
            defer { device.remove() }
            let email = try await auth.verifiedUser()
            // The first passkey of a user without a second factor needs no step-up.
            let registered = try await auth.registerPasskey(device, token: try await auth.accessToken(email))
            #expect(registered.status == 201, "\(registered.text)")

            let first = try await auth.signIn(email)
            #expect(first.status == 403 && first.string("type") == "https://tract.dev/problems/mfa-required", "\(first.text)")
            #expect(first["methods"] == .array([.string("passkey")]))
            let ticket = try #require(first.string("mfa_token"))
            let options = try await auth.client.post("/v1/auth/mfa/verify/passkey-options", #"{"mfa_token":"\#(ticket)"}"#)
            #expect(options.status == 200, "\(options.text)")
            let assertion = try device.get(options["public_key"])
            let verified = try await auth.client.post("/v1/auth/mfa/verify", #"{"mfa_token":"\#(ticket)","passkey":\#(assertion)}"#)
            #expect(verified.status == 200, "\(verified.text)")
            let access = try #require(verified.string("access_token"))
            let proven = try claims(of: access)
            #expect(proven["amr"] == .array([.string("pwd"), .string("hwk"), .string("user"), .string("mfa")]))
            #expect(proven["acr"] == .string("urn:tract:acr:mfa"))
            #expect(proven["mfa_enrolled"] == .bool(true))

            // A discoverable passkey sign-in is itself two factors: no ticket.
            let direct = try await auth.passkeySignIn(device)
            #expect(direct.status == 200, "\(direct.text)")
            #expect(try claims(of: try #require(direct.string("access_token")))["acr"] == .string("urn:tract:acr:mfa"))

            // Step-up with the passkey: options bound to step-up and this user.
            let stepOptions = try await auth.client.post("/v1/auth/mfa/step-up/passkey-options", "", token: access)
            #expect(stepOptions.status == 200, "\(stepOptions.text)")
            let stepped = try await auth.client.post(
                "/v1/auth/mfa/step-up", #"{"passkey":\#(try device.get(stepOptions["public_key"]))}"#, token: access)
            #expect(stepped.status == 200, "\(stepped.text)")

            // A challenge issued for another ceremony (discoverable sign-in) does not step up.
            let signInOptions = try await auth.client.post("/v1/auth/passkeys/authentication/options", "{}")
            let crossed = try await auth.client.post(
                "/v1/auth/mfa/step-up", #"{"passkey":\#(try device.get(signInOptions["public_key"]))}"#, token: access)
            #expect(crossed.status == 400 && crossed.string("type") == "https://tract.dev/problems/invalid-challenge", "\(crossed.text)")
        }
    }

    @Test func addingAndRemovingPasskeysNeedsStepUp() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(clock: clock.clock) { auth in
            let user = try await auth.enrolledUser(clock: clock)
            let device = SoftPasskey()
            defer { device.remove() }
            // Fresh (the confirmation just proved the authenticator): a passkey may be added.
            let added = try await auth.registerPasskey(device, token: user.accessToken)
            #expect(added.status == 201, "\(added.text)")
            let passkeyID = try #require(added.string("id"))

            // An old second factor: adding another or removing this one is refused.
            let ticket = try await auth.mfaTicket(user.email)
            let verified = try await auth.verifyMFA(ticket: ticket, #""recovery_code":"\#(user.recoveryCodes[0])""#)
            try await auth.sql("UPDATE auth.sessions SET mfa_at = now() - interval '16 minutes'")
            let refreshToken = try #require(verified.string("refresh_token"))
            let stale = try #require(try await auth.refresh(refreshToken).string("access_token"))
            let options = try await auth.client.post("/v1/auth/passkeys/registration/options", "{}", token: stale)
            #expect(options.status == 401 && options.string("type") == "https://tract.dev/problems/step-up-required", "\(options.text)")
            let removal = try await auth.client.send(.DELETE, "/v1/auth/passkeys/\(passkeyID)", token: stale)
            #expect(removal.status == 401 && removal.string("type") == "https://tract.dev/problems/step-up-required", "\(removal.text)")

            clock.advance(steps: 1)
            let stepped = try await auth.client.post("/v1/auth/mfa/step-up", #"{"code":"\#(user.code(step: clock.step))"}"#, token: stale)
            let fresh = try #require(stepped.string("access_token"))
            #expect(try await auth.client.send(.DELETE, "/v1/auth/passkeys/\(passkeyID)", token: fresh).status == 204)
        }
    }
}
