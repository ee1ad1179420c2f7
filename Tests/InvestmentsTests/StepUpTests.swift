import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import InvestmentsService

/// Money moves (commit, fund, exit, distributions) need a second factor proven in the last 15
/// minutes from a user who has one (issue 15): refused with the RFC 9470 step-up problem, accepted
/// after stepping up, with the same Idempotency-Key.
@Suite struct StepUpTests {
    /// A user token from the test issuer saying the user has a second factor last proven
    /// `minutesAgo` minutes ago (nil: never in this session).
    func token(_ fixture: InvestmentsFixture, _ role: Role, user: UUID, mfaMinutesAgo: Double?) async throws -> String {
        let now = Date()
        let authentication = SessionAuthentication(
            amr: mfaMinutesAgo == nil ? ["pwd"] : ["pwd", "otp", "mfa"], authTime: now.addingTimeInterval(-3600),
            mfaAt: mfaMinutesAgo.map { now.addingTimeInterval(-$0 * 60) }, mfaEnrolled: true)
        return try await fixture.issuer.token(subject: user.uuidString.lowercased(), roles: [role], authentication: authentication)
    }

    func expectStepUp(_ reply: JSONClient.Reply, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.status == 401, "\(reply.text)", sourceLocation: sourceLocation)
        #expect(reply.headers.first(name: "Content-Type") == "application/problem+json", sourceLocation: sourceLocation)
        #expect(reply.string("type") == "https://tract.dev/problems/step-up-required", sourceLocation: sourceLocation)
        let challenge = reply.headers.first(name: "WWW-Authenticate") ?? ""
        #expect(challenge.hasPrefix(#"Bearer error="insufficient_user_authentication""#), sourceLocation: sourceLocation)
        #expect(challenge.contains(#"acr_values="urn:tract:acr:mfa""#) && challenge.hasSuffix("max_age=900"), sourceLocation: sourceLocation)
        #expect(reply["step_up"]?["endpoint"] == .string("/v1/auth/mfa/step-up"), sourceLocation: sourceLocation)
    }

    @Test func aCommitWithoutARecentSecondFactorIsRefusedAndAcceptedAfterStepUp() async throws {
        try await InvestmentsFixture.run { fixture in
            let offering = try await fixture.openOffering(sponsor: try await fixture.token(.sponsor))
            let investorID = UUID()
            let stale = try await self.token(fixture, .investor, user: investorID, mfaMinutesAgo: 16)
            // Asking to invest moves no money yet; committing does.
            let pending = try await fixture.post("/v1/offerings/\(offering)/investments", #"{"amount": "50000"}"#, token: stale)
            #expect(pending.status == 201, "\(pending.text)")
            let id = try #require(pending.string("id"))
            let key = UUID().uuidString
            self.expectStepUp(try await fixture.post("/v1/investments/\(id)/commit", token: stale, key: key))
            let never = try await self.token(fixture, .investor, user: investorID, mfaMinutesAgo: nil)
            self.expectStepUp(try await fixture.post("/v1/investments/\(id)/commit", token: never, key: key))
            // Nothing moved.
            #expect(try await fixture.investments.get("/v1/investments/\(id)", token: stale).string("status") == "pending")
            #expect(try await fixture.investments.get("/v1/offerings/\(offering)", token: stale).string("amount_raised") == "0.00")

            // After stepping up (a token whose second factor is 14 minutes old), the same request
            // with the same key goes through.
            let recent = try await self.token(fixture, .investor, user: investorID, mfaMinutesAgo: 14)
            let committed = try await fixture.post("/v1/investments/\(id)/commit", token: recent, key: key)
            #expect(committed.status == 200, "\(committed.text)")
            #expect(committed.string("status") == "committed")
            #expect(try await fixture.investments.get("/v1/offerings/\(offering)", token: recent).string("amount_raised") == "50000.00")
        }
    }

    @Test func fundingExitsAndDistributionsNeedItToo() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsorID = UUID()
            let stale = try await self.token(fixture, .sponsor, user: sponsorID, mfaMinutesAgo: 30)
            let fresh = try await self.token(fixture, .sponsor, user: sponsorID, mfaMinutesAgo: 1)
            let offering = try await fixture.openOffering(sponsor: fresh)
            let investment = try await fixture.commit("100000", in: offering, investor: try await fixture.token(.investor))

            self.expectStepUp(try await fixture.post("/v1/investments/\(investment)/fund", #"{"date": "2025-01-01"}"#, token: stale))
            #expect(try await fixture.post("/v1/investments/\(investment)/fund", #"{"date": "2025-01-01"}"#, token: fresh).status == 200)

            let body = """
                {"offering_id": "\(offering)", "distribution_type": "quarterly", "distribution_date": "2025-12-31",
                 "total_amount": "100.00", "calculation_method": "pro_rata"}
                """
            self.expectStepUp(try await fixture.post("/v1/distributions", body, token: stale))
            let created = try await fixture.post("/v1/distributions", body, token: fresh)
            #expect(created.status == 201, "\(created.text)")
            let distribution = try #require(created.string("id"))
            self.expectStepUp(try await fixture.post("/v1/distributions/\(distribution)/complete", token: stale))
            #expect(try await fixture.post("/v1/distributions/\(distribution)/complete", token: fresh).status == 200)

            self.expectStepUp(try await fixture.post("/v1/investments/\(investment)/exit", #"{"proceeds": "120000.00"}"#, token: stale))
            let exited = try await fixture.post("/v1/investments/\(investment)/exit", #"{"proceeds": "120000.00"}"#, token: fresh)
            #expect(exited.status == 200, "\(exited.text)")
            // Reading is never gated.
            #expect(try await fixture.investments.get("/v1/distributions/\(distribution)", token: stale).status == 200)
        }
    }

    @Test func usersWithoutASecondFactorAreUnaffected() async throws {
        try await InvestmentsFixture.run { fixture in
            let offering = try await fixture.openOffering(sponsor: try await fixture.token(.sponsor))
            let investorID = UUID()
            let plain = try await fixture.issuer.token(
                subject: investorID.uuidString.lowercased(), roles: [.investor],
                authentication: SessionAuthentication(amr: ["pwd"], authTime: Date(), mfaAt: nil, mfaEnrolled: false))
            _ = try await fixture.commit("25000", in: offering, investor: plain)
        }
    }
}
