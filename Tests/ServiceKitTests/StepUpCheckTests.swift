import Foundation
import HTTPTypes
import Models
import ServiceKit
import Testing

/// The kit's step-up check (RFC 9470) as every service runs it, and the problem it answers.
@Suite struct StepUpCheckTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func user(enrolled: Bool, mfaSecondsAgo: Double?) -> Identity {
        Identity(
            subject: UUID().uuidString.lowercased(), scopes: [Scope.user], mfaAt: mfaSecondsAgo.map { self.now.addingTimeInterval(-$0) },
            mfaEnrolled: enrolled)
    }

    @Test func aRecentSecondFactorPassesAndAnOldOrMissingOneDoesNot() throws {
        try self.user(enrolled: true, mfaSecondsAgo: 0).requireRecentMFA(now: self.now)
        try self.user(enrolled: true, mfaSecondsAgo: 900).requireRecentMFA(now: self.now)
        // Clock skew between auth and a service: a second factor "from the future" is recent.
        try self.user(enrolled: true, mfaSecondsAgo: -30).requireRecentMFA(now: self.now)
        for stale in [self.user(enrolled: true, mfaSecondsAgo: 901), self.user(enrolled: true, mfaSecondsAgo: nil)] {
            do {
                try stale.requireRecentMFA(now: self.now)
                Issue.record("a stale second factor passed")
            } catch let problem as Problem {
                #expect(problem.status == .unauthorized)
                #expect(problem.type == "https://tract.dev/problems/step-up-required")
                #expect(
                    problem.headers[.wwwAuthenticate]
                        == #"Bearer error="insufficient_user_authentication", error_description="A second factor proven in the last 15 minutes is required", acr_values="urn:tract:acr:mfa", max_age=900"#
                )
                #expect(problem.extensions["step_up"]?["endpoint"] == .string("/v1/auth/mfa/step-up"))
            }
        }
        // A shorter window, where a route wants one.
        #expect(throws: Problem.self) { try self.user(enrolled: true, mfaSecondsAgo: 120).requireRecentMFA(maximumAge: .seconds(60), now: self.now) }
    }

    @Test func usersWithoutASecondFactorAndServiceTokensPass() throws {
        try self.user(enrolled: false, mfaSecondsAgo: nil).requireRecentMFA(now: self.now)
        let service = Identity(subject: "investments", scopes: [Scope.service], mfaEnrolled: true)
        try service.requireRecentMFA(now: self.now)
    }

    @Test func problemExtensionMembersAreWrittenBesideTheStandardOnesAndReadBack() throws {
        let details = ProblemDetails(
            type: "https://tract.dev/problems/mfa-required", title: "Forbidden", status: 403, detail: "d", requestId: "r",
            extensions: ["mfa_token": .string("t"), "methods": .array([.string("totp")]), "status": .string("ignored")])
        let data = try JSONEncoder.tract.encode(details)
        let tree = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(tree["mfa_token"] == .string("t"))
        #expect(tree["methods"] == .array([.string("totp")]))
        #expect(tree["request_id"] == .string("r"))
        #expect(tree["status"] == .number(403), "a standard member wins over an extension of the same name")
        let decoded = try JSONDecoder().decode(ProblemDetails.self, from: data)
        #expect(decoded.extensions["mfa_token"] == .string("t"))
    }

    @Test func claimsCarryTheSessionsProofAndReadBackAsTheIdentity() throws {
        let authentication = SessionAuthentication(
            amr: ["pwd", "otp", "mfa"], authTime: Date(timeIntervalSince1970: 1_800_000_000.7), mfaAt: Date(timeIntervalSince1970: 1_800_000_100),
            mfaEnrolled: true)
        let claims = AccessTokenClaims(
            subject: "u", scopes: [Scope.user], audience: ["tract"], issuer: "tract-auth", issuedAt: self.now,
            expiresAt: self.now.addingTimeInterval(300), authentication: authentication)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let tree = try JSONDecoder().decode(JSONValue.self, from: try encoder.encode(claims))
        #expect(tree["amr"] == .array([.string("pwd"), .string("otp"), .string("mfa")]))
        #expect(tree["acr"] == .string("urn:tract:acr:mfa"))
        #expect(tree["auth_time"] == .number(1_800_000_000))
        #expect(tree["mfa_at"] == .number(1_800_000_100))
        #expect(tree["mfa_enabled"] == nil && tree["mfa_enrolled"] == .bool(true))
        let single = SessionAuthentication(amr: ["pwd"], authTime: self.now, mfaAt: nil, mfaEnrolled: false)
        #expect(single.acr == "urn:tract:acr:1fa")
    }
}
