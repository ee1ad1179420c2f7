import Foundation
import Models
import ServiceKit
import TestSupport
import Testing

@testable import AnalyticsService

/// Every domain event analytics receives becomes one `events` row, however often it is delivered
/// (issue 13: nothing is "ignored" any more).
@Suite struct RecordingTests {
    /// auth publishes `user.created` through its real outbox and dispatcher; analytics records it
    /// without the email address, with the user, and starts their journey. The acknowledgement is
    /// then lost and the envelope delivered again: still one row.
    @Test func aSignUpIsRecordedOnceThroughTheRealOutbox() async throws {
        try await AnalyticsFixture.run(withAuth: true) { fixture in
            let auth = try #require(fixture.auth)
            let email = "ann.\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let signedUp = try await auth.post(
                "/v1/auth/signup", #"{"email":"\#(email)","password":"correct horse battery","source":"qualify_as_an_investor"}"#)
            #expect(signedUp.status == 202)
            let user = try #require(try await fixture.rows("SELECT id::text FROM auth.users WHERE email = '\(email)'").first)
            #expect(try await eventually(timeout: .seconds(30)) { try await fixture.count("SELECT count(*) FROM analytics.events") == 1 })
            let rows = try await fixture.rows(
                """
                SELECT e.name, e.origin, e.user_id::text, e.actor, e.properties->>'first_auth_source', e.properties->>'auth_method',
                       (e.properties ? 'email')::text, (e.occurred_at = (o.envelope->>'occurred_at')::timestamptz)::text, (e.id = o.event_id)::text
                FROM analytics.events e JOIN auth.outbox o ON o.event_type = 'user.created'
                """)
            #expect(rows == ["user.created|auth|\(user)|\(user)|qualify_as_an_investor|password|false|true|true"])
            #expect(
                try await fixture.rows(
                    "SELECT entry_point, first_auth::text, auth_method, completed_at FROM analytics.journeys WHERE user_id = '\(user)'")
                    == ["qualify_as_an_investor|true|password|∅"])

            try await fixture.rows(
                "UPDATE auth.outbox SET delivered_at = NULL, attempts = 0, next_attempt_at = now() WHERE event_type = 'user.created'")
            #expect(
                try await eventually(timeout: .seconds(30)) {
                    try await fixture.count("SELECT count(*) FROM auth.outbox WHERE event_type = 'user.created' AND delivered_at IS NOT NULL") == 1
                })
            #expect(try await fixture.count("SELECT count(*) FROM analytics.events") == 1)
            #expect(try await fixture.count("SELECT count(*) FROM analytics.event_ids") == 1)
        }
    }

    /// Each type in the subscription map, sent by its publisher over HTTP as the dispatcher sends
    /// it, is recorded once with the user its payload names; a second delivery is a duplicate.
    @Test func everyTypeInTheSubscriptionMapIsRecorded() async throws {
        try await AnalyticsFixture.run { fixture in
            let types = EventPublishers.table.keys.filter { EventSubscriptions.subscribers(of: $0).contains("analytics") }.sorted()
            #expect(types.count == EventPublishers.table.count - EventSubscriptions.confidential.count)
            let user = UUID()
            var expected: [String] = []
            var envelopes: [(EventEnvelope, String)] = []
            for type in types {
                let publisher = try #require(EventPublishers.publishers(of: type).first)
                // The payload names the user where that type's payload does, beside a field that must not be kept.
                var payload: JSONValue = .object(["email": .string("someone@example.com"), "kind": .string(type)])
                let path = EventSubjects.table[type] ?? ["user_id"]
                if let first = path.first {
                    let leaf: JSONValue = .string(user.uuidString.lowercased())
                    let value: JSONValue = path.count == 2 ? .object([path[1]: leaf]) : leaf
                    if case .object(var object) = payload {
                        object[first] = value
                        payload = .object(object)
                    }
                }
                let envelope = EventEnvelope(id: UUID(), type: type, source: publisher, occurredAt: Date(), payload: payload)
                envelopes.append((envelope, publisher))
                expected.append("\(type)|\(publisher)|\(path.isEmpty ? "∅" : user.uuidString.lowercased())|false|\(type)")
            }
            for (envelope, publisher) in envelopes {
                let token = try await fixture.issuer.serviceToken(for: try #require(ServiceName(rawValue: publisher)))
                let body = String(decoding: try JSONEncoder.tract.encode(envelope), as: UTF8.self)
                let first = try await fixture.analytics.post("/internal/events", body, token: token)
                #expect(first.status == 200 && first.string("outcome") == "applied", "\(envelope.type): \(first.text)")
                let again = try await fixture.analytics.post("/internal/events", body, token: token)
                #expect(again.string("outcome") == "duplicate", "\(envelope.type): \(again.text)")
            }
            let recorded = try await fixture.rows(
                "SELECT name, origin, user_id::text, (properties ? 'email')::text, properties->>'kind' FROM analytics.events ORDER BY name COLLATE \"C\""
            )
            #expect(recorded == expected)
        }
    }
}
