import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// Issue 22, the verifier flow across real processes: investments mails the verifier a single-use
/// link (outbox → communications → SMTP → the sink), the verifier uploads through it without an
/// account, staff decide, and communications mails the investor the decision — approved and
/// rejected alike. A Rule 506(c) offering refuses the investor before and takes them after.
@Suite(.serialized) struct AccreditationJourneyTests {
    static let letter = "%PDF-1.4\n% Ledger & Co. CPAs: we verified the investor's income for 2024 and 2025.\n%%EOF\n"

    @Test func aVerifierLetterIsMailedUploadedOnceDecidedAndTheDecisionMailed() async throws {
        try await RunningSuite.with([.auth, .communications, .investments, .properties]) { suite in
            let tag = UUID().uuidString.prefix(6).lowercased()
            let investor = try await InvestorMailJourneyTests.verifiedAccount(suite, email: "accredit.\(tag)@example.com", firstName: "Grace")
            let staffAccount = try await InvestorMailJourneyTests.verifiedAccount(suite, email: "staff.\(tag)@example.com", firstName: "Sam")
            let sponsorAccount = try await InvestorMailJourneyTests.verifiedAccount(suite, email: "sponsor.\(tag)@example.com", firstName: "Sol")
            try await suite.sql("UPDATE auth.users SET account_role = 'admin' WHERE email = 'staff.\(tag)@example.com'")
            try await suite.sql("UPDATE auth.users SET account_role = 'sponsor' WHERE email = 'sponsor.\(tag)@example.com'")
            let staff = try #require(try await SystemClient.signIn(suite, staffAccount.email, staffAccount.password).string("access_token"))
            let sponsor = try #require(try await SystemClient.signIn(suite, sponsorAccount.email, sponsorAccount.password).string("access_token"))

            let property = try await SystemClient.send(
                .POST, "\(suite.properties)/v1/properties",
                """
                {"property_name": "Accredited Flats", "property_type": "multi_family", "address_line1": "5 Rule Rd",
                 "city": "Prattville", "state": "AL", "zip_code": "36067", "total_units": 12, "property_class": "B",
                 "status": "active", "visibility": "investors", "investment_open": true,
                 "minimum_investment": "25000", "maximum_investment": "250000", "target_raise": "1000000"}
                """,
                token: sponsor)
            try #require(property.status == 201, "\(property.text)")
            // requires_accreditation defaults to true: a Rule 506(c) offering.
            let offering = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/offerings", #"{"property_id": "\#(property.string("id") ?? "")"}"#, token: sponsor)
            try #require(offering.status == 201, "\(offering.text)")
            let invest = "\(suite.investments)/v1/offerings/\(offering.string("id") ?? "")/investments"
            let refused = try await SystemClient.send(
                .POST, invest, #"{"amount": "50000"}"#, token: investor.token, idempotencyKey: UUID().uuidString)
            #expect(refused.status == 403, "\(refused.text)")

            let submitted = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/investor-profile/verifications", #"{"type": "accredited"}"#, token: investor.token)
            try #require(submitted.status == 201, "\(submitted.text)")
            let verification = try #require(submitted.string("id"))
            let verifier = "cpa.\(tag)@ledger.example"
            let asked = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/verifications/\(verification)/verifier-request",
                #"{"verifier_name": "Ada Ledger", "verifier_email": "\#(verifier)", "verifier_role": "cpa", "license_number": "AL-CPA-4471"}"#,
                token: investor.token)
            try #require(asked.status == 201, "\(asked.text)")

            // The verifier's email names the investor and carries the link.
            let mail = try await suite.sink.waitForMessage(to: verifier, timeout: .seconds(30))
            #expect(mail.subject == "Grace (\(investor.email)) asks you to confirm their accredited-investor status")
            #expect(mail.text?.contains("Hello Ada Ledger,") == true)
            #expect(mail.text?.contains("certified public accountant") == true)
            let text = mail.text ?? ""
            let range = try #require(
                text.range(of: #"https://app\.tract\.test/v1/verifications/letters/[A-Za-z0-9_\-]{43}"#, options: .regularExpression))
            let link = suite.investments + String(text[range].dropFirst("https://app.tract.test".count))
            let recorded = try await SystemClient.send(.GET, link)
            #expect(recorded.status == 200, "\(recorded.text)")
            #expect(recorded.string("verifier_name") == "Ada Ledger")

            let today = CalendarDate.day(of: Date()).description
            let uploaded = try await Self.upload("\(link)?letter_date=\(today)&file_name=ledger.pdf")
            #expect(uploaded.status == 201, "\(uploaded.body)")
            let second = try await Self.upload("\(link)?letter_date=\(today)&file_name=ledger-again.pdf")
            #expect(second.status == 410, "\(second.body)")

            let decided = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/verifications/\(verification)/review", #"{"decision": "approve"}"#, token: staff)
            #expect(decided.status == 200, "\(decided.text)")
            let approval = try await suite.sink.waitForMessage(to: investor.email, subjectPrefix: "Your accredited-investor", timeout: .seconds(30))
            #expect(approval.subject == "Your accredited-investor verification was approved")
            #expect(approval.text?.contains("Hello Grace,") == true)
            #expect(approval.text?.contains("counts until \(CalendarDate.day(of: Date()).adding(days: 90))") == true)

            let position = try await SystemClient.send(
                .POST, invest, #"{"amount": "50000"}"#, token: investor.token, idempotencyKey: UUID().uuidString)
            #expect(position.status == 201, "\(position.text)")
            let committed = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/investments/\(position.string("id") ?? "")/commit", token: investor.token,
                idempotencyKey: UUID().uuidString)
            #expect(committed.status == 200, "\(committed.text)")

            // A rejection is mailed with its reason.
            let declined = try await InvestorMailJourneyTests.verifiedAccount(suite, email: "declined.\(tag)@example.com", firstName: "Eve")
            let theirs = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/investor-profile/verifications", #"{"type": "accredited", "method": "income"}"#, token: declined.token
            )
            try #require(theirs.status == 201, "\(theirs.text)")
            let rejected = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/verifications/\(theirs.string("id") ?? "")/review",
                #"{"decision": "reject", "rejection_reason": "The returns show income below $200,000 in 2024."}"#, token: staff)
            #expect(rejected.status == 200, "\(rejected.text)")
            let rejection = try await suite.sink.waitForMessage(to: declined.email, subjectPrefix: "Your accredited-investor", timeout: .seconds(30))
            #expect(rejection.subject == "Your accredited-investor verification was not approved")
            #expect(rejection.text?.contains("The returns show income below $200,000 in 2024.") == true)
            #expect(rejection.html?.contains("income below $200,000") == true)

            // One mail to the verifier, however the events were delivered.
            try await Task.sleep(for: .milliseconds(500))
            #expect(try suite.sink.messages().filter { $0.rcptTos == [verifier] }.count == 1)
        }
    }

    static func upload(_ url: String) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/pdf")
        request.body = .bytes(ByteBuffer(string: Self.letter))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }
}
