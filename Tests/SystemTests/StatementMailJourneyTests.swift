import Foundation
import Models
import NIOHTTP1
import Testing
import TestSupport

/// A statement reaching its investor across real processes: staff in auth make it final in
/// investments, investments finds the investor's address through auth's internal route, and the
/// `statement_ready` email goes investments' outbox → communications → SMTP → the sink.
@Suite(.serialized) struct StatementMailJourneyTests {
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
            #expect(try await SystemClient.send(.POST, "\(suite.investments)/v1/statements/\(id)/send", token: staff).status == 409)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try suite.sink.messages().filter { $0.rcptTos == [investor.email] }.count == 2)  // confirm-email + statement
        }
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
        let signUp = try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/signup",
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
