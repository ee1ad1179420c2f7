import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import CommunicationsService

/// Preferences over HTTP, and what they do to the next notification: a muted category sends
/// nothing on that channel, a critical one always goes, quiet hours hold mail until they end.
@Suite struct PreferenceTests {
    static let nora = UserContact(id: UUID(), email: "nora@example.com", firstName: "Nora", emailVerified: true)

    static func staffNotice(_ fixture: NotificationFixture, to user: UUID, category: String, title: String, priority: String = "normal")
        async throws
    {
        let staff = try await fixture.token(UUID(), roles: [.admin])
        let made = try await fixture.client.post(
            "/v1/communications/notifications",
            #"{"user_id":"\#(user.uuidString.lowercased())","category":"\#(category)","title":"\#(title)","message":"About \#(title)","priority":"\#(priority)","email":true}"#,
            token: staff)
        try #require(made.status == 201, "\(made.text)")
    }

    static func patch(_ fixture: NotificationFixture, _ user: UUID, _ body: String) async throws -> JSONClient.Reply {
        try await fixture.client.send(.PATCH, "/v1/communications/preferences", json: body, token: try await fixture.token(user))
    }

    @Test func preferencesReadBackAndLockedCategoriesCannotBeTurnedOff() async throws {
        try await NotificationFixture.run { fixture in
            let user = UUID()
            let token = try await fixture.token(user)
            let defaults = try await fixture.client.get("/v1/communications/preferences", token: token)
            #expect(defaults.status == 200)
            #expect(defaults.text.contains(#""time_zone":"UTC""#))
            #expect(
                defaults.text.contains(#"{"can_turn_off":false,"category":"security","email":true,"frequency":"instant","in_app":true}"#),
                "\(defaults.text)")

            let changed = try await Self.patch(
                fixture, user,
                """
                {"time_zone":"America/New_York","digest_hour":18,"digest_weekday":5,
                 "quiet_hours":{"enabled":true,"start":"22:00","end":"07:00","days_of_week":[1,2,3,4,5]},
                 "categories":{"property_updates":{"email":false},"money":{"frequency":"daily"}},
                 "event_types":{"media.document_shared":{"in_app":false}}}
                """)
            #expect(changed.status == 200, "\(changed.text)")
            let shown = try await fixture.client.get("/v1/communications/preferences", token: token)
            #expect(shown.text == changed.text)
            #expect(shown.text.contains(#""quiet_hours":{"days_of_week":[1,2,3,4,5],"enabled":true,"end":"07:00","start":"22:00"}"#), "\(shown.text)")
            #expect(shown.text.contains(#"{"can_turn_off":true,"category":"property_updates","email":false,"frequency":"instant","in_app":true}"#))
            #expect(shown.text.contains(#"{"can_turn_off":false,"category":"money","email":true,"frequency":"daily","in_app":true}"#))
            #expect(
                shown.text.contains(
                    #"{"can_turn_off":true,"category":"documents","email":true,"event_type":"media.document_shared","frequency":"instant","in_app":false}"#
                ))
            // A later change keeps what it does not name.
            let later = try await Self.patch(fixture, user, #"{"digest_hour":7}"#)
            #expect(later.text.contains(#""time_zone":"America/New_York""#) && later.text.contains(#""digest_hour":7"#))

            let locked = try await Self.patch(fixture, user, #"{"categories":{"security":{"email":false},"legal":{"in_app":false}}}"#)
            #expect(locked.status == 422)
            #expect(locked.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(locked.text.contains(#""field":"categories.security.email""#))
            #expect(locked.text.contains("security notifications cannot be turned off"))
            #expect(locked.text.contains(#""field":"categories.legal.in_app""#))
            let lockedType = try await Self.patch(fixture, user, #"{"event_types":{"distribution.paid":{"email":false}}}"#)
            #expect(lockedType.status == 422)
            #expect(lockedType.text.contains("money notifications cannot be turned off"))
        }
    }

    @Test(arguments: [
        (#"{"time_zone":"Mars/Olympus_Mons"}"#, "time_zone"),
        (#"{"digest_hour":24}"#, "digest_hour"),
        (#"{"digest_weekday":-1}"#, "digest_weekday"),
        (#"{"quiet_hours":{"start":"25:00"}}"#, "quiet_hours.start"),
        (#"{"quiet_hours":{"start":"22:00","end":"22:00"}}"#, "quiet_hours.end"),
        (#"{"quiet_hours":{"days_of_week":[1,1]}}"#, "quiet_hours.days_of_week"),
        (#"{"quiet_hours":{"days_of_week":[7]}}"#, "quiet_hours.days_of_week"),
        (#"{"quiet_hours":{"mute":true}}"#, "quiet_hours.mute"),
        (#"{"categories":{"gossip":{"email":false}}}"#, "categories.gossip"),
        (#"{"categories":{"product":{"email":"no"}}}"#, "categories.product.email"),
        (#"{"categories":{"product":{"frequency":"hourly"}}}"#, "categories.product.frequency"),
        (#"{"categories":{"product":{"sms":true}}}"#, "categories.product.sms"),
        (#"{"categories":[]}"#, "categories"),
        (#"{"event_types":{"made.up":{"email":false}}}"#, "event_types.made.up"),
        (#"{"language":"fr"}"#, "language"),
    ])
    func badPreferencesNameTheField(body: String, field: String) async throws {
        try await NotificationFixture.run { fixture in
            let user = UUID()
            let reply = try await Self.patch(fixture, user, body)
            #expect(reply.status == 422, "\(reply.text)")
            #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(reply.text.contains(#""field":"\#(field)""#), "\(reply.text)")
            // Nothing was saved.
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.notification_quiet_hours") == ["0"])
        }
    }

    @Test func aMutedCategorySendsNothingThereAndACriticalOneAlwaysGoes() async throws {
        try await NotificationFixture.run(accounts: [Self.nora]) { fixture in
            let nora = Self.nora.id
            try #require(
                try await Self.patch(
                    fixture, nora, #"{"categories":{"product":{"email":false,"in_app":false}}}"#
                ).status == 200)
            try await Self.staffNotice(fixture, to: nora, category: "product", title: "Muted tip")
            try await Self.staffNotice(fixture, to: nora, category: "product", title: "Urgent", priority: "critical")
            try await Self.staffNotice(fixture, to: nora, category: "community", title: "Meetup")
            _ = try await fixture.sink.waitForMessage(to: Self.nora.email, subjectPrefix: "Meetup")
            let urgent = try await fixture.sink.waitForMessage(to: Self.nora.email, subjectPrefix: "Urgent")
            #expect(urgent.headers["list-unsubscribe"] == nil)
            try await fixture.letTheWorkerRun()
            #expect(try fixture.sink.messages().map(\.subject).sorted() == ["Meetup", "Urgent"])
            // In the app: the critical one is shown; the muted one is not (in_app off for its category).
            #expect(try await fixture.titles(nora) == ["Meetup", "Urgent"])
        }
    }

    /// A user in New York with quiet hours 22:00–07:00: a notification at 23:00 their time waits
    /// until 07:00, then goes.
    @Test func quietHoursInNewYorkHoldA2300NotificationUntilTheyEnd() async throws {
        // 2026-12-08 04:00 UTC is Monday 23:00 in New York.
        try await NotificationFixture.run(accounts: [Self.nora], start: PreferenceRulesTests.date("2026-12-08T04:00:00Z")) { fixture in
            let nora = Self.nora.id
            let quiet = try await Self.patch(
                fixture, nora,
                #"{"time_zone":"America/New_York","quiet_hours":{"enabled":true,"start":"22:00","end":"07:00","days_of_week":[0,1,2,3,4,5,6]}}"#)
            try #require(quiet.status == 200, "\(quiet.text)")
            try await Self.staffNotice(fixture, to: nora, category: "community", title: "Late news")
            try await Self.staffNotice(fixture, to: nora, category: "community", title: "Deleted before morning")
            let token = try await fixture.token(nora)
            let listed = try await fixture.client.get("/v1/communications/notifications", token: token)
            let deleted = try #require(NotificationRouteTests.ids(listed).first)
            #expect(try await fixture.client.send(.DELETE, "/v1/communications/notifications/\(deleted)", token: token).status == 204)
            // In the app at once; the mail waits.
            #expect(try await fixture.titles(nora) == ["Late news"])
            #expect(
                try await fixture.sql(
                    "SELECT DISTINCT status || ' ' || to_char(due_at AT TIME ZONE 'America/New_York', 'YYYY-MM-DD HH24:MI') FROM communications.notification_deliveries"
                ) == ["pending 2026-12-08 07:00"])
            try await fixture.letTheWorkerRun()
            fixture.clock.set(PreferenceRulesTests.date("2026-12-08T11:59:00Z"))
            try await fixture.letTheWorkerRun()
            #expect(try fixture.sink.messages().isEmpty)
            // 07:00 in New York.
            fixture.clock.set(PreferenceRulesTests.date("2026-12-08T12:00:00Z"))
            let mail = try await fixture.sink.waitForMessage(to: Self.nora.email)
            #expect(mail.subject == "Late news")
            #expect(mail.text?.contains("Hello Nora,") == true)
            // The one Nora deleted in the night is not mailed in the morning.
            try await fixture.letTheWorkerRun()
            #expect(try fixture.sink.messages().map(\.subject) == ["Late news"])
            #expect(
                try await fixture.sql("SELECT status || ' ' || last_error FROM communications.notification_deliveries WHERE status = 'skipped'") == [
                    "skipped notification deleted or expired"
                ])
        }
    }

    @Test func theDocumentIsTrueOfTheRunningService() async throws {
        try await NotificationFixture.run { fixture in
            let document = try await fixture.client.get("/openapi.json").json
            let user = UUID()
            let token = try await fixture.token(user)
            let checks: [(String, JSONClient.Reply)] = [
                ("GET", try await fixture.client.get("/v1/communications/preferences", token: token)),
                ("GET", try await fixture.client.get("/v1/communications/preferences")),
                ("PATCH", try await Self.patch(fixture, user, #"{"categories":{"product":{"frequency":"weekly"}}}"#)),
                ("PATCH", try await Self.patch(fixture, user, #"{"categories":{"security":{"email":false}}}"#)),
            ]
            #expect(checks.map(\.1.status) == [200, 401, 200, 422])
            for (method, reply) in checks {
                let found = OpenAPIConformance.problems(
                    in: document, method: method, path: "/v1/communications/preferences", status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text)
                #expect(found.isEmpty, "\(method): \(found)")
            }
            // The change's schema names exactly the categories and types the service knows, and
            // pins on the channels of those that cannot be turned off, so neither is a surprise 422.
            let change = document["components"]?["schemas"]?["NotificationPreferencesChange"]?["properties"]
            func names(_ value: JSONValue?) -> Set<String> {
                guard case .array(let items)? = value else { return [] }
                return Set(items.compactMap { if case .string(let name) = $0 { name } else { nil } })
            }
            func keys(_ value: JSONValue?) -> Set<String> {
                guard case .object(let entries)? = value else { return [] }
                return Set(entries.keys)
            }
            #expect(names(change?["categories"]?["propertyNames"]?["enum"]) == Set(NotificationCategory.allCases.map(\.rawValue)))
            #expect(keys(change?["categories"]?["properties"]) == Set(NotificationCategory.locked.map(\.rawValue)))
            #expect(names(change?["event_types"]?["propertyNames"]?["enum"]) == Set(NotificationTypes.categories.keys))
            #expect(keys(change?["event_types"]?["properties"]) == Set(NotificationTypes.categories.filter { $0.value.isLocked }.keys))
        }
    }
}
