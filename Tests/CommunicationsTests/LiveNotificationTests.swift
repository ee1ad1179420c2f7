import Foundation
import Models
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// Issue 14's live acceptance end to end: a notification made from another service's event, on
/// one replica, reaches the user's open stream on another (its latency is benchmarked), and no one else's.
@Suite struct LiveNotificationTests {
    static let grace = UserContact(id: UUID(), email: "grace@example.com", firstName: "Grace", emailVerified: true)
    static let hugo = UserContact(id: UUID(), email: "hugo@example.com", firstName: "Hugo", emailVerified: true)

    @Test func aNotificationFromAnEventOnReplicaBReachesAStreamOnReplicaA() async throws {
        try await LiveFixture.run(replicas: 2, accounts: [Self.grace, Self.hugo]) { fixture in
            let (grace, _) = try await LiveClient.open(port: fixture.ports[0], token: try await fixture.token(for: Self.grace.id))
            let (hugo, _) = try await LiveClient.open(port: fixture.ports[0], token: try await fixture.token(for: Self.hugo.id))
            defer { for client in [grace, hugo] { client.close() } }
            for client in [grace, hugo] { #expect(try await client.waitFor { $0.count == 1 }) }

            let event = UUID()
            let statement = """
                {"statement_id":"\(UUID().uuidString.lowercased())","investor_id":"\(Self.grace.id.uuidString.lowercased())",
                 "statement_type":"monthly","period_start":"2026-11-01","period_end":"2026-11-30"}
                """
            let sent = ContinuousClock.now
            let reply = try await fixture.deliver("statement.sent", from: .investments, id: event, to: 1, payload: statement)
            #expect(reply.string("outcome") == "applied", "\(reply.text)")
            #expect(try await grace.waitFor(timeout: .seconds(5)) { $0.count == 2 })
            // Latency is benchmarked (make bench, live: p99 well under a second); under the whole
            // suite on a cold two-core CI machine a push took 1.3 s, so the bound here is loose.
            #expect(ContinuousClock.now - sent < .seconds(5))
            let item = try #require(grace.items.first)
            #expect(item.id == "1")
            #expect(item.event == "notification")
            let payload = try JSONDecoder().decode(JSONValue.self, from: Data(item.data.utf8))
            #expect(payload["type"] != nil && payload["title"] != nil && payload["read"] == .bool(false), "\(item.data)")
            // The stream's item is the notification the list shows.
            let listed = try await JSONClient(port: fixture.ports[0]).get(
                "/v1/communications/notifications", token: try await fixture.token(for: Self.grace.id))
            #expect(listed["data"]?[0]?["id"] == payload["id"], "\(listed.text)")

            // A redelivery (to the other replica) makes nothing new, on the stream either.
            let again = try await fixture.deliver("statement.sent", from: .investments, id: event, to: 0, payload: statement)
            #expect(again.string("outcome") == "duplicate", "\(again.text)")
            try await Task.sleep(for: .milliseconds(300))
            #expect(grace.items.count == 1)
            #expect(hugo.items.isEmpty)
        }
    }
}
