import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

/// What investors hear about their money, across real processes: investments finds the investor's
/// address through auth's internal route (or communications does, for events), and the email goes
/// investments' outbox → communications → SMTP → the sink.
@Suite(.serialized) struct InvestorMailJourneyTests {
    @Test func committingFundingAndPaymentEachEmailTheInvestor() async throws {
        try await RunningSuite.with([.auth, .communications, .investments, .properties]) { suite in
            let pendingInvestment = try await Self.pendingInvestment(suite, properties: suite.properties, investments: suite.investments)
            let (investor, sponsor, investment) = (pendingInvestment.investor, pendingInvestment.sponsor, pendingInvestment.investmentID)
            let (propertyID, offeringID) = (pendingInvestment.propertyID, pendingInvestment.offeringID)
            let committed = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/investments/\(investment)/commit", token: investor.token, idempotencyKey: UUID().uuidString
            )
            try #require(committed.status == 200, "\(committed.text)")
            let confirmation = try await suite.sink.waitForMessage(to: investor.email, subjectPrefix: "Your $50,000.00", timeout: .seconds(30))
            #expect(confirmation.subject == "Your $50,000.00 commitment is confirmed")
            #expect(confirmation.text?.contains("Hello Grace,") == true)
            // Issue 11 #21: the listing shows what the offering has raised (offering.totals_changed).
            let listing = "\(suite.properties)/v1/properties/\(propertyID)"
            let shown = try await eventually(timeout: .seconds(30)) {
                let read = try await SystemClient.send(.GET, listing, token: investor.token)
                let fields = try? JSONSerialization.jsonObject(with: Data(read.text.utf8)) as? [String: Any]
                return read.string("amount_raised") == "50000.00" && fields?["investor_count"] as? Int == 1
            }
            let lastRead = try await SystemClient.send(.GET, listing, token: investor.token).text
            #expect(shown, "\(lastRead)")

            let funded = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/investments/\(investment)/fund", #"{"date": "2026-11-02"}"#,
                token: sponsor, idempotencyKey: UUID().uuidString
            )
            try #require(funded.status == 200, "\(funded.text)")
            let receipt = try await suite.sink.waitForMessage(to: investor.email, subjectPrefix: "We received", timeout: .seconds(30))
            #expect(receipt.subject == "We received your $50,000.00 investment")
            #expect(receipt.text?.contains("funded on 2026-11-02") == true)

            let distribution = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/distributions",
                """
                {"offering_id": "\(offeringID)", "distribution_type": "quarterly", "distribution_date": "2026-11-10",
                 "total_amount": "1000.00", "calculation_method": "pro_rata", "withholding_rates": {"\(investor.id)": 0.24}}
                """,
                token: sponsor, idempotencyKey: UUID().uuidString
            )
            try #require(distribution.status == 201, "\(distribution.text)")
            let paid = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/distributions/\(distribution.string("id") ?? "")/complete",
                token: sponsor, idempotencyKey: UUID().uuidString
            )
            try #require(paid.status == 200, "\(paid.text)")
            let payment = try await suite.sink.waitForMessage(to: investor.email, subjectPrefix: "Your quarterly distribution", timeout: .seconds(30))
            #expect(payment.subject == "Your quarterly distribution of $760.00 was paid")
            #expect(payment.text?.contains("tax withheld    $240.00") == true)

            // Confirm-email, commitment, funding, payment: one each, however the events were delivered.
            try await Task.sleep(for: .milliseconds(500))
            #expect(try suite.sink.messages().filter { $0.rcptTos == [investor.email] }.count == 4)
        }
    }

    @Test func sendingAFinalStatementEmailsItsInvestorOnce() async throws {
        try await RunningSuite.with([.auth, .communications, .investments]) { suite in
            let tag = UUID().uuidString.prefix(6).lowercased()
            let investor = try await Self.verifiedAccount(suite, email: "statement.\(tag)@example.com", firstName: "Ada")
            let admin = try await Self.verifiedAccount(suite, email: "staff.\(tag)@example.com", firstName: "Sam")
            try await suite.sql("UPDATE auth.users SET account_role = 'admin' WHERE email = 'staff.\(tag)@example.com'")
            let staff = try #require(try await SystemClient.signIn(suite, admin.email, admin.password).string("access_token"))

            let drafted = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/statements",
                #"{"investor_id": "\#(investor.id)", "type": "monthly", "period_start": "2026-10-01", "period_end": "2026-10-31"}"#,
                token: staff
            )
            try #require(drafted.status == 201, "\(drafted.text)")
            let id = try #require(drafted.string("id"))
            let final = try await SystemClient.send(.POST, "\(suite.investments)/v1/statements/\(id)/finalize", token: staff)
            try #require(final.status == 200, "\(final.text)")
            let sent = try await SystemClient.send(.POST, "\(suite.investments)/v1/statements/\(id)/send", token: staff)
            #expect(sent.status == 200, "\(sent.text)")
            #expect(sent.string("status") == "sent")

            let mail = try await suite.sink.waitForMessage(to: investor.email, subjectPrefix: "Your Tract monthly", timeout: .seconds(30))
            #expect(mail.subject == "Your Tract monthly statement for October 2026 is ready")
            #expect(mail.text?.contains("Ada") == true)
            #expect(mail.text?.contains("https://app.tract.test/statements/\(id)") == true)

            // The investor reads it, now marked sent; sending again is refused and mails nobody.
            let mine = try await SystemClient.send(.GET, "\(suite.investments)/v1/statements/\(id)", token: investor.token)
            #expect(mine.string("status") == "sent")
            // The document names the investor as auth knows them (issue 20), not only by id.
            let document = try await SystemClient.send(.GET, "\(suite.investments)/v1/statements/\(id)/document", token: investor.token)
            #expect(document.text.contains("Prepared for <strong>Ada"), "\(document.text.prefix(600))")
            #expect(try await SystemClient.send(.POST, "\(suite.investments)/v1/statements/\(id)/send", token: staff).status == 409)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try suite.sink.messages().filter { $0.rcptTos == [investor.email] }.count == 2)  // confirm-email + statement
        }
    }

    /// What a commit needs, made through the API at `properties` and `investments` (each service's
    /// own URL, or the gateway for both): a verified investor, Grace, with a pending $50,000
    /// investment in an open offering of a verified sponsor's listing.
    struct PendingInvestment {
        var investor: Account
        var sponsor: String
        var propertyID: String
        var offeringID: String
        var investmentID: String
    }

    static func pendingInvestment(_ suite: RunningSuite, properties: String, investments: String) async throws -> PendingInvestment {
        let tag = UUID().uuidString.prefix(6).lowercased()
        let investor = try await Self.verifiedAccount(suite, email: "investor.\(tag)@example.com", firstName: "Grace")
        let sponsorAccount = try await Self.verifiedAccount(suite, email: "sponsor.\(tag)@example.com", firstName: "Sol")
        try await suite.sql("UPDATE auth.users SET account_role = 'sponsor' WHERE email = 'sponsor.\(tag)@example.com'")
        let sponsor = try #require(try await SystemClient.signIn(suite, sponsorAccount.email, sponsorAccount.password).string("access_token"))
        let property = try await SystemClient.send(
            .POST, "\(properties)/v1/properties",
            """
            {"property_name": "Journey Flats", "property_type": "multi_family", "address_line1": "1 Journey Rd",
             "city": "Prattville", "state": "AL", "zip_code": "36067", "total_units": 12, "property_class": "B",
             "status": "active", "visibility": "investors", "investment_open": true,
             "minimum_investment": "25000", "maximum_investment": "250000", "target_raise": "1000000"}
            """,
            token: sponsor
        )
        try #require(property.status == 201, "\(property.text)")
        let offering = try await SystemClient.send(
            .POST, "\(investments)/v1/offerings", #"{"property_id": "\#(property.string("id") ?? "")", "requires_accreditation": false}"#,
            token: sponsor)
        try #require(offering.status == 201, "\(offering.text)")
        let pending = try await SystemClient.send(
            .POST, "\(investments)/v1/offerings/\(offering.string("id") ?? "")/investments", #"{"amount": "50000"}"#,
            token: investor.token, idempotencyKey: UUID().uuidString)
        try #require(pending.status == 201, "\(pending.text)")
        return PendingInvestment(
            investor: investor, sponsor: sponsor, propertyID: try #require(property.string("id")),
            offeringID: try #require(offering.string("id")), investmentID: try #require(pending.string("id")))
    }

    struct Account {
        var id: String
        var email: String
        var password: String
        var token: String
    }

    /// Signs up, confirms the email from the sink, signs in and gives a first name.
    static func verifiedAccount(_ suite: RunningSuite, email: String, firstName: String) async throws -> Account {
        let password = "a statement journey passphrase"
        let signUp = try await SystemClient.send(
            .POST, "\(suite.auth)/v1/auth/signup",
            #"{"email":"\#(email)","password":"\#(password)"}"#)
        try #require(signUp.status == 202, "\(signUp.text)")
        let mail = try await suite.sink.waitForMessage(to: email, timeout: .seconds(30))
        let token = try #require(SystemClient.token(in: mail.text ?? ""))
        try #require(try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/verify-email", #"{"token":"\#(token)"}"#).status == 200)
        let access = try #require(try await SystemClient.signIn(suite, email, password).string("access_token"))
        let named = try await SystemClient.send(.PATCH, "\(suite.auth)/v1/auth/me", #"{"first_name":"\#(firstName)"}"#, token: access)
        try #require(named.status == 200, "\(named.text)")
        let id = try #require(named.string("id"))
        return Account(id: id, email: email, password: password, token: access)
    }
}
