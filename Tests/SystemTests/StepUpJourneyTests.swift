import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

/// Step-up across real processes: auth signs the token, investments judges it with the kit's
/// check. An investor with an authenticator signs in in two steps; once the session's second factor
/// is old their commit is refused (401 step-up-required), they step up at auth, and the same request
/// with the same Idempotency-Key goes through.
@Suite(.serialized) struct StepUpJourneyTests {
    @Test func aMoneyMoveWithAnOldSecondFactorIsRefusedUntilTheInvestorStepsUp() async throws {
        try await RunningSuite.with([.auth, .investments, .properties]) { suite in
            let tag = UUID().uuidString.prefix(6).lowercased()
            let password = "a step-up journey passphrase"
            let investorEmail = "investor.\(tag)@example.com"
            let sponsorEmail = "sponsor.\(tag)@example.com"
            for email in [investorEmail, sponsorEmail] {
                let signUp = try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/signup", #"{"email":"\#(email)","password":"\#(password)"}"#)
                try #require(signUp.status == 202, "\(signUp.text)")
            }
            // The mail round trip is other journeys' business.
            try await suite.sql("UPDATE auth.users SET email_verified_at = now()")
            try await suite.sql("UPDATE auth.users SET account_role = 'sponsor' WHERE email = '\(sponsorEmail)'")
            let sponsor = try #require(try await SystemClient.signIn(suite, sponsorEmail, password).string("access_token"))

            // The investor sets up an authenticator.
            let plain = try #require(try await SystemClient.signIn(suite, investorEmail, password).string("access_token"))
            let started = try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/mfa/totp", "{}", token: plain)
            try #require(started.status == 201, "\(started.text)")
            let secretText = try #require(started.string("secret"))
            let secret = try #require(ReferenceTOTP.base32Decode(secretText))
            let step = Int64(Date().timeIntervalSince1970 / 30)
            let confirmed = try await SystemClient.send(
                .POST, "\(suite.auth)/v1/auth/mfa/totp/confirm", #"{"code":"\#(ReferenceTOTP.code(secret: secret, step: step))"}"#, token: plain)
            try #require(confirmed.status == 200, "\(confirmed.text)")
            let recovery = try #require(
                (try JSONSerialization.jsonObject(with: Data(confirmed.text.utf8)) as? [String: Any])?["recovery_codes"] as? [String])

            // Two-step sign-in: the password earns a ticket, the next step's code the session.
            let first = try await SystemClient.signIn(suite, investorEmail, password)
            #expect(first.status == 403 && first.string("type") == "https://tract.dev/problems/mfa-required", "\(first.text)")
            let ticket = try #require(first.string("mfa_token"))
            let verified = try await SystemClient.send(
                .POST, "\(suite.auth)/v1/auth/mfa/verify",
                #"{"mfa_token":"\#(ticket)","code":"\#(ReferenceTOTP.code(secret: secret, step: step + 1))"}"#)
            try #require(verified.status == 200, "\(verified.text)")
            let investor = try #require(verified.string("access_token"))
            let refresh = try #require(verified.string("refresh_token"))

            let property = try await SystemClient.send(
                .POST, "\(suite.properties)/v1/properties",
                """
                {"property_name": "Step-up Flats", "property_type": "multi_family", "address_line1": "9 Factor Rd",
                 "city": "Prattville", "state": "AL", "zip_code": "36067", "total_units": 12, "property_class": "B",
                 "status": "active", "visibility": "investors", "investment_open": true,
                 "minimum_investment": "25000", "maximum_investment": "250000", "target_raise": "1000000"}
                """,
                token: sponsor)
            try #require(property.status == 201, "\(property.text)")
            let offering = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/offerings",
                #"{"property_id": "\#(property.string("id") ?? "")", "requires_accreditation": false}"#, token: sponsor)
            try #require(offering.status == 201, "\(offering.text)")
            let pending = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/offerings/\(offering.string("id") ?? "")/investments", #"{"amount": "25000"}"#,
                token: investor, idempotencyKey: UUID().uuidString)
            try #require(pending.status == 201, "\(pending.text)")
            let investment = try #require(pending.string("id"))

            // Twenty minutes after signing in (the session's second factor aged; a refresh carries
            // it over unchanged), the commit is refused.
            try await suite.sql("UPDATE auth.sessions SET mfa_at = now() - interval '20 minutes' WHERE mfa_at IS NOT NULL")
            let stale = try #require(
                try await SystemClient.send(
                    .POST, "\(suite.auth)/v1/auth/token", #"{"grant_type":"refresh_token","refresh_token":"\#(refresh)"}"#
                ).string("access_token"))
            let key = UUID().uuidString
            let refused = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/investments/\(investment)/commit", token: stale, idempotencyKey: key)
            #expect(refused.status == 401 && refused.string("type") == "https://tract.dev/problems/step-up-required", "\(refused.text)")

            let stepped = try await SystemClient.send(
                .POST, "\(suite.auth)/v1/auth/mfa/step-up", #"{"recovery_code":"\#(recovery[0])"}"#, token: stale)
            try #require(stepped.status == 200, "\(stepped.text)")
            let again = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/investments/\(investment)/commit", token: try #require(stepped.string("access_token")),
                idempotencyKey: key)
            #expect(again.status == 200, "\(again.text)")
            #expect(again.string("status") == "committed")
        }
    }
}
