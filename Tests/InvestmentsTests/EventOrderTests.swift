import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import InvestmentsService

/// Events between properties and investments arrive late, twice and out of order (deliveries are
/// parallel and retried); each side keeps the newest state it has seen.
@Suite struct EventOrderTests {
    /// Delivers again, under a new event id, the first event of `type` properties sent to investments,
    /// as a late retry would; returns the inbox's outcome.
    static func replay(_ type: String, _ fixture: InvestmentsFixture) async throws -> String? {
        let envelope = try #require(
            try await fixture.sql(
                """
                SELECT jsonb_set(envelope, '{id}', to_jsonb(gen_random_uuid()::text))::text FROM properties.outbox
                WHERE event_type = '\(type)' AND subscriber = 'investments' ORDER BY id LIMIT 1
                """
            ).first
        )
        let token = try await fixture.issuer.serviceToken(for: .properties)
        let reply = try await fixture.investments.post("/internal/events", envelope, token: token)
        #expect(reply.status == 200, "\(reply.text)")
        return reply.string("outcome")
    }

    /// Issue 11 #22: a late `property.updated` or `property.offering_changed` brought a deleted
    /// property back to life and put its old terms back; older events now change nothing.
    @Test func aLatePropertyEventDoesNotUndoANewerOne() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try await fixture.listProperty(sponsor: sponsor)
            let created = try await fixture.investments.post("/v1/offerings", #"{"property_id": "\#(property)"}"#, token: sponsor)
            let offering = try #require(created.string("id"), "\(created.text)")

            let patched = try await fixture.properties.send(
                .PATCH, "/v1/properties/\(property)", json: #"{"target_raise": "4000000.00"}"#, token: sponsor
            )
            #expect(patched.status == 200)
            #expect(
                try await eventually(timeout: .seconds(20)) {
                    try await fixture.investments.get("/v1/offerings/\(offering)", token: sponsor).string("target_raise") == "4000000.00"
                }
            )
            let second = try await fixture.properties.send(
                .PATCH, "/v1/properties/\(property)", json: #"{"target_raise": "5000000.00"}"#, token: sponsor
            )
            #expect(second.status == 200)
            #expect(
                try await eventually(timeout: .seconds(20)) {
                    try await fixture.investments.get("/v1/offerings/\(offering)", token: sponsor).string("target_raise") == "5000000.00"
                }
            )
            // The first terms change, delivered again late: the offering keeps the newer terms.
            #expect(try await Self.replay("property.offering_changed", fixture) == "applied")
            #expect(try await fixture.investments.get("/v1/offerings/\(offering)", token: sponsor).string("target_raise") == "5000000.00")
            #expect(
                try await fixture.sql("SELECT target_raise::text FROM investments.property_copies WHERE property_id = '\(property)'") == [
                    "5000000.00"
                ])

            #expect(try await fixture.properties.send(.DELETE, "/v1/properties/\(property)", token: sponsor).status == 204)
            #expect(
                try await eventually(timeout: .seconds(20)) {
                    try await fixture.sql("SELECT deleted::text FROM investments.property_copies WHERE property_id = '\(property)'") == ["true"]
                }
            )
            // Late snapshots from before the deletion: the copy stays deleted, the offering closed.
            #expect(try await Self.replay("property.updated", fixture) == "applied")
            #expect(try await Self.replay("property.published", fixture) == "applied")
            #expect(try await fixture.sql("SELECT deleted::text FROM investments.property_copies WHERE property_id = '\(property)'") == ["true"])
            #expect(try await fixture.investments.get("/v1/offerings/\(offering)", token: sponsor).string("status") == "closed")
        }
    }

    /// Issue 11 #21: listings showed $0 raised and 0 investors forever; the offering's totals now
    /// reach the listing with every commitment and cancellation, and an older total never wins.
    @Test func commitmentsMoveTheListingsAmountRaised() async throws {
        try await InvestmentsFixture.run(deliversTotals: true) { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try await fixture.listProperty(sponsor: sponsor)
            let created = try await fixture.investments.post(
                "/v1/offerings", #"{"property_id": "\#(property)", "requires_accreditation": false}"#, token: sponsor
            )
            let offering = try #require(created.string("id"), "\(created.text)")
            let listing = "/v1/properties/\(property)"
            #expect(try await fixture.properties.get(listing, token: sponsor).string("amount_raised") == "0.00")

            let first = try await fixture.commit("100000", in: offering, investor: try await fixture.token(.investor))
            let secondInvestor = try await fixture.token(.investor)
            _ = try await fixture.commit("50000", in: offering, investor: secondInvestor)
            let raised = try await eventually(timeout: .seconds(20)) {
                let shown = try await fixture.properties.get(listing, token: sponsor)
                return shown.string("amount_raised") == "150000.00" && shown["investor_count"] == .number(2)
            }
            let shownRaised = try await fixture.properties.get(listing, token: sponsor).text
            #expect(raised, "\(shownRaised)")

            #expect(try await fixture.post("/v1/investments/\(first)/cancel", token: sponsor).status == 200)
            let released = try await eventually(timeout: .seconds(20)) {
                let shown = try await fixture.properties.get(listing, token: sponsor)
                return shown.string("amount_raised") == "50000.00" && shown["investor_count"] == .number(1)
            }
            #expect(released)

            // The first total (100000.00, version 1), delivered again late: the listing keeps the newest.
            let stale = try #require(
                try await fixture.sql(
                    """
                    SELECT jsonb_set(envelope, '{id}', to_jsonb(gen_random_uuid()::text))::text FROM investments.outbox
                    WHERE event_type = 'offering.totals_changed' ORDER BY id LIMIT 1
                    """
                ).first
            )
            let token = try await fixture.issuer.serviceToken(for: .investments)
            #expect(try await fixture.properties.post("/internal/events", stale, token: token).string("outcome") == "applied")
            let shown = try await fixture.properties.get(listing, token: sponsor)
            #expect(shown.string("amount_raised") == "50000.00")
            #expect(shown["investor_count"] == .number(1))
        }
    }
}
