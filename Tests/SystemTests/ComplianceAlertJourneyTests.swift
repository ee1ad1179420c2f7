import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

/// Issue 21's end to end: an OZ fund whose substantial-improvement window closes in four days
/// with nothing spent is at risk; investments' sweep publishes the deadline, communications turns
/// it into the sponsor's notification and mail. Real processes, real outbox and inbox, real SMTP.
@Suite struct ComplianceAlertJourneyTests {
    /// `days` after today, less 30 months: a building bought then has its 30-month window end in `days` days.
    static func acquisition(windowEndingIn days: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let end = calendar.date(byAdding: .day, value: days, to: Date())!
        let bought = calendar.date(byAdding: .month, value: -30, to: end)!
        let parts = calendar.dateComponents([.year, .month, .day], from: bought)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    @Test func anAtRiskImprovementWindowReachesTheSponsor() async throws {
        try await Self.atRiskWindowReachesTheSponsor(replicas: RunningSuite.defaultReplicas)
    }

    /// The journey with `replicas` processes of each service: with several, every investments
    /// replica sweeps every second, and still one alert is sent (ReplicaBehaviourTests).
    static func atRiskWindowReachesTheSponsor(replicas: Int) async throws {
        let services: [ServiceName] = [.auth, .properties, .investments, .communications]
        try await RunningSuite.with(services, environment: ["COMPLIANCE_ALERT_SWEEP_SECONDS": "1"], replicas: replicas) { suite in
            let tag = UUID().uuidString.prefix(6).lowercased()
            let email = "fund.\(tag)@example.com"
            let account = try await InvestorMailJourneyTests.verifiedAccount(suite, email: email, firstName: "Fiona")
            try await suite.sql("UPDATE auth.users SET account_role = 'sponsor' WHERE email = '\(email)'")
            let sponsor = try #require(try await SystemClient.signIn(suite, account.email, account.password).string("access_token"))

            let property = try await SystemClient.send(
                .POST, "\(suite.properties)/v1/properties",
                """
                {"property_name": "Riverside Works", "property_type": "mixed_use", "address_line1": "9 Mill Rd",
                 "city": "Prattville", "state": "AL", "zip_code": "36067", "total_units": 30, "status": "renovating",
                 "visibility": "public", "investment_open": true, "minimum_investment": "25000", "target_raise": "2000000"}
                """,
                token: sponsor)
            try #require(property.status == 201, "\(property.text)")
            let offering = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/offerings",
                #"{"property_id": "\#(try #require(property.string("id")))", "requires_accreditation": false}"#, token: sponsor)
            let offeringID = try #require(offering.string("id"), "\(offering.text)")
            let fund = "\(suite.investments)/v1/compliance/funds/\(offeringID)"
            let setUp = try await SystemClient.send(
                .PUT, fund,
                """
                {"entity_type": "partnership", "tax_year_end_month": 12, "first_qof_month": "2024-01",
                 "self_certified_on": "2024-01-01", "holds": "direct", "valuation_method": "cost"}
                """,
                token: sponsor)
            try #require(setUp.status == 200 || setUp.status == 201, "\(setUp.text)")
            // Bought so the window ends in four days, $1.2M of building basis, nothing spent or planned.
            let basis = try await SystemClient.send(
                .PUT, "\(fund)/substantial-improvement",
                """
                {"acquired_on": "\(Self.acquisition(windowEndingIn: 4))", "purchase_price": "1500000", "land_basis": "300000",
                 "building_basis": "1200000", "schedule": []}
                """,
                token: sponsor)
            try #require(basis.status == 200 || basis.status == 201, "\(basis.text)")
            let tracker = try await SystemClient.send(.GET, "\(fund)/substantial-improvement", token: sponsor)
            #expect(tracker.text.contains("\"at_risk\""), "\(tracker.text)")

            // The sweep (every second here) publishes; communications notifies and mails the sponsor.
            let title = "Riverside Works: the substantial-improvement window closes in 4 days"
            let mail = try await suite.sink.waitForMessage(to: email, subjectPrefix: title, timeout: .seconds(60))
            #expect(mail.text?.contains("Hello Fiona,") == true)
            let notifications = try await SystemClient.send(.GET, "\(suite.communications)/v1/communications/notifications", token: sponsor)
            #expect(notifications.text.contains(title), "\(notifications.text)")
            // Once per threshold, however many sweeps run.
            try await Task.sleep(for: .seconds(3))
            #expect(try suite.sink.messages().filter { $0.rcptTos.contains(email) && $0.subject.hasPrefix(title) }.count == 1)
        }
    }
}
