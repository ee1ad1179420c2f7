import Foundation
import Logging
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// Reminders 24 h and 1 h before an event go to each registrant with a seat exactly once, however
/// many sweeps race (issue 17's acceptance), under a clock the test moves.
@Suite struct WebinarReminderTests {
    @Test func eachRegistrantIsRemindedOnceADayAndOnceAnHourBefore() async throws {
        // The service's own sweeper runs every 50 ms beside the test's racing ones.
        try await WebinarFixture.run(webinars: WebinarSettings(reminderInterval: .milliseconds(50), reminderBatch: 3)) { fixture in
            let staff = try await fixture.user([.admin])
            let id = try await fixture.publishedEvent(by: staff, startsIn: 48, capacity: 5)
            var people: [MessagingFixture.User] = []
            for _ in 0..<6 {
                let person = try await fixture.user()
                people.append(person)
                #expect(try await fixture.client.post("/v1/communications/events/\(id)/registrations", "", token: person.token).status == 201)
            }
            let (seated, queued) = (Array(people.prefix(5)), people[5])
            // One cancels: the queued one takes the seat and is reminded in their place.
            let leaver = seated[4]
            let leaving = try await fixture.client.get("/v1/communications/events/\(id)", token: leaver.token)
            guard case .string(let leavingID)? = leaving["registration"]?["id"] else {
                Issue.record("no registration: \(leaving.text)")
                return
            }
            _ = try await fixture.client.send(.DELETE, "/v1/communications/events/\(id)/registrations/\(leavingID)", token: leaver.token)
            let reminded = Array(seated.prefix(4)) + [queued]

            try await TestDatabase.withClient(fixture.database.url(for: .communications)) { postgres in
                let sweeper = EventReminders(
                    postgres: postgres, notifier: Notifier(clock: fixture.clock.serviceClock, ids: .uuidV7(.system)),
                    notices: EventNotices(link: { "http://127.0.0.1:8080" + $0 }), clock: fixture.clock.serviceClock,
                    interval: .seconds(3600), batch: 2, logger: Logger(label: "test.reminders"))
                func race() async throws {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for _ in 0..<4 { group.addTask { while try await sweeper.sweep() > 0 {} } }
                        try await group.waitForAll()
                    }
                    // The service's own sweeper may still be in a pass: let it finish.
                    try await Task.sleep(for: .milliseconds(200))
                }
                // 25 hours before: nothing is due.
                fixture.clock.advance(seconds: 23 * 3600)
                try await race()
                for person in reminded { #expect(try await fixture.notifications(of: person, type: "event.reminder").isEmpty) }

                // 23 hours before: the day-before reminder, once each.
                fixture.clock.advance(seconds: 2 * 3600)
                try await race()
                try await race()
                for person in reminded {
                    let reminders = try await fixture.notifications(of: person, type: "event.reminder")
                    #expect(reminders.count == 1, "\(reminders)")
                    #expect(reminders.first?["title"] == .string("Starting tomorrow: Opportunity zones 101"))
                }
                #expect(try await fixture.notifications(of: leaver, type: "event.reminder").isEmpty)

                // 50 minutes before: the hour-before one, once each; nothing more after the start.
                fixture.clock.advance(seconds: 22 * 3600 + 10 * 60)
                try await race()
                try await race()
                for person in reminded {
                    let titles = try await fixture.notifications(of: person, type: "event.reminder").compactMap { notice -> String? in
                        if case .string(let title)? = notice["title"] { return title }
                        return nil
                    }
                    #expect(titles.sorted() == ["Starting in an hour: Opportunity zones 101", "Starting tomorrow: Opportunity zones 101"])
                }
                #expect(try await fixture.notifications(of: leaver, type: "event.reminder").isEmpty)
                // Started: nothing more (the reminders have expired from the app's list by now).
                fixture.clock.advance(seconds: 3600)
                try await race()
                let perUser = try await fixture.sql(
                    "SELECT count(*)::text FROM communications.notifications WHERE type = 'event.reminder' GROUP BY user_id")
                #expect(perUser == Array(repeating: "2", count: 5))
                // Each reminder's mail is planned once too.
                let mails = try await fixture.sql(
                    "SELECT count(*)::text FROM communications.notification_deliveries WHERE type = 'event.reminder' GROUP BY user_id")
                #expect(mails == Array(repeating: "2", count: 5))
            }
        }
    }

    /// Moving an event re-arms its reminders: they speak of the new time.
    @Test func movingAnEventRemindsAgainForTheNewTime() async throws {
        try await WebinarFixture.run(webinars: WebinarSettings(reminderInterval: .milliseconds(50))) { fixture in
            let staff = try await fixture.user([.admin])
            let ann = try await fixture.user()
            let id = try await fixture.publishedEvent(by: staff, startsIn: 20)
            _ = try await fixture.client.post("/v1/communications/events/\(id)/registrations", "", token: ann.token)
            try await Self.eventually { try await fixture.notifications(of: ann, type: "event.reminder").count == 1 }
            let moved = try await fixture.client.send(
                .PATCH, "/v1/communications/events/\(id)",
                json: #"{"starts_at":"\#(fixture.at(hours: 10))","ends_at":"\#(fixture.at(hours: 11))"}"#, token: staff.token)
            #expect(moved.status == 200, "\(moved.text)")
            try await Self.eventually { try await fixture.notifications(of: ann, type: "event.reminder").count == 2 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await fixture.notifications(of: ann, type: "event.reminder").count == 2)
        }
    }

    static func eventually(_ condition: () async throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for _ in 0..<100 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the condition never held", sourceLocation: sourceLocation)
    }
}
