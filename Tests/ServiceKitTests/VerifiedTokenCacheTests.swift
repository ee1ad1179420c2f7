import Foundation
import Models
import Testing

@testable import ServiceKit

/// The bounded cache of verified access tokens (issue 19), without a verifier around it.
@Suite struct VerifiedTokenCacheTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func identity(_ subject: String) -> Identity {
        Identity(subject: subject, roles: [.investor], scopes: ["user"])
    }

    @Test func aTokenIsAnsweredUntilItsDeadlineAndThenForgotten() {
        var cache = VerifiedTokenCache(capacity: 8)
        let key = VerifiedTokenCache.Key(token: "header.payload.signature")
        cache.insert(self.identity("user-1"), for: key, deadline: self.now.addingTimeInterval(60))
        #expect(cache.identity(for: key, now: self.now) == self.identity("user-1"))
        #expect(cache.identity(for: key, now: self.now.addingTimeInterval(59.9)) == self.identity("user-1"))
        // At `exp` itself the token is expired (RFC 7519 §4.1.4: "on or after"), as jwt-kit judges it.
        #expect(cache.identity(for: key, now: self.now.addingTimeInterval(60)) == nil)
        #expect(cache.count == 0)
        #expect(cache.identity(for: key, now: self.now) == nil)
    }

    @Test func theWholeTokenIsTheKeyNotItsSignature() {
        var cache = VerifiedTokenCache(capacity: 8)
        cache.insert(self.identity("user-1"), for: .init(token: "header.payload.signature"), deadline: self.now.addingTimeInterval(60))
        #expect(cache.identity(for: .init(token: "header.forged-payload.signature"), now: self.now) == nil)
        #expect(cache.identity(for: .init(token: "header.payload.signaturf"), now: self.now) == nil)
        #expect(cache.identity(for: .init(token: "header.payload.signature"), now: self.now) == self.identity("user-1"))
    }

    @Test func itNeverHoldsMoreThanItsCapacityAndKeepsTokensInUse() {
        var cache = VerifiedTokenCache(capacity: 10)
        let inUse = VerifiedTokenCache.Key(token: "in-use")
        cache.insert(self.identity("regular"), for: inUse, deadline: self.now.addingTimeInterval(600))
        for index in 0..<100 {
            cache.insert(self.identity("once-\(index)"), for: .init(token: "once-\(index)"), deadline: self.now.addingTimeInterval(600))
            #expect(cache.count <= 10)
            #expect(cache.identity(for: inUse, now: self.now) == self.identity("regular"))
        }
        // Tokens seen once long ago have aged out.
        #expect(cache.identity(for: .init(token: "once-0"), now: self.now) == nil)
        #expect(cache.identity(for: .init(token: "once-99"), now: self.now) == self.identity("once-99"))
    }

    @Test func removeAllForgetsEveryToken() {
        var cache = VerifiedTokenCache(capacity: 4)
        for index in 0..<3 {
            cache.insert(self.identity("\(index)"), for: .init(token: "t\(index)"), deadline: self.now.addingTimeInterval(60))
        }
        cache.removeAll()
        #expect(cache.count == 0)
        #expect(cache.identity(for: .init(token: "t2"), now: self.now) == nil)
    }
}
