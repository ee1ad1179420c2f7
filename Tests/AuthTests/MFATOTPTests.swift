import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import AuthService

/// TOTP (RFC 6238) as a user meets it: enrolment from the otpauth URI, the ±1 step window, replay
/// refused, codes computed by the test's own implementation from the secret it was shown.
@Suite struct MFATOTPTests {
    /// RFC 6238 Appendix B (SHA-1, secret "12345678901234567890"): the reference implementation
    /// and the service's HummingbirdOTP agree with the published values (last six digits).
    @Test func bothImplementationsMatchTheRFCTestVectors() {
        let vectors: [(time: Int64, code: String)] = [
            (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"), (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
        ]
        let secret = "12345678901234567890"
        for vector in vectors {
            #expect(ReferenceTOTP.code(secret: Array(secret.utf8), step: vector.time / 30, digits: 8) == vector.code)
            #expect(TOTPCode(secret: secret).code(step: vector.time / 30) == String(vector.code.suffix(6)))
        }
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
    }

    @Test func enrolmentGivesAnAuthenticatorURIAndNeedsTheCurrentCode() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(clock: clock.clock) { auth in
            let email = try await auth.verifiedUser()
            let access = try #require(try await auth.signIn(email).string("access_token"))
            // Confirming before starting says what to do.
            let early = try await auth.client.post("/v1/auth/mfa/totp/confirm", #"{"code":"123456"}"#, token: access)
            #expect(early.status == 409 && early.string("type") == "https://tract.dev/problems/totp-not-started", "\(early.text)")

            let started = try await auth.client.post("/v1/auth/mfa/totp", "{}", token: access)
            #expect(started.status == 201)
            #expect(started.headers.first(name: "Cache-Control") == "no-store")
            let uri = try #require(started.string("otpauth_uri"))
            let secret = try #require(started.string("secret"))
            #expect(uri == "otpauth://totp/Tract:\(email)?secret=\(secret)&issuer=Tract&algorithm=SHA1&digits=6&period=30")
            let key = try #require(ReferenceTOTP.base32Decode(secret))
            #expect(key.count >= 20, "RFC 4226 §4 recommends a 160-bit secret")
            // Nothing changes for sign-in until the app proves it holds the secret.
            #expect(try await auth.signIn(email).status == 200)

            let wrong = ReferenceTOTP.code(secret: key, step: clock.step + 5)
            let refused = try await auth.client.post("/v1/auth/mfa/totp/confirm", #"{"code":"\#(wrong)"}"#, token: access)
            #expect(refused.status == 422, "\(refused.text)")
            let malformed = try await auth.client.post("/v1/auth/mfa/totp/confirm", #"{"code":"12a456"}"#, token: access)
            #expect(malformed.status == 422)

            let code = ReferenceTOTP.code(secret: key, step: clock.step)
            let confirmed = try await auth.client.post("/v1/auth/mfa/totp/confirm", #"{"code":"\#(code)"}"#, token: access)
            #expect(confirmed.status == 200, "\(confirmed.text)")
            guard case .array(let codes)? = confirmed["recovery_codes"] else {
                Issue.record("no recovery codes")
                return
            }
            #expect(codes.count == 10)
            #expect(Set(codes).count == 10)
            // The confirming session has just proven a second factor: its new token says so.
            let fresh = try claims(of: try #require(confirmed.string("access_token")))
            #expect(fresh["mfa_enrolled"] == .bool(true))
            #expect(fresh["acr"] == .string("urn:tract:acr:mfa"))
            #expect(fresh["amr"] == .array([.string("pwd"), .string("otp"), .string("mfa")]))
            #expect(
                try await auth.sql("SELECT mfa_enabled::text || ' ' || mfa_type FROM auth.users WHERE email = '\(email)'") == ["true authenticator"])
            // The secret is sealed at rest, and recovery codes are stored only as keyed hashes.
            let stored = try await auth.sql(
                "SELECT encode(secret_sealed, 'escape') FROM auth.totp_credentials t JOIN auth.users u ON u.id = t.user_id WHERE u.email = '\(email)'"
            )
            #expect(stored.count == 1 && !(stored.first ?? "").contains(String(decoding: key, as: UTF8.self)))
            if case .string(let first)? = codes.first {
                #expect(try await auth.count("SELECT count(*) FROM auth.recovery_codes WHERE code_hash LIKE '%\(first)%'") == 0)
            }
            // A second authenticator cannot quietly replace the first.
            let again = try await auth.client.post("/v1/auth/mfa/totp", "{}", token: try #require(confirmed.string("access_token")))
            #expect(again.status == 409 && again.string("type") == "https://tract.dev/problems/totp-already-enabled", "\(again.text)")
        }
    }

    /// Issue 15's acceptance: codes at −1/0/+1 steps accepted, ±2 refused, replay refused.
    @Test func codesOneStepEitherSideAreAcceptedTwoAwayAndReplaysAreNot() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(clock: clock.clock) { auth in
            let user = try await auth.enrolledUser(clock: clock)
            clock.advance(steps: 4)
            let now = clock.step
            func stepUp(_ step: Int64) async throws -> JSONClient.Reply {
                try await auth.client.post("/v1/auth/mfa/step-up", #"{"code":"\#(user.code(step: step))"}"#, token: user.accessToken)
            }
            let twoBehind = try await stepUp(now - 2)
            #expect(twoBehind.status == 400 && twoBehind.string("type") == "https://tract.dev/problems/mfa-code-invalid", "\(twoBehind.text)")
            #expect(try await stepUp(now + 2).status == 400)
            #expect(try await stepUp(now - 1).status == 200)
            // The same code again: refused, and recorded as a replay.
            #expect(try await stepUp(now - 1).status == 400)
            #expect(try await stepUp(now).status == 200)
            #expect(try await stepUp(now + 1).status == 200)
            // Once step +1 is used, the current step's code is old news too.
            #expect(try await stepUp(now).status == 400)
            let events = try await auth.sql(
                """
                SELECT h.event_type || ':' || coalesce(h.failure_reason, '') FROM auth.login_history h JOIN auth.users u ON u.id = h.user_id
                WHERE u.email = '\(user.email)' AND h.event_type LIKE 'mfa%' ORDER BY h.created_at, h.id
                """)
            #expect(
                events == [
                    "mfa_failed:wrong_code", "mfa_failed:wrong_code", "mfa_step_up:", "mfa_code_replayed:code_already_used", "mfa_step_up:",
                    "mfa_step_up:", "mfa_code_replayed:code_already_used",
                ])
        }
    }

    /// Twenty requests racing with the same code: one wins the step, the rest are replays.
    @Test func aCodeRacedFromManyPlacesWorksOnce() async throws {
        let clock = SteppingClock()
        var settings = AuthFixture.settings()
        settings.mfa.checksPerUser = TokenBucket(100, per: .seconds(300))
        settings.mfa.checksPerIP = TokenBucket(100, per: .seconds(300))
        try await AuthFixture.run(settings: settings, clock: clock.clock) { auth in
            let user = try await auth.enrolledUser(clock: clock)
            clock.advance(steps: 1)
            let body = #"{"code":"\#(user.code(step: clock.step))"}"#
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await auth.client.post("/v1/auth/mfa/step-up", body, token: user.accessToken).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == 400 }.count == 19, "\(statuses)")
            #expect(try await auth.count("SELECT count(*) FROM auth.login_history WHERE event_type = 'mfa_code_replayed'") == 19)
        }
    }
}
