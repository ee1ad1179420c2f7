import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Lockout and rate limits hold under concurrency and never tell whether an email has an account.
@Suite struct AbuseResistanceTests {
    static func strip(_ text: String) -> String {
        text.replacingOccurrences(of: #""request_id":"[^"]*""#, with: "", options: .regularExpression)
    }

    @Test func fiftyConcurrentGuessesAreAdmittedOnlyUpToTheThreshold() async throws {
        try await AuthFixture.run(settings: AuthFixture.settings(lockoutThreshold: 5)) { auth in
            let known = try await auth.verifiedUser()
            for email in [known, "nobody.\(UUID().uuidString.prefix(6))@example.com"] {
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<50 {
                        group.addTask { try await auth.signIn(email, password: "wrong password guess").status }
                    }
                    var all: [Int] = []
                    for try await status in group { all.append(status) }
                    return all
                }
                // Exactly the threshold got a password check; the rest were turned away first.
                #expect(statuses.filter { $0 == 400 }.count == 5, "\(email)")
                #expect(statuses.filter { $0 == 429 }.count == 45, "\(email)")
            }
            // Even the right password now waits: the account is in its delay.
            let blocked = try await auth.signIn(known)
            #expect(blocked.status == 429)
            #expect(Int(blocked.headers.first(name: "Retry-After") ?? "") ?? 0 > 0)
        }
    }

    @Test func knownAndUnknownEmailsGetIdenticalAnswers() async throws {
        // Room for a second mail to the same address, so only account existence differs below.
        var limits = RateLimits()
        limits.emailSendsPerAddress = TokenBucket(5, per: .seconds(60))
        try await AuthFixture.run(settings: AuthFixture.settings(limits: limits)) { auth in
            let known = try await auth.verifiedUser()
            let wrongPassword = try await auth.signIn(known, password: "not the password")
            let unknownEmail = try await auth.signIn("stranger@example.com", password: "not the password")
            #expect(wrongPassword.status == 400)
            #expect(Self.strip(wrongPassword.text) == Self.strip(unknownEmail.text))
            // Sign-up of a taken email answers exactly like a new one.
            let again = try await auth.client.post("/v1/auth/signup", #"{"email":"\#(known)","password":"another good passphrase"}"#)
            let fresh = try await auth.client.post("/v1/auth/signup", #"{"email":"fresh@example.com","password":"another good passphrase"}"#)
            #expect(again.status == 202 && fresh.status == 202)
            #expect(again.text.replacingOccurrences(of: known, with: "X") == fresh.text.replacingOccurrences(of: "fresh@example.com", with: "X"))
            #expect(try await auth.count("SELECT count(*) FROM auth.users") == 2)
        }
    }

    @Test func signUpLimitHoldsUnderConcurrencyAndTyposDoNotCount() async throws {
        var limits = RateLimits()
        limits.signUpsPerIP = TokenBucket(10, per: .seconds(3600))
        try await AuthFixture.run(settings: AuthFixture.settings(limits: limits)) { auth in
            // Invalid requests are refused before the limiter: they do not use up the quota.
            for _ in 0..<5 {
                #expect(try await auth.client.post("/v1/auth/signup", #"{"email":"not-an-email","password":"x"}"#).status == 422)
            }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        try await auth.client.post("/v1/auth/signup", #"{"email":"crowd\#(index)@example.com","password":"a fine passphrase"}"#)
                            .status
                    }
                }
                var all: [Int] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.filter { $0 == 202 }.count == 10)
            #expect(statuses.filter { $0 == 429 }.count == 40)
            let limited = try await auth.client.post("/v1/auth/signup", #"{"email":"late@example.com","password":"a fine passphrase"}"#)
            #expect(limited.status == 429)
            #expect(Int(limited.headers.first(name: "Retry-After") ?? "") ?? 0 > 0)
            #expect(limited.headers.first(name: "Content-Type") == "application/problem+json")
        }
    }

    @Test func signUpValidationNamesEveryBadField() async throws {
        try await AuthFixture.run { auth in
            let reply = try await auth.client.post("/v1/auth/signup", #"{"email":"ann@","password":"password123","source":"billboard"}"#)
            #expect(reply.status == 422)
            let fields = Set(reply.text.matches(of: /"field":"([a-z_]+)"/).map { String($0.1) })
            #expect(fields == ["email", "password", "source"])
            #expect(reply.text.contains("too common"))
            #expect(try await auth.client.post("/v1/auth/signup", #"{"email":"a@example.com","password":"short"}"#).text.contains("at least 8"))
        }
    }
}

/// Issue 11, item 12: password changes are limited, and no single source can lock an account
/// until reset.
@Suite struct LockoutResistanceTests {
    @Test func passwordChangesAreLimitedPerUserAndPerIP() async throws {
        var limits = RateLimits()
        limits.passwordChangesPerUser = TokenBucket(3, per: .seconds(3600))
        limits.passwordChangesPerIP = TokenBucket(4, per: .seconds(3600))
        try await AuthFixture.run(settings: AuthFixture.settings(limits: limits)) { auth in
            let email = try await auth.verifiedUser()
            let token = try #require(try await auth.signIn(email).string("access_token"))
            for _ in 0..<3 {
                let wrong = try await auth.client.post(
                    "/v1/auth/me/password", #"{"current_password":"a guess at it","new_password":"a brand new passphrase"}"#, token: token)
                #expect(wrong.status == 422)
            }
            // The fourth try of this user waits, even with the right password.
            let limited = try await auth.client.post(
                "/v1/auth/me/password", #"{"current_password":"correct horse battery","new_password":"a brand new passphrase"}"#, token: token)
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(Int(limited.headers.first(name: "Retry-After") ?? "") ?? 0 > 0)
            #expect(try await auth.signIn(email, password: "a brand new passphrase").status == 400)
            // Another user from the same IP gets the IP's last try, then waits too.
            let other = try await auth.verifiedUser()
            let otherToken = try #require(try await auth.signIn(other).string("access_token"))
            let body = #"{"current_password":"correct horse battery","new_password":"another new passphrase"}"#
            #expect(try await auth.client.post("/v1/auth/me/password", body, token: otherToken).status == 204)
            #expect(try await auth.client.post("/v1/auth/me/password", body, token: otherToken).status == 429)
        }
    }

    @Test func oneSourceCannotLockAnAccountUntilResetButManySourcesCan() async throws {
        var settings = AuthFixture.settings()
        // No delay within reach, a hard lock at six failures, three counted from each source.
        settings.lockout = LockoutPolicy(threshold: 50, hardLimit: 6, failuresCountedPerSource: 3)
        try await AuthFixture.run(settings: settings, trustsForwardedFor: true) { auth in
            let email = try await auth.verifiedUser()
            func signIn(from ip: String, password: String) async throws -> Int {
                try await auth.client.post(
                    "/v1/auth/token", #"{"grant_type":"password","email":"\#(email)","password":"\#(password)"}"#,
                    headers: [("X-Forwarded-For", ip)]
                ).status
            }
            for _ in 0..<10 {
                #expect(try await signIn(from: "198.51.100.7", password: "a wrong guess") == 400)
            }
            // Ten failures from one source: the owner still signs in, from anywhere.
            #expect(try await signIn(from: "203.0.113.20", password: "correct horse battery") == 200)
            // After that success the count starts again; two sources reach the hard lock.
            for ip in ["198.51.100.7", "198.51.100.8"] {
                for _ in 0..<3 { #expect(try await signIn(from: ip, password: "a wrong guess") == 400) }
            }
            let locked = try await auth.client.post(
                "/v1/auth/token", #"{"grant_type":"password","email":"\#(email)","password":"correct horse battery"}"#,
                headers: [("X-Forwarded-For", "203.0.113.20")]
            )
            #expect(locked.status == 429)
            #expect(locked.text.contains("Reset your password"))
        }
    }

    @Test func theProgressiveDelayOfOneSourceDoesNotDelayAnother() async throws {
        try await AuthFixture.run(settings: AuthFixture.settings(lockoutThreshold: 3), trustsForwardedFor: true) { auth in
            let email = try await auth.verifiedUser()
            func signIn(from ip: String, password: String) async throws -> Int {
                try await auth.client.post(
                    "/v1/auth/token", #"{"grant_type":"password","email":"\#(email)","password":"\#(password)"}"#,
                    headers: [("X-Forwarded-For", ip)]
                ).status
            }
            for _ in 0..<3 { #expect(try await signIn(from: "198.51.100.7", password: "a wrong guess") == 400) }
            #expect(try await signIn(from: "198.51.100.7", password: "correct horse battery") == 429)
            #expect(try await signIn(from: "203.0.113.20", password: "correct horse battery") == 200)
        }
    }
}
