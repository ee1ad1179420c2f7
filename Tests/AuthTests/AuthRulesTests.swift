import Crypto
import Foundation
import ServiceKit
import Testing

@testable import AuthService

/// The pure rules, each without I/O.
@Suite struct AuthRulesTests {
    @Test func argon2idHashesVerifyAndCarryTheirParameters() async throws {
        let hasher = PasswordHasher()
        let hash = try await hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        #expect(try await hasher.verify("correct horse battery", against: hash))
        #expect(try await !hasher.verify("correct horse batterY", against: hash))
        #expect(try await !hasher.verify("anything", against: "not-a-hash"))
        #expect(!hasher.needsRehash(hash))
        let weaker = PasswordHasher(parameters: .init(memoryKiB: 8192, iterations: 1, parallelism: 1))
        #expect(hasher.needsRehash(try await weaker.hash("x")))
        // Same password, different salt.
        #expect(try await hasher.hash("same") != (try await hasher.hash("same")))
    }

    @Test func passwordPolicyFollowsNIST() throws {
        let policy = try PasswordPolicy.bundled()
        #expect(policy.problem(with: "seven77") == "must be at least 8 characters")
        #expect(policy.problem(with: String(repeating: "a", count: 257)) == "must be at most 256 characters")
        #expect(policy.problem(with: "Password1")?.contains("too common") == true)
        #expect(policy.problem(with: "ann.lee@example.com", email: "ann.lee@example.com") == "must not be your email address")
        #expect(policy.problem(with: "opportunity zone tract 7") == nil)
    }

    @Test(arguments: [
        ("  Ann.Lee@Example.COM ", "ann.lee@example.com", true),
        ("no-at-sign.example.com", "no-at-sign.example.com", false),
        ("two@@example.com", "two@@example.com", false),
        ("ann@localhost", "ann@localhost", false),
        ("ann lee@example.com", "ann lee@example.com", false),
        ("ann@example..com", "ann@example..com", false),
        ("<ann@example.com>", "<ann@example.com>", false),
    ])
    func emailsAreNormalisedAndChecked(raw: String, normalized: String, valid: Bool) {
        #expect(EmailAddress.normalize(raw) == normalized)
        #expect(EmailAddress.isValid(normalized) == valid)
    }

    @Test func userAgentsAreRecognised() {
        let chromeMac = UserAgent(
            header: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")
        #expect(chromeMac == UserAgent(deviceType: "desktop", browser: "Chrome", os: "macOS"))
        let safariPhone = UserAgent(
            header: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1")
        #expect(safariPhone == UserAgent(deviceType: "mobile", browser: "Safari", os: "iOS"))
        let edge = UserAgent(header: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0")
        #expect(edge == UserAgent(deviceType: "desktop", browser: "Edge", os: "Windows"))
        #expect(UserAgent(header: nil) == UserAgent(deviceType: "other", browser: "Unknown", os: "Unknown"))
    }

    @Test func tokenBucketsRefillAndRefuse() {
        let bucket = TokenBucket(30, per: .seconds(3600))
        var state = bucket.take(from: 1, elapsed: 0)
        #expect(state.allowed && state.tokens == 0)
        state = bucket.take(from: 0, elapsed: 60)
        #expect(!state.allowed)
        #expect(abs(state.retryAfter - 60) < 0.001)  // one token per 120 s, half refilled
        #expect(bucket.take(from: 0, elapsed: 120).allowed)
        #expect(bucket.take(from: 29.5, elapsed: 1e6).tokens == 29)  // never above the burst
    }

    @Test func lockoutGrowsPerSourceAndHardLockNeedsManySources() {
        let policy = LockoutPolicy(threshold: 30, increment: .seconds(60), maximumWait: .seconds(900), hardLimit: 100)
        #expect(policy.decision(afterFailures: 29) == .open)
        #expect(policy.decision(afterFailures: 30) == .wait(seconds: 60))
        #expect(policy.decision(afterFailures: 32) == .wait(seconds: 180))
        #expect(policy.decision(afterFailures: 60) == .wait(seconds: 900))
        #expect(policy.decision(afterFailures: 1000) == .wait(seconds: 900))
        // One source adds at most ten failures toward the hard lock: it takes ten sources.
        #expect(policy.countsTowardHardLock(sourceFailures: 10))
        #expect(!policy.countsTowardHardLock(sourceFailures: 11))
        #expect(policy.sourcesNeededForHardLock == 10)
        #expect(LockoutPolicy(hardLimit: 6, failuresCountedPerSource: 4).sourcesNeededForHardLock == 2)
    }

    @Test func refreshSuccessorsAreDeterministicAndKeyed() {
        let key = SymmetricKey(data: Data(repeating: 1, count: 32))
        let parent = SecretToken.make()
        #expect(OpaqueToken.successor(of: parent, key: key) == OpaqueToken.successor(of: parent, key: key))
        #expect(
            OpaqueToken.successor(of: parent, key: key) != OpaqueToken.successor(of: parent, key: SymmetricKey(data: Data(repeating: 2, count: 32))))
        #expect(SecretToken.hash(parent).count == 64)
        #expect(OpaqueToken.sixDigitCode().count == 6)
    }
}
