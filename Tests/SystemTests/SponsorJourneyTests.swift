import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

/// Issue 16's second acceptance line, through the gateway with auth, properties and communications
/// as real processes and no SQL on the developer's path: a developer checks a site (seed 000: that
/// makes them a developer), is refused when they try to list it, applies to become a sponsor, staff
/// approve, the decision is mailed over SMTP, and the developer's next token lists the property.
/// Only the staff account itself is made an admin by SQL: someone has to be the first admin.
@Suite(.serialized) struct SponsorJourneyTests {
    static let listing = """
        {"property_name": "Riverside Lofts", "property_type": "multi_family", "address_line1": "12 Mill St",
         "city": "Autaugaville", "state": "AL", "zip_code": "36003", "total_units": 24, "property_class": "B"}
        """

    @Test func aDeveloperAppliesStaffApproveAndTheDeveloperListsThroughTheGateway() async throws {
        try await RunningSuite.with([.auth, .properties, .communications]) { suite in
            try await GatewayProcess.with(suite) { gateway in
                let tag = UUID().uuidString.prefix(6).lowercased()
                let staffAccount = try await InvestorMailJourneyTests.verifiedAccount(suite, email: "staff.\(tag)@example.com", firstName: "Sam")
                try await suite.sql("UPDATE auth.users SET account_role = 'admin' WHERE email = 'staff.\(tag)@example.com'")
                let staff = try #require(try await SystemClient.signIn(suite, staffAccount.email, staffAccount.password).string("access_token"))

                // The developer signs up from the OZ-check entry point and verifies their address.
                let email = "dev.\(tag)@example.com"
                let password = "a sponsor journey passphrase"
                let signUp = try await SystemClient.send(
                    .POST, "\(gateway)/v1/auth/signup",
                    #"{"email":"\#(email)","password":"\#(password)","source":"check_if_your_development_is_in_an_oz"}"#)
                try #require(signUp.status == 202, "\(signUp.text)")
                let confirm = try await suite.sink.waitForMessage(to: email, timeout: .seconds(30))
                let verifyToken = try #require(SystemClient.token(in: confirm.text ?? ""))
                try #require(try await SystemClient.send(.POST, "\(gateway)/v1/auth/verify-email", #"{"token":"\#(verifyToken)"}"#).status == 200)
                var tokens = try await Self.signIn(gateway, email, password)

                // A saved OZ check makes them a developer once auth has the event (the next token says so).
                let checked = try await SystemClient.send(
                    .POST, "\(gateway)/v1/oz/check", #"{"tract_geoid":"01001020700","save":true}"#, token: tokens.access)
                #expect(checked.status == 200 || checked.status == 201, "\(checked.text)")
                let developer = try await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
                    tokens = try await Self.refresh(gateway, tokens.refresh)
                    return try Self.roles(tokens.access).contains("developer")
                }
                #expect(developer, "the OZ check made the user a developer")

                // What the issue found: a developer who checked their site cannot list it.
                let refused = try await SystemClient.send(.POST, "\(gateway)/v1/properties", Self.listing, token: tokens.access)
                #expect(refused.status == 403, "\(refused.text)")

                let applied = try await SystemClient.send(
                    .POST, "\(gateway)/v1/auth/sponsor-applications",
                    """
                    {"legal_name":"Riverside Development LLC","website":"https://riverside.example","tax_id":"12-3456789",
                     "title":"Managing partner","description":"Ground-up multifamily in opportunity zones.","project_count":2,
                     "markets":["Montgomery, AL"]}
                    """,
                    token: tokens.access)
                try #require(applied.status == 201, "\(applied.text)")
                let application = try #require(applied.string("id"))
                // The applicant cannot approve themselves; staff can.
                let selfApproved = try await SystemClient.send(
                    .POST, "\(gateway)/v1/auth/admin/sponsor-applications/\(application)/approve", token: tokens.access)
                #expect(selfApproved.status == 403)
                let approved = try await SystemClient.send(
                    .POST, "\(gateway)/v1/auth/admin/sponsor-applications/\(application)/approve", token: staff)
                #expect(approved.status == 200, "\(approved.text)")
                let mail = try await suite.sink.waitForMessage(to: email, subjectPrefix: "Your Tract sponsor application", timeout: .seconds(30))
                #expect(mail.text?.contains("Riverside Development LLC") == true, "\(mail.text ?? "")")

                // The next token is a sponsor's that keeps the developer hat, and the listing goes through.
                tokens = try await Self.refresh(gateway, tokens.refresh)
                #expect(try Self.roles(tokens.access).first == "sponsor")
                #expect(try Self.roles(tokens.access).contains("developer"))
                let listed = try await SystemClient.send(.POST, "\(gateway)/v1/properties", Self.listing, token: tokens.access)
                #expect(listed.status == 201, "\(listed.text)")
                let id = try #require(listed.string("id"))
                let read = try await SystemClient.send(.GET, "\(gateway)/v1/properties/\(id)", token: tokens.access)
                #expect(read.string("property_name") == "Riverside Lofts")

                // Staff see the whole story in the audit log.
                let audit = try await SystemClient.send(.GET, "\(gateway)/v1/auth/admin/audit-log?action=sponsor_application.approved", token: staff)
                #expect(audit.status == 200, "\(audit.text)")
                #expect(audit.text.lowercased().contains(application.lowercased()), "\(audit.text)")
            }
        }
    }

    struct Tokens {
        var access: String
        var refresh: String
    }

    static func signIn(_ gateway: String, _ email: String, _ password: String) async throws -> Tokens {
        let reply = try await SystemClient.send(
            .POST, "\(gateway)/v1/auth/token", #"{"grant_type":"password","email":"\#(email)","password":"\#(password)"}"#)
        return Tokens(access: try #require(reply.string("access_token")), refresh: try #require(reply.string("refresh_token")))
    }

    static func refresh(_ gateway: String, _ refresh: String) async throws -> Tokens {
        let reply = try await SystemClient.send(
            .POST, "\(gateway)/v1/auth/token", #"{"grant_type":"refresh_token","refresh_token":"\#(refresh)"}"#)
        return Tokens(access: try #require(reply.string("access_token"), "\(reply.text)"), refresh: try #require(reply.string("refresh_token")))
    }

    /// The `roles` claim of an access token (the payload is not verified here: the services do that).
    static func roles(_ token: String) throws -> [String] {
        let parts = token.split(separator: ".")
        var payload = String(try #require(parts.dropFirst().first)).replacingOccurrences(of: "-", with: "+").replacingOccurrences(
            of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        let data = try #require(Data(base64Encoded: payload))
        let claims = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return claims["roles"] as? [String] ?? []
    }
}
