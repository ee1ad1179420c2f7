import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Two-step sign-in for users with a second factor: the password (or magic link) earns an MFA
/// ticket, not a session; the ticket and one factor earn the session, whose tokens say how it was
/// proven (`amr`, `acr`, `mfa_at`) for as long as it is refreshed.
@Suite struct MFASignInTests {
    @Test func passwordThenCodeSignsInWithMultiFactorClaimsThatRefreshKeeps() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(clock: clock.clock) { auth in
            let user = try await auth.enrolledUser(clock: clock)
            let first = try await auth.signIn(user.email)
            #expect(first.status == 403, "\(first.text)")
            #expect(first.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(first.string("type") == "https://tract.dev/problems/mfa-required")
            #expect(first["methods"] == .array([.string("totp"), .string("recovery_code")]))
            #expect(first["expires_in"] == .number(300))
            #expect(first["access_token"] == nil && first["refresh_token"] == nil)
            let ticket = try #require(first.string("mfa_token"))
            #expect(try await auth.count("SELECT count(*) FROM auth.mfa_tickets WHERE ticket_hash = '\(ticket)'") == 0, "only the hash is stored")

            clock.advance(steps: 1)
            let verified = try await auth.verifyMFA(ticket: ticket, #""code":"\#(user.code(step: clock.step))""#)
            #expect(verified.status == 200, "\(verified.text)")
            let access = try claims(of: try #require(verified.string("access_token")))
            #expect(access["amr"] == .array([.string("pwd"), .string("otp"), .string("mfa")]))
            #expect(access["acr"] == .string("urn:tract:acr:mfa"))
            #expect(access["mfa_enrolled"] == .bool(true))
            guard case .number(let mfaAt)? = access["mfa_at"], case .number(let authTime)? = access["auth_time"] else {
                Issue.record("no mfa_at or auth_time: \(access)")
                return
            }
            #expect(abs(mfaAt - Date().timeIntervalSince1970) < 30)
            #expect(mfaAt == mfaAt.rounded(.down), "NumericDate in whole seconds")
            // The session records the second step's method of the first proof.
            #expect(try await auth.sql("SELECT auth_method FROM auth.sessions ORDER BY created_at DESC LIMIT 1") == ["password"])

            // A ticket is spent by its first success.
            clock.advance(steps: 1)
            let again = try await auth.verifyMFA(ticket: ticket, #""code":"\#(user.code(step: clock.step))""#)
            #expect(again.status == 400 && again.string("type") == "https://tract.dev/problems/invalid-mfa-token", "\(again.text)")

            // A refresh is not a new proof: the same amr, auth_time and mfa_at.
            let refreshed = try await auth.refresh(try #require(verified.string("refresh_token")))
            #expect(refreshed.status == 200, "\(refreshed.text)")
            let renewed = try claims(of: try #require(refreshed.string("access_token")))
            #expect(renewed["amr"] == access["amr"])
            #expect(renewed["mfa_at"] == .number(mfaAt))
            #expect(renewed["auth_time"] == .number(authTime))
            #expect(renewed["acr"] == .string("urn:tract:acr:mfa"))
        }
    }

    @Test func aMagicLinkSignInOfAnMFAUserAlsoNeedsTheSecondStep() async throws {
        let clock = SteppingClock()
        var limits = RateLimits()
        // The sign-up mail went to this address seconds ago.
        limits.emailSendsPerAddress = TokenBucket(20, per: .seconds(60))
        try await AuthFixture.run(settings: AuthFixture.settings(limits: limits), clock: clock.clock) { auth in
            let user = try await auth.enrolledUser(clock: clock)
            _ = try await auth.client.post("/v1/auth/magic-links", #"{"email":"\#(user.email)"}"#)
            let link = try #require(AuthFixture.token(in: try await auth.lastMail(to: user.email)?.variables["link"]))
            let first = try await auth.client.post("/v1/auth/magic-links/verify", #"{"token":"\#(link)"}"#)
            #expect(first.status == 403 && first.string("type") == "https://tract.dev/problems/mfa-required", "\(first.text)")
            let ticket = try #require(first.string("mfa_token"))
            let verified = try await auth.verifyMFA(ticket: ticket, #""recovery_code":"\#(user.recoveryCodes[0])""#)
            #expect(verified.status == 200, "\(verified.text)")
            let access = try claims(of: try #require(verified.string("access_token")))
            #expect(access["amr"] == .array([.string("email"), .string("otp"), .string("mfa")]))
        }
    }

    /// Issue 15's acceptance: each recovery code works once.
    @Test func eachRecoveryCodeWorksOnceAndNewOnesReplaceTheOld() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(clock: clock.clock) { auth in
            let user = try await auth.enrolledUser(clock: clock)
            let code = user.recoveryCodes[0]
            let first = try await auth.verifyMFA(ticket: try await auth.mfaTicket(user.email), #""recovery_code":"\#(code)""#)
            #expect(first.status == 200, "\(first.text)")
            let ticket = try await auth.mfaTicket(user.email)
            let reused = try await auth.verifyMFA(ticket: ticket, #""recovery_code":"\#(code)""#)
            #expect(reused.status == 400 && reused.string("type") == "https://tract.dev/problems/mfa-code-invalid", "\(reused.text)")
            #expect(reused["attempts_left"] == .number(4))
            // As typed from paper: upper case, no dashes; the same ticket still has attempts.
            let typed = user.recoveryCodes[1].uppercased().replacingOccurrences(of: "-", with: "")
            let second = try await auth.verifyMFA(ticket: ticket, #""recovery_code":"\#(typed)""#)
            #expect(second.status == 200, "\(second.text)")
            let access = try #require(second.string("access_token"))
            let status = try await auth.client.get("/v1/auth/mfa", token: access)
            #expect(
                status.json
                    == .object([
                        "totp_enabled": .bool(true), "passkeys": .number(0), "recovery_codes_remaining": .number(8),
                        "methods": .array([.string("totp"), .string("recovery_code")]),
                    ]), "\(status.text)")

            // New codes (this session proved a factor just now, so no step-up is asked).
            let renewed = try await auth.client.post("/v1/auth/mfa/recovery-codes", "{}", token: access)
            #expect(renewed.status == 200, "\(renewed.text)")
            guard case .array(let fresh)? = renewed["recovery_codes"], case .string(let newCode)? = fresh.first else {
                Issue.record("no codes")
                return
            }
            #expect(fresh.count == 10)
            let old = try await auth.verifyMFA(ticket: try await auth.mfaTicket(user.email), #""recovery_code":"\#(user.recoveryCodes[2])""#)
            #expect(old.status == 400)
            #expect(try await auth.verifyMFA(ticket: try await auth.mfaTicket(user.email), #""recovery_code":"\#(newCode)""#).status == 200)
        }
    }

    @Test func aTicketAllowsFiveAttemptsAndExpires() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(clock: clock.clock) { auth in
            let user = try await auth.enrolledUser(clock: clock)
            let ticket = try await auth.mfaTicket(user.email)
            for left in (0...4).reversed() {
                let wrong = try await auth.verifyMFA(ticket: ticket, #""code":"\#(user.code(step: clock.step + 7))""#)
                #expect(wrong.status == 400 && wrong["attempts_left"] == .number(Double(left)), "\(wrong.text)")
            }
            clock.advance(steps: 1)
            let spent = try await auth.verifyMFA(ticket: ticket, #""code":"\#(user.code(step: clock.step))""#)
            #expect(spent.status == 400 && spent.string("type") == "https://tract.dev/problems/invalid-mfa-token", "\(spent.text)")

            let expiring = try await auth.mfaTicket(user.email)
            try await auth.sql("UPDATE auth.mfa_tickets SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
            let expired = try await auth.verifyMFA(ticket: expiring, #""code":"\#(user.code(step: clock.step))""#)
            #expect(expired.status == 400 && expired.string("type") == "https://tract.dev/problems/invalid-mfa-token", "\(expired.text)")
            // Unknown and malformed tickets are the same answer.
            #expect(try await auth.verifyMFA(ticket: "nope", #""code":"123456""#).status == 400)
            #expect(try await auth.verifyMFA(ticket: SecretToken.make(), #""code":"123456""#).status == 400)
        }
    }

    /// Failed second factors count in the lockout like failed passwords: a correct password no
    /// longer wipes them, and the same progressive delay applies.
    @Test func wrongCodesCountTowardTheLockout() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(settings: AuthFixture.settings(lockoutThreshold: 4), clock: clock.clock) { auth in
            let user = try await auth.enrolledUser(clock: clock)
            let ticket = try await auth.mfaTicket(user.email)  // failure count 1: the password attempt is not reset
            let wrong = #""code":"\#(user.code(step: clock.step + 9))""#
            #expect(try await auth.verifyMFA(ticket: ticket, wrong).status == 400)  // 2
            #expect(try await auth.verifyMFA(ticket: ticket, wrong).status == 400)  // 3
            #expect(try await auth.verifyMFA(ticket: ticket, wrong).status == 400)  // 4: the threshold, a wait starts
            let waiting = try await auth.verifyMFA(ticket: ticket, #""code":"\#(user.code(step: clock.step + 1))""#)
            #expect(waiting.status == 429, "\(waiting.text)")
            #expect(waiting.headers.first(name: "Retry-After") != nil)
            // The password step waits too: it is the same address's count.
            #expect(try await auth.signIn(user.email).status == 429)
            // Once the wait is over, a correct second factor clears the count. (Past the threshold
            // every admitted attempt starts a new wait, the password step's too, so wait twice.)
            try await auth.sql("UPDATE auth.sign_in_sources SET locked_until = now() - interval '1 second'")
            let fresh = try await auth.mfaTicket(user.email)
            try await auth.sql("UPDATE auth.sign_in_sources SET locked_until = now() - interval '1 second'")
            clock.advance(steps: 1)
            let verified = try await auth.verifyMFA(ticket: fresh, #""code":"\#(user.code(step: clock.step))""#)
            #expect(verified.status == 200, "\(verified.text)")
            #expect(try await auth.count("SELECT count(*) FROM auth.sign_in_sources WHERE email = '\(user.email)'") == 0)
        }
    }

    @Test func usersWithoutASecondFactorSignInInOneStep() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let reply = try await auth.signIn(email)
            #expect(reply.status == 200)
            let access = try claims(of: try #require(reply.string("access_token")))
            #expect(access["amr"] == .array([.string("pwd")]))
            #expect(access["acr"] == .string("urn:tract:acr:1fa"))
            #expect(access["mfa_enrolled"] == .bool(false))
            #expect(access["mfa_at"] == nil)
            #expect(access["auth_time"] != nil)
            // Account-security changes need no step-up from them.
            let changed = try await auth.client.post(
                "/v1/auth/me/password", #"{"current_password":"correct horse battery","new_password":"another fine passphrase"}"#,
                token: try #require(reply.string("access_token")))
            #expect(changed.status == 204, "\(changed.text)")
            // Service tokens say nothing about people.
            let service = try claims(of: try await auth.serviceToken(.investments))
            #expect(service["amr"] == nil && service["mfa_enrolled"] == nil)
        }
    }

    @Test func badSecondStepInputIsAProblemBeforeAnyAttemptIsCounted() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(clock: clock.clock) { auth in
            let user = try await auth.enrolledUser(clock: clock)
            let ticket = try await auth.mfaTicket(user.email)
            for body in [
                #"{"code":"123456"}"#, #"{"mfa_token":"\#(ticket)"}"#, #"{"mfa_token":"\#(ticket)","code":"12345"}"#,
                #"{"mfa_token":"\#(ticket)","code":"123456","recovery_code":"aaaa-aaaa-aaaa-aaaa"}"#,
                #"{"mfa_token":"\#(ticket)","recovery_code":"not a code"}"#, #"{"mfa_token":"\#(ticket)","passkey":"x"}"#,
            ] {
                let reply = try await auth.client.post("/v1/auth/mfa/verify", body)
                #expect(reply.status == 422, "\(body) → \(reply.status) \(reply.text)")
                #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
            }
            #expect(try await auth.count("SELECT attempts FROM auth.mfa_tickets WHERE used_at IS NULL") == 0)
            #expect(try await auth.client.post("/v1/auth/mfa/verify", "not json").status == 400)
        }
    }

    @Test func secondFactorChecksAreRateLimitedPerAddress() async throws {
        let clock = SteppingClock()
        var settings = AuthFixture.settings()
        settings.mfa.checksPerIP = TokenBucket(3, per: .seconds(300))
        try await AuthFixture.run(settings: settings, clock: clock.clock) { auth in
            let user = try await auth.enrolledUser(clock: clock)  // the confirmation is one check
            let ticket = try await auth.mfaTicket(user.email)
            let wrong = #""code":"\#(user.code(step: clock.step + 9))""#
            #expect(try await auth.verifyMFA(ticket: ticket, wrong).status == 400)
            #expect(try await auth.verifyMFA(ticket: ticket, wrong).status == 400)
            let limited = try await auth.verifyMFA(ticket: ticket, wrong)
            #expect(limited.status == 429 && limited.headers.first(name: "Retry-After") != nil, "\(limited.text)")
        }
    }
}
