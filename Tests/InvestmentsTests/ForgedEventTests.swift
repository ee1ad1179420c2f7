import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import InvestmentsService

/// Issue 11, item 4: a forged `property.deleted` closed any offering. Only properties' token, in
/// properties' name, may tell investments about properties; anything else is a 403 with no effect.
@Suite struct ForgedEventTests {
    @Test func onlyPropertiesMayTakeAPropertyDown() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let offering = try await fixture.openOffering(sponsor: sponsor)
            let property = try #require(try await fixture.sql("SELECT property_id::text FROM investments.offerings WHERE id = '\(offering)'").first)

            func deleted(source: String, id: String) -> String {
                #"{"id":"\#(id)","type":"property.deleted","source":"\#(source)","occurred_at":"2026-11-22T12:00:00Z","payload":{"property_id":"\#(property)"}}"#
            }
            let analytics = try await fixture.issuer.serviceToken(for: .analytics)
            let communications = try await fixture.issuer.serviceToken(for: .communications)
            for (token, source, id) in [
                (analytics, "analytics", "0190c1a0-0000-7000-8000-0000000000d1"),
                (analytics, "properties", "0190c1a0-0000-7000-8000-0000000000d2"),
                (communications, "properties", "0190c1a0-0000-7000-8000-0000000000d3"),
            ] {
                let reply = try await fixture.investments.post("/internal/events", deleted(source: source, id: id), token: token)
                #expect(reply.status == 403, "\(source): \(reply.text)")
                #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
            }
            // investments' own token may publish, but property events are not its to publish.
            let own = try await fixture.issuer.serviceToken(for: .investments)
            let reply = try await fixture.investments.post(
                "/internal/events", deleted(source: "investments", id: "0190c1a0-0000-7000-8000-0000000000d4"), token: own
            )
            #expect(reply.status == 403)

            #expect(try await fixture.sql("SELECT status FROM investments.offerings WHERE id = '\(offering)'") == ["open"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM investments.inbox WHERE event_type = 'property.deleted'") == ["0"])
        }
    }
}
