import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Models
import NIOCore
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Events published in a committed transaction reach each subscriber exactly once, whatever
/// happens to the subscriber or the publisher in between (ARCHITECTURE.md, "Events").
@Suite struct OutboxTests {
    struct Fixture: Sendable {
        let issuer: TestIssuer
        let jwksURL: URL
        let publisherDatabase: TestDatabase
        let subscriberDatabase: TestDatabase
        let subscriberPort: Int

        func publisher(
            dispatching: Bool, maximumAttempts: Int = 50, port: Int? = nil, subscribers: [String] = ["widget-watcher"]
        ) async throws -> some ApplicationProtocol {
            var configuration = ServiceConfiguration.forTesting(
                .analytics,
                database: self.publisherDatabase,
                jwksURL: self.jwksURL,
                port: port,
                peers: ["widget-watcher": URL(string: "http://127.0.0.1:\(self.subscriberPort)")!]
            )
            configuration.events.maximumAttempts = maximumAttempts
            return try await buildServiceApplication(
                configuration,
                definition: FixtureService.definition,
                overrides: ServiceOverrides(
                    serviceTokens: TestServiceTokens(issuer: self.issuer, service: .analytics, scopes: [Scope.service, Scope.publishEvents]),
                    eventSubscribers: { _ in subscribers },
                    runsOutboxDispatcher: dispatching
                )
            )
        }

        func subscriber() async throws -> some ApplicationProtocol {
            let configuration = ServiceConfiguration.forTesting(
                .analytics,
                database: self.subscriberDatabase,
                jwksURL: self.jwksURL,
                port: self.subscriberPort
            )
            return try await buildServiceApplication(
                configuration,
                definition: FixtureService.definition,
                overrides: ServiceOverrides(
                    eventSubscribers: FixtureService.widgetRoute,
                    eventPublishers: FixtureService.widgetRoute,
                    runsOutboxDispatcher: false
                )
            )
        }

        func count(_ sql: String, in database: TestDatabase) async throws -> Int {
            try await TestDatabase.withAdmin(database: database.name) { admin in
                var total = 0
                for try await value in try await admin.query(PostgresQuery(unsafeSQL: sql)).decode(Int.self) { total = value }
                return total
            }
        }

        var received: Int {
            get async throws { try await self.count("SELECT count(*)::int FROM analytics.received_widgets", in: self.subscriberDatabase) }
        }

        var delivered: Int {
            get async throws {
                try await self.count("SELECT count(*)::int FROM analytics.outbox WHERE delivered_at IS NOT NULL", in: self.publisherDatabase)
            }
        }
    }

    func withFixture(_ test: @escaping @Sendable (Fixture) async throws -> Void) async throws {
        try await TestDatabase.with(services: [.analytics]) { publisherDatabase in
            try await TestDatabase.with(services: [.analytics]) { subscriberDatabase in
                let issuer = try TestIssuer()
                try await issuer.serve { jwksURL in
                    let fixture = Fixture(
                        issuer: issuer,
                        jwksURL: jwksURL,
                        publisherDatabase: publisherDatabase,
                        subscriberDatabase: subscriberDatabase,
                        subscriberPort: try await freePort()
                    )
                    // The subscriber's tables exist before it first starts in a test.
                    let subscriber = try await fixture.subscriber()
                    try await subscriber.test(.router) { _ in }
                    try await test(fixture)
                }
            }
        }
    }

    static func createWidget(_ client: any TestClientProtocol, name: String, failing: Bool = false) async throws -> Int {
        try await client.execute(
            uri: failing ? "/v1/widgets?fail=true" : "/v1/widgets",
            method: .post,
            headers: [.contentType: "application/json"],
            body: .init(string: #"{"name":"\#(name)"}"#)
        ) { Int($0.status.code) }
    }

    @Test func deliversOnceAfterTheSubscriberComesBack() async throws {
        try await self.withFixture { fixture in
            let publisher = try await fixture.publisher(dispatching: true)
            try await publisher.test(.router) { client async throws in
                #expect(try await Self.createWidget(client, name: "gear") == 201)
                // The subscriber is down: deliveries fail and are retried with backoff.
                let retried = try await eventually {
                    try await fixture.count("SELECT coalesce(max(attempts), 0)::int FROM analytics.outbox", in: fixture.publisherDatabase) >= 3
                }
                #expect(retried)
                #expect(try await fixture.delivered == 0)
                // /metrics' outbox health (tract_outbox_pending, tract_outbox_oldest_pending_seconds) sees it waiting.
                let waiting = try await TestDatabase.withAdmin(database: fixture.publisherDatabase.name) { admin in
                    try await DeadLetters(client: admin, schema: "analytics").pending(logger: Logger(label: "test"))
                }
                #expect(waiting.count == 1)
                #expect(waiting.oldestAge > 0 && waiting.oldestAge < 60)

                let subscriber = try await fixture.subscriber()
                try await withRunningApplication(subscriber, port: fixture.subscriberPort) { () async throws in
                    #expect(try await eventually { try await fixture.delivered == 1 })
                    #expect(try await fixture.received == 1)

                    // The acknowledgement is lost and the event is sent again: the inbox absorbs it.
                    try await TestDatabase.withAdmin(database: fixture.publisherDatabase.name) { admin in
                        try await admin.query("UPDATE analytics.outbox SET delivered_at = NULL, next_attempt_at = now()")
                    }
                    #expect(try await eventually { try await fixture.delivered == 1 })
                    #expect(try await fixture.received == 1)
                    #expect(try await fixture.count("SELECT count(*)::int FROM analytics.inbox", in: fixture.subscriberDatabase) == 1)
                    let after = try await TestDatabase.withAdmin(database: fixture.publisherDatabase.name) { admin in
                        try await DeadLetters(client: admin, schema: "analytics").pending(logger: Logger(label: "test"))
                    }
                    #expect(after.count == 0 && after.oldestAge == 0)
                }
            }
        }
    }

    @Test func anEventCommittedByAProcessThatDiedIsStillDelivered() async throws {
        try await self.withFixture { fixture in
            let subscriber = try await fixture.subscriber()
            try await withRunningApplication(subscriber, port: fixture.subscriberPort) { () async throws in
                // The first process commits and is gone before its dispatcher ever runs.
                let doomed = try await fixture.publisher(dispatching: false)
                try await doomed.test(.router) { client async throws in
                    #expect(try await Self.createWidget(client, name: "orphan") == 201)
                    #expect(try await Self.createWidget(client, name: "orphan-2") == 201)
                }
                #expect(try await fixture.received == 0)

                // Its successor (another replica, or the restarted pod) delivers what it left.
                let successor = try await fixture.publisher(dispatching: true)
                try await successor.test(.router) { _ async throws in
                    #expect(try await eventually { try await fixture.delivered == 2 })
                }
                #expect(try await fixture.received == 2)
            }
        }
    }

    @Test func aRolledBackTransactionPublishesNothing() async throws {
        try await self.withFixture { fixture in
            let publisher = try await fixture.publisher(dispatching: true)
            try await publisher.test(.router) { client async throws in
                #expect(try await Self.createWidget(client, name: "ghost", failing: true) == 409)
                #expect(try await fixture.count("SELECT count(*)::int FROM analytics.outbox", in: fixture.publisherDatabase) == 0)
                #expect(try await fixture.count("SELECT count(*)::int FROM analytics.widgets", in: fixture.publisherDatabase) == 0)
            }
        }
    }

    @Test func replicasShareTheWorkWithoutDoubleDelivery() async throws {
        try await self.withFixture { fixture in
            let subscriber = try await fixture.subscriber()
            try await withRunningApplication(subscriber, port: fixture.subscriberPort) { () async throws in
                let writer = try await fixture.publisher(dispatching: false)
                try await writer.test(.router) { client async throws in
                    for index in 0..<40 { _ = try await Self.createWidget(client, name: "w\(index)") }
                }
                let first = try await fixture.publisher(dispatching: true)
                let second = try await fixture.publisher(dispatching: true)
                try await first.test(.router) { _ async throws in
                    try await second.test(.router) { _ async throws in
                        #expect(try await eventually { try await fixture.delivered == 40 })
                    }
                }
                #expect(try await fixture.received == 40)
                // Every delivery took one attempt: no replica sent a row another had claimed.
                #expect(try await fixture.count("SELECT max(attempts)::int FROM analytics.outbox", in: fixture.publisherDatabase) == 1)
            }
        }
    }

    /// `POST /internal/events/batch`: one receipt per event, in order; a bad event costs only itself.
    @Test func aBatchGetsAReceiptForEachEventAndABadOneCostsOnlyItself() async throws {
        try await self.withFixture { fixture in
            let subscriber = try await fixture.subscriber()
            try await withRunningApplication(subscriber, port: fixture.subscriberPort) { () async throws in
                let client = JSONClient(port: fixture.subscriberPort)
                let token = try await fixture.issuer.token(subject: "analytics", roles: [], scopes: [Scope.service, Scope.publishEvents])
                func widget(_ id: UUID, payload: String? = nil) -> String {
                    let body = payload ?? #"{"widget_id":"\#(UUID().uuidString)","name":"gear"}"#
                    return
                        #"{"id":"\#(id)","type":"test.widget_created","source":"analytics","occurred_at":"2026-12-07T10:00:00Z","payload":\#(body)}"#
                }
                let first = UUID()
                let second = UUID()
                let broken = UUID()
                let foreign = UUID()
                let events = [
                    widget(first), widget(second), widget(first),
                    // No widget_id: its handler cannot read it.
                    widget(broken, payload: #"{"name":"no id"}"#),
                    // Not a type this caller publishes to this service.
                    #"{"id":"\#(foreign)","type":"test.gadget_moved","source":"analytics","occurred_at":"2026-12-07T10:00:00Z","payload":{}}"#,
                ]
                let reply = try await client.post("/internal/events/batch", #"{"events":[\#(events.joined(separator: ","))]}"#, token: token)
                #expect(reply.status == 200, "\(reply.text)")
                guard case .array(let receipts)? = reply["receipts"] else {
                    Issue.record("no receipts: \(reply.text)")
                    return
                }
                #expect(receipts.map { $0["outcome"] } == ["applied", "applied", "duplicate", "failed", "refused"].map { .string($0) })
                #expect(receipts.map { $0["event_id"] } == [first, second, first, broken, foreign].map { .string($0.uuidString) })
                #expect(receipts[3]["detail"] != nil && receipts[4]["detail"] != nil)
                #expect(try await fixture.received == 2)
                // Sent again: recorded already, nothing applied twice.
                let again = try await client.post("/internal/events/batch", #"{"events":[\#(widget(first)),\#(widget(second))]}"#, token: token)
                guard case .array(let repeated)? = again["receipts"] else {
                    Issue.record("no receipts: \(again.text)")
                    return
                }
                #expect(repeated.map { $0["outcome"] } == [.string("duplicate"), .string("duplicate")])
                #expect(try await fixture.received == 2)

                // What is not a batch is refused with a problem, and nothing is recorded.
                #expect(try await client.post("/internal/events/batch", #"{"events":[]}"#, token: token).status == 422)
                let tooMany = (0...EventBatch.maximumCount).map { _ in widget(UUID()) }.joined(separator: ",")
                #expect(try await client.post("/internal/events/batch", #"{"events":[\#(tooMany)]}"#, token: token).status == 422)
                let mistyped = try await client.post("/internal/events/batch", #"{"events":"nope"}"#, token: token)
                #expect(mistyped.status == 422 && mistyped.headers.first(name: "Content-Type") == "application/problem+json")
                #expect(try await client.post("/internal/events/batch", #"{"events":[{"id":"#, token: token).status == 400)
                #expect(try await client.post("/internal/events/batch", #"{"events":[\#(widget(UUID()))]}"#).status == 401)
                let investor = try await fixture.issuer.token(roles: [.investor])
                #expect(try await client.post("/internal/events/batch", #"{"events":[\#(widget(UUID()))]}"#, token: investor).status == 403)
                #expect(try await fixture.received == 2)
            }
        }
    }

    /// A round's deliveries are recorded together at its end (issue 19): each row still gets its own
    /// outcome, so one subscriber that cannot be reached neither holds back nor marks the others.
    @Test func eachRowOfARoundKeepsItsOwnOutcome() async throws {
        try await self.withFixture { fixture in
            let subscriber = try await fixture.subscriber()
            try await withRunningApplication(subscriber, port: fixture.subscriberPort) { () async throws in
                // "ghost" has no URL configured: its deliveries fail in the same rounds.
                let publisher = try await fixture.publisher(dispatching: true, subscribers: ["widget-watcher", "ghost"])
                try await publisher.test(.router) { client async throws in
                    for index in 0..<5 { #expect(try await Self.createWidget(client, name: "w\(index)") == 201) }
                    #expect(try await eventually { try await fixture.delivered == 5 })
                    #expect(try await fixture.received == 5)
                    let ghost = "FROM analytics.outbox WHERE subscriber = 'ghost'"
                    #expect(
                        try await eventually {
                            try await fixture.count("SELECT count(*)::int \(ghost) AND attempts >= 1", in: fixture.publisherDatabase) == 5
                        })
                    #expect(
                        try await fixture.count(
                            "SELECT count(*)::int \(ghost) AND delivered_at IS NULL AND last_error LIKE 'no URL%'", in: fixture.publisherDatabase)
                            == 5)
                    let watcher = "FROM analytics.outbox WHERE subscriber = 'widget-watcher'"
                    #expect(
                        try await fixture.count(
                            "SELECT count(*)::int \(watcher) AND attempts = 1 AND last_error IS NULL", in: fixture.publisherDatabase) == 5)
                }
            }
        }
    }

    /// Issue 11, item 23: a delivery that keeps failing stops after `EVENT_MAX_ATTEMPTS`, is counted,
    /// listed for admins, and goes out again when an admin retries it.
    @Test func aDeliveryThatKeepsFailingBecomesADeadLetterAnAdminCanRetry() async throws {
        try await self.withFixture { fixture in
            let port = try await freePort()
            let publisher = try await fixture.publisher(dispatching: true, maximumAttempts: 3, port: port)
            try await withRunningApplication(publisher, port: port) { () async throws in
                let client = JSONClient(port: port)
                #expect(try await client.post("/v1/widgets", #"{"name":"poison"}"#).status == 201)
                // The subscriber is down throughout: three attempts, then the row is dead.
                #expect(
                    try await eventually {
                        try await fixture.count("SELECT count(*)::int FROM analytics.outbox WHERE dead_at IS NOT NULL", in: fixture.publisherDatabase)
                            == 1
                    })
                try await Task.sleep(for: .milliseconds(600))
                #expect(try await fixture.count("SELECT max(attempts)::int FROM analytics.outbox", in: fixture.publisherDatabase) == 3)

                let metrics = try await client.get("/metrics").text
                #expect(metrics.contains(#"tract_outbox_dead_lettered_total{subscriber="widget-watcher"}"#))

                let admin = try await fixture.issuer.token(roles: [.admin])
                let investor = try await fixture.issuer.token(roles: [.investor])
                #expect(try await client.get("/internal/outbox/dead-letters").status == 401)
                let refused = try await client.get("/internal/outbox/dead-letters", token: investor)
                #expect(refused.status == 403)
                #expect(refused.headers.first(name: "Content-Type") == "application/problem+json")
                let service = try await fixture.issuer.token(subject: "analytics", roles: [], scopes: [Scope.service, Scope.publishEvents])
                #expect(try await client.get("/internal/outbox/dead-letters", token: service).status == 403)

                let listed = try await client.get("/internal/outbox/dead-letters?limit=10", token: admin)
                #expect(listed.status == 200)
                guard case .array(let letters)? = listed["data"], letters.count == 1 else {
                    Issue.record("expected one dead letter: \(listed.text)")
                    return
                }
                #expect(listed["next_cursor"] == .null)
                #expect(letters[0]["event_type"] == .string("test.widget_created"))
                #expect(letters[0]["subscriber"] == .string("widget-watcher"))
                #expect(letters[0]["attempts"] == .number(3))
                #expect(letters[0]["dead_at"] != nil)
                guard case .number(let number)? = letters[0]["id"] else { return }
                let id = Int(number)

                #expect(try await client.post("/internal/outbox/dead-letters/\(id)/retry", "", token: investor).status == 403)
                #expect(try await client.post("/internal/outbox/dead-letters/999999/retry", "", token: admin).status == 404)
                #expect(try await client.post("/internal/outbox/dead-letters/nope/retry", "", token: admin).status == 404)
                #expect(try await fixture.received == 0)

                // The cause is fixed (the subscriber is back) and an admin retries: delivered once.
                let subscriber = try await fixture.subscriber()
                try await withRunningApplication(subscriber, port: fixture.subscriberPort) { () async throws in
                    let retried = try await client.post("/internal/outbox/dead-letters/\(id)/retry", "", token: admin)
                    #expect(retried.status == 200)
                    #expect(retried["attempts"] == .number(0))
                    #expect(try await eventually { try await fixture.delivered == 1 })
                    #expect(try await fixture.received == 1)
                }
                #expect(
                    try await fixture.count("SELECT count(*)::int FROM analytics.outbox WHERE dead_at IS NOT NULL", in: fixture.publisherDatabase)
                        == 0)
                // What is no longer dead cannot be retried.
                #expect(try await client.post("/internal/outbox/dead-letters/\(id)/retry", "", token: admin).status == 404)
            }
        }
    }
}
