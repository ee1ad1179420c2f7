import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import CommunicationsService

/// Issue 21: investments' `compliance.deadline_approaching` becomes a notification for the fund's
/// sponsor only, of the legal category (it cannot be turned off), high priority a week out.
@Suite struct ComplianceNotificationTests {
    static let sponsor = UserContact(id: UUID(), email: "sloane@example.com", firstName: "Sloane", emailVerified: true)
    static let investor = UserContact(id: UUID(), email: "iris@example.com", firstName: "Iris", emailVerified: true)

    static func deadline(kind: String, days: Int, detail: String?) -> String {
        """
        {"offering_id":"\(UUID().uuidString.lowercased())","sponsor_id":"\(Self.sponsor.id.uuidString.lowercased())",
         "offering_name":"Magnolia Court","kind":"\(kind)","deadline":"2026-12-01","days_before":\(days),"days_left":\(days),
         "detail":\(detail.map { "\"\($0)\"" } ?? "null")}
        """
    }

    @Test func aComplianceDeadlineNotifiesTheFundsSponsorOnly() async throws {
        try await NotificationFixture.run(accounts: [Self.sponsor, Self.investor]) { fixture in
            let detail = "$0.00 spent; with the schedule only $0.00 by 2026-12-01, not more than the $600,000.00 required"
            let window = try await fixture.deliver(
                "compliance.deadline_approaching", from: .investments, payload: Self.deadline(kind: "improvement_window", days: 7, detail: detail))
            #expect(window.string("outcome") == "applied", "\(window.text)")
            try await fixture.deliver(
                "compliance.deadline_approaching", from: .investments, payload: Self.deadline(kind: "asset_test", days: 30, detail: nil))
            #expect(
                try await fixture.titles(Self.sponsor.id) == [
                    "Magnolia Court: the 90% asset test date is in 30 days",
                    "Magnolia Court: the substantial-improvement window closes in 7 days",
                ])
            #expect(try await fixture.titles(Self.investor.id).isEmpty)
            #expect(
                try await fixture.sql(
                    "SELECT concat_ws(' ', category, priority, message) FROM communications.notifications ORDER BY created_at, id"
                ) == [
                    "legal high Deadline 2026-12-01. \(detail).", "legal normal Deadline 2026-12-01.",
                ])
        }
    }
}
