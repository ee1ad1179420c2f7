import Foundation
import HTTPTypes
import ServiceKit
import Testing

@testable import AuthService

/// Issue 19: password hashing admits a bounded number of hashes; a burst beyond it is told to
/// come back (503, `Retry-After`) instead of queueing.
@Suite struct HashAdmissionTests {
    @Test func admitsUpToItsLimitAndAgainOnceAPlaceIsFree() throws {
        let admission = HashAdmission(limit: 2)
        try admission.enter()
        try admission.enter()
        let refusal = #expect(throws: Problem.self) { try admission.enter() }
        #expect(refusal?.status == .serviceUnavailable)
        #expect(refusal?.headers[.retryAfter] == "1")
        #expect(admission.inFlight == 2)
        admission.leave()
        try admission.enter()
        #expect(admission.inFlight == 2)
    }

    @Test func aHashBeyondTheLimitIsRefusedWhileOneRuns() async throws {
        let hasher = PasswordHasher(admitting: 1)
        async let first = hasher.hash("correct horse battery")
        while hasher.admission.inFlight == 0 { await Task.yield() }
        let refusal = await #expect(throws: Problem.self) { try await hasher.verify("anything", against: "$argon2id$v=19$m=19456,t=2,p=1$x$y") }
        #expect(refusal?.status == .serviceUnavailable)
        let hash = try await first
        #expect(hasher.admission.inFlight == 0)
        #expect(try await hasher.verify("correct horse battery", against: hash))
    }
}
