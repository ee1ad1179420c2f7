import Foundation
import Models
import TestSupport
import Testing

@testable import CommunicationsService

/// The delivery worker: a mail the server refuses for now is tried again later on the retry
/// schedule and given up after the last attempt; one refused for good fails at once; an account
/// gone since is skipped. None is sent twice.
@Suite struct NotificationDeliveryTests {
    static let full = UserContact(id: UUID(), email: "full@example.com", firstName: "Fay", emailVerified: true)
    static let gone = UserContact(id: UUID(), email: "gone@example.com", firstName: "Gus", emailVerified: true)

    @Test func aRefusedMailIsRetriedThenGivenUpAndAPermanentRefusalFailsAtOnce() async throws {
        var settings = NotificationSettings()
        settings.maximumAttempts = 2
        try await NotificationFixture.run(
            accounts: [Self.full, Self.gone], settings: settings,
            sinkOptions: ["--refuse", "full@example.com=452 4.2.2 Mailbox full", "--refuse", "gone@example.com=550 5.1.1 No such user"]
        ) { fixture in
            try await PreferenceTests.staffNotice(fixture, to: Self.full.id, category: "community", title: "Try later")
            try await PreferenceTests.staffNotice(fixture, to: Self.gone.id, category: "community", title: "Never")
            let first = try await eventually {
                try await fixture.sql(
                    "SELECT status || ' ' || attempts FROM communications.notification_deliveries d JOIN communications.notifications n ON n.id = d.notification_id ORDER BY n.title"
                ) == ["failed 1", "pending 1"]
            }
            let state = try await fixture.sql(
                "SELECT status || ' ' || attempts || ' ' || coalesce(last_error, '') FROM communications.notification_deliveries")
            #expect(first, "\(state)")
            // The retry waits its backoff (15 to 30 s after the first failure), on the service's clock.
            #expect(
                try await fixture.sql(
                    "SELECT (due_at - \(Self.quoted(NotificationFixture.start)) BETWEEN interval '15 seconds' AND interval '30 seconds')::text FROM communications.notification_deliveries WHERE status = 'pending'"
                ) == ["true"])
            try await fixture.letTheWorkerRun()
            #expect(try await fixture.sql("SELECT attempts::text FROM communications.notification_deliveries WHERE status = 'pending'") == ["1"])
            fixture.clock.set(NotificationFixture.start.addingTimeInterval(60))
            #expect(
                try await eventually {
                    try await fixture.sql("SELECT status || ' ' || attempts FROM communications.notification_deliveries ORDER BY status") == [
                        "failed 1", "failed 2",
                    ]
                })
            #expect(try fixture.sink.messages().isEmpty)
        }
    }

    @Test func aMailForAnAccountThatIsGoneIsSkipped() async throws {
        try await NotificationFixture.run { fixture in
            try await PreferenceTests.staffNotice(fixture, to: UUID(), category: "community", title: "Nobody")
            #expect(
                try await eventually {
                    try await fixture.sql("SELECT status || ' ' || coalesce(last_error, '') FROM communications.notification_deliveries") == [
                        "skipped no account"
                    ]
                })
            #expect(try fixture.sink.messages().isEmpty)
        }
    }

    /// Two replicas' workers share the due mails (SKIP LOCKED claims): each mail goes once.
    @Test func twoReplicasSendEachMailOnce() async throws {
        let users = (0..<30).map { UserContact(id: UUID(), email: "reader\($0)@example.com", firstName: "R\($0)", emailVerified: true) }
        try await NotificationFixture.run(accounts: users, secondReplica: true) { fixture in
            let staff = try await fixture.token(UUID(), roles: [.admin])
            for user in users {
                let made = try await fixture.client.post(
                    "/v1/communications/notifications",
                    #"{"user_id":"\#(user.id.uuidString.lowercased())","category":"community","title":"Hello","message":"Hi","email":true}"#,
                    token: staff)
                try #require(made.status == 201)
            }
            // The clock runs on, so a mail refused for now (a busy sink on a loaded machine) comes due again.
            let allSent = try await eventually(timeout: .seconds(30)) {
                fixture.clock.set(fixture.clock.now.addingTimeInterval(60))
                return try await fixture.sql("SELECT status || ' ' || count(*) FROM communications.notification_deliveries GROUP BY status") == [
                    "sent 30"
                ]
            }
            let unsent = try await fixture.sql(
                "SELECT status || ' ' || attempts || ' ' || coalesce(last_error, '') FROM communications.notification_deliveries WHERE status <> 'sent'"
            )
            #expect(allSent, "\(unsent)")
            try await fixture.letTheWorkerRun()
            let mails = try fixture.sink.messages()
            #expect(mails.count == 30)
            #expect(Set(mails.flatMap(\.rcptTos)) == Set(users.map(\.email)))
        }
    }

    static func quoted(_ date: Date) -> String { "'\(RFC3339.string(from: date))'::timestamptz" }
}
