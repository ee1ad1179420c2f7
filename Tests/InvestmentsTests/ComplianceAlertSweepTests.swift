import Foundation
import Logging
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import InvestmentsService

/// The sweep that tells sponsors of deadlines, against the real database: an at-risk improvement
/// window and a near test date each become one `compliance.deadline_approaching` for
/// communications (which makes the sponsor's notification), once.
@Suite struct ComplianceAlertSweepTests {
    @Test func anAtRiskWindowAndANearTestDateAlertTheSponsorOnce() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsorID = UUID()
            let sponsor = try await fixture.token(.sponsor, user: sponsorID)
            let offering = try await fixture.openOffering(sponsor: sponsor)
            let fund = "/v1/compliance/funds/\(offering)"
            #expect(try await fixture.investments.send(.PUT, fund, json: ComplianceRouteTests.setup, token: sponsor).status == 200)
            // Today is 2026-11-24. Bought 2024-06-01: the window ends 2026-12-01, 7 days away, with
            // nothing spent (at risk). The 2026-12-31 test date is 37 days away: its 90-day alert.
            let basis = #"{"acquired_on": "2024-06-01", "purchase_price": "1000000", "land_basis": "400000", "building_basis": "600000"}"#
            let tracker = try await fixture.investments.send(.PUT, "\(fund)/substantial-improvement", json: basis, token: sponsor)
            #expect(tracker.string("status") == "at_risk" && tracker["days_left"] == .number(7), "\(tracker.text)")

            let sweep = { () async throws -> Int in
                try await TestDatabase.withClient(fixture.database.url(for: .investments)) { client in
                    try await ComplianceAlertSweep(
                        postgres: client, outbox: OutboxPublisher(source: "investments", schema: "investments"), clock: InvestmentsFixture.clock,
                        logger: Logger(label: "test.sweep")
                    ).sweep(logger: Logger(label: "test.sweep"))
                }
            }
            #expect(try await sweep() == 2)
            let sent = try await fixture.sql(
                """
                SELECT concat_ws(' ', envelope->'payload'->>'kind', envelope->'payload'->>'deadline', envelope->'payload'->>'days_before',
                       envelope->'payload'->>'sponsor_id')
                FROM investments.outbox WHERE event_type = 'compliance.deadline_approaching' AND subscriber = 'communications' ORDER BY 1
                """)
            let id = sponsorID.uuidString
            #expect(sent == ["asset_test 2026-12-31 90 \(id)", "improvement_window 2026-12-01 7 \(id)"])
            // Sent once: a second pass the same day publishes nothing.
            #expect(try await sweep() == 0)
        }
    }
}
