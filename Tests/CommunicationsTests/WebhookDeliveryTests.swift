import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// Outgoing webhooks end to end against real HTTP receivers, a real properties service and the
/// Standard Webhooks reference library: who receives an event, signatures (also during a
/// rotation), the retry schedule and `Retry-After` under the test clock, 410, five days of
/// failures, redirects, the SSRF guard, replays.
@Suite struct WebhookDeliveryTests {
    /// An investment in a sponsor's property reaches that sponsor's endpoint (and staff's
    /// platform-wide one), signed so that the reference library verifies it; another sponsor's
    /// endpoint hears nothing.
    @Test func aSponsorsEndpointReceivesItsPropertysEventsSignedPerTheSpec() async throws {
        try await WebhookFixture.run(withProperties: true) { fixture in
            let properties = try #require(fixture.properties)
            let sponsor = try await fixture.user([.sponsor])
            let other = try await fixture.user([.sponsor])
            let staff = try await fixture.user([.admin])
            let listed = try await properties.post("/v1/properties", Self.elm, token: sponsor.token)
            #expect(listed.status == 201, "\(listed.text)")
            let property = try #require(listed.string("id"))
            let (mine, secret) = try await fixture.register(sponsor, path: "/hook?who=sponsor")
            _ = try await fixture.register(other, path: "/hook?who=other")
            _ = try await fixture.register(staff, path: "/hook?who=staff", types: ["investment.committed", "investment.funded"])
            // The secret is shown once: never in a later answer.
            let shown = try await fixture.client.get("/v1/communications/webhooks/\(mine)", token: sponsor.token)
            #expect(shown.status == 200)
            #expect(shown["secret"] == nil)
            #expect(shown.string("scope") == "sponsor")

            let event = UUID()
            let investor = UUID()
            let envelope = """
                {"id":"\(event.uuidString.lowercased())","type":"investment.committed","source":"investments","occurred_at":"2026-12-06T10:00:00Z",
                 "payload":{"investment_id":"\(UUID().uuidString.lowercased())","offering_id":"\(UUID().uuidString.lowercased())",
                 "property_id":"\(property)","investor_id":"\(investor.uuidString.lowercased())","amount":"25000.00"}}
                """
            let token = try await fixture.issuer.serviceToken(for: .investments)
            #expect(try await fixture.client.post("/internal/events", envelope, token: token).string("outcome") == "applied")
            #expect(try await fixture.client.post("/internal/events", envelope, token: token).string("outcome") == "duplicate")

            let received = try await fixture.receiver.wait(for: 2)
            try await Task.sleep(for: .milliseconds(200))
            #expect(fixture.receiver.received.map(\.path).sorted() == ["/hook?who=sponsor", "/hook?who=staff"])
            let message = try #require(received.first { $0.path == "/hook?who=sponsor" })
            #expect(message.headers["content-type"] == "application/json")
            #expect(message.headers["webhook-id"]?.hasPrefix("msg_") == true)
            #expect(message.headers["webhook-signature"]?.hasPrefix("v1,") == true)
            let body = try JSONDecoder().decode(JSONValue.self, from: Data(message.body.utf8))
            #expect(body["type"] == "investment.committed")
            #expect(body["timestamp"] == "2026-12-06T10:00:00.000000Z")
            #expect(body["data"]?["property_id"] == .string(property))
            #expect(body["data"]?["amount"] == "25000.00")
            #expect(try await WebhookFixture.referenceVerdicts([message], secret: secret) == ["ok"])
            // With another secret, or the body changed by a byte, the library refuses it.
            #expect(
                try await WebhookFixture.referenceVerdicts([message], secret: StandardWebhookSignature.Secret.generate().encoded)
                    == ["WebhookVerificationError"])
            var tampered = message
            tampered.body = message.body.replacingOccurrences(of: "25000.00", with: "95000.00")
            #expect(try await WebhookFixture.referenceVerdicts([tampered], secret: secret) == ["WebhookVerificationError"])

            // The owner sees the delivery and its one attempt.
            let deliveries = try await fixture.client.get("/v1/communications/webhooks/\(mine)/deliveries", token: sponsor.token)
            let delivery = try #require(deliveries["data"]?[0])
            #expect(delivery["status"] == "delivered")
            #expect(delivery["message_id"] == .string(message.headers["webhook-id"] ?? ""))
            #expect(delivery["attempt_count"] == 1)
            guard case .string(let deliveryID)? = delivery["id"] else { throw WebhookTarget.Refusal("no delivery id") }
            let attempts = try await fixture.client.get(
                "/v1/communications/webhooks/\(mine)/deliveries/\(deliveryID)/attempts", token: sponsor.token)
            #expect(attempts["data"]?[0]?["status_code"] == 200)
            #expect(attempts["data"]?[0]?["response_excerpt"] == "ok")
            #expect(attempts["data"]?[1] == nil)
        }
    }

    /// An event that names its sponsor needs no lookup; an endpoint not subscribed to the type,
    /// and an event no endpoint wants, leave nothing behind.
    @Test func anEventNamingItsSponsorGoesToThatSponsorsSubscribedEndpointsOnly() async throws {
        try await WebhookFixture.run { fixture in
            let sponsor = try await fixture.user()
            let (wanted, _) = try await fixture.register(sponsor, path: "/hook?who=renovation", types: ["renovation.progress_updated"])
            _ = try await fixture.register(sponsor, path: "/hook?who=funded", types: ["investment.funded"])
            let token = try await fixture.issuer.serviceToken(for: .properties)
            func progress(_ sponsor: UUID) -> String {
                """
                {"id":"\(UUID().uuidString.lowercased())","type":"renovation.progress_updated","source":"properties","occurred_at":"2026-12-06T10:00:00Z",
                 "payload":{"progress_update_id":"\(UUID().uuidString.lowercased())","project_id":"\(UUID().uuidString.lowercased())",
                 "property_id":"\(UUID().uuidString.lowercased())","sponsor_id":"\(sponsor.uuidString.lowercased())","update_date":"2026-12-01",
                 "completion_percentage":40,"units_completed":3,"spent_to_date":"120000.00","project_completion_percentage":40,
                 "project_status":"in_progress"}}
                """
            }
            #expect(try await fixture.client.post("/internal/events", progress(sponsor.id), token: token).string("outcome") == "applied")
            #expect(try await fixture.client.post("/internal/events", progress(UUID()), token: token).string("outcome") == "applied")
            let received = try await fixture.receiver.wait(for: 1)
            try await Task.sleep(for: .milliseconds(200))
            #expect(fixture.receiver.received.count == 1)
            #expect(received.first?.path == "/hook?who=renovation")
            let body = try JSONDecoder().decode(JSONValue.self, from: Data(received.first?.body.utf8 ?? "".utf8))
            #expect(body["type"] == "renovation.progress_updated")
            #expect(body["data"]?["project_completion_percentage"] == 40)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.webhook_deliveries") == ["1"])
            #expect(
                try await fixture.client.get("/v1/communications/webhooks/\(wanted)/deliveries", token: sponsor.token)["data"]?[0]?["status"]
                    == "delivered")
            // Nobody subscribes to distribution.completed: the event is applied and not kept.
            let completed = """
                {"id":"\(UUID().uuidString.lowercased())","type":"distribution.completed","source":"investments","occurred_at":"2026-12-06T10:00:00Z",
                 "payload":{"distribution_id":"\(UUID().uuidString.lowercased())","offering_id":"\(UUID().uuidString.lowercased())",
                 "property_id":"\(UUID().uuidString.lowercased())","total_amount":"100.00","investor_count":3}}
                """
            let applied = try await fixture.client.post(
                "/internal/events", completed, token: try await fixture.issuer.serviceToken(for: .investments))
            #expect(applied.string("outcome") == "applied", "\(applied.text)")
            #expect(
                try await fixture.sql("SELECT count(*)::text FROM communications.webhook_events WHERE event_type = 'distribution.completed'") == ["0"]
            )
        }
    }

    /// Two replicas share the queue through their leases: forty messages, each sent once.
    @Test func twoReplicasSendEachDeliveryOnce() async throws {
        var settings = WebhookFixture.settings()
        settings.callsPerUser = TokenBucket(100, per: .seconds(3600))
        try await WebhookFixture.run(settings: settings, secondReplica: true) { fixture in
            let sponsor = try await fixture.user()
            let (endpoint, _) = try await fixture.register(sponsor)
            fixture.receiver.always(.init(status: 200))
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<40 { group.addTask { try await fixture.sendTest(endpoint, by: sponsor) } }
                for try await _ in group {}
            }
            _ = try await eventually(timeout: .seconds(15), interval: .milliseconds(50)) {
                try await fixture.sql("SELECT count(*)::text FROM communications.webhook_deliveries WHERE status = 'delivered'") == ["40"]
            }
            try await Task.sleep(for: .milliseconds(300))
            let ids = fixture.receiver.received.compactMap { $0.headers["webhook-id"] }
            #expect(ids.count == 40)
            #expect(Set(ids).count == 40)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.webhook_attempts") == ["40"])
        }
    }

    /// After a rotation both secrets sign each message until the overlap ends: a receiver holding
    /// either verifies with the reference library; afterwards only the new one signs.
    @Test func duringARotationBothSecretsVerify() async throws {
        try await WebhookFixture.run { fixture in
            let sponsor = try await fixture.user()
            let (endpoint, old) = try await fixture.register(sponsor)
            let rotated = try await fixture.client.post("/v1/communications/webhooks/\(endpoint)/rotate-secret", "", token: sponsor.token)
            #expect(rotated.status == 200, "\(rotated.text)")
            #expect(rotated.headers.first(name: "Cache-Control") == "no-store")
            let new = try #require(rotated.string("secret"))
            #expect(new != old && new.hasPrefix("whsec_"))
            #expect(rotated.string("previous_secret_expires_at") == RFC3339.string(from: fixture.clock.now.addingTimeInterval(86400)))

            _ = try await fixture.sendTest(endpoint, by: sponsor)
            let first = try #require(try await fixture.receiver.wait(for: 1).first)
            #expect(first.headers["webhook-signature"]?.split(separator: " ").count == 2)
            #expect(try await WebhookFixture.referenceVerdicts([first], secret: new) == ["ok"])
            #expect(try await WebhookFixture.referenceVerdicts([first], secret: old) == ["ok"])

            // Past the overlap the old secret no longer signs. (The clock stays within the
            // library's five-minute tolerance of the wall clock only until here.)
            fixture.advance(seconds: 86401)
            _ = try await fixture.sendTest(endpoint, by: sponsor)
            let second = try #require(try await fixture.receiver.wait(for: 2).last)
            #expect(second.headers["webhook-signature"]?.split(separator: " ").count == 1)
            let timestamp = try #require(second.headers["webhook-timestamp"])
            let secrets = [try StandardWebhookSignature.Secret(parsing: new)]
            try StandardWebhookSignature.verify(
                id: second.headers["webhook-id"] ?? "", timestamp: timestamp, signatureHeader: second.headers["webhook-signature"] ?? "",
                body: Data(second.body.utf8), secrets: secrets, now: fixture.clock.now)
            #expect(throws: StandardWebhookSignature.VerificationFailure.noMatchingSignature) {
                try StandardWebhookSignature.verify(
                    id: second.headers["webhook-id"] ?? "", timestamp: timestamp, signatureHeader: second.headers["webhook-signature"] ?? "",
                    body: Data(second.body.utf8), secrets: [try StandardWebhookSignature.Secret(parsing: old)], now: fixture.clock.now)
            }
        }
    }

    /// A receiver that keeps failing is tried on the specification's schedule (the test clock
    /// jumps from one attempt time to the next, jitter pinned at zero), ten times, then no more.
    @Test func theRetryScheduleIsFollowedAttemptByAttempt() async throws {
        try await WebhookFixture.run { fixture in
            let sponsor = try await fixture.user()
            let (endpoint, _) = try await fixture.register(sponsor)
            fixture.receiver.always(.init(status: 500, body: String(repeating: "é", count: 2000)))
            let delivery = try await fixture.sendTest(endpoint, by: sponsor)
            let waits = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]
            for (index, wait) in waits.enumerated() {
                let rows = try await fixture.waitForAttempts(delivery, count: index + 1)
                #expect(rows.last == "\(index + 1) 500 \(wait)")
                // A second short of the time nothing happens.
                fixture.advance(seconds: Double(wait) - 1)
                try await Task.sleep(for: .milliseconds(100))
                #expect(try await fixture.sql("SELECT count(*)::text FROM communications.webhook_attempts") == ["\(index + 1)"])
                fixture.advance(seconds: 1)
            }
            let rows = try await fixture.waitForAttempts(delivery, count: 10)
            #expect(rows.last == "10 500 -")
            fixture.advance(seconds: 7 * 86400)
            try await Task.sleep(for: .milliseconds(100))
            #expect(fixture.receiver.received.count == 10)
            #expect(try await fixture.sql("SELECT status || ' ' || attempt_count FROM communications.webhook_deliveries") == ["failed 10"])
            // The excerpt is capped at a KiB of whole characters.
            #expect(try await fixture.sql("SELECT DISTINCT octet_length(response_excerpt)::text FROM communications.webhook_attempts") == ["1024"])
            // Every message of one delivery carries one webhook-id.
            #expect(Set(fixture.receiver.received.compactMap { $0.headers["webhook-id"] }).count == 1)
        }
    }

    /// 429, 502 and 504 wait as long as `Retry-After` says (seconds or a date, capped at a day);
    /// other statuses follow the schedule whatever they ask.
    @Test func retryAfterIsHonouredWhereTheSpecSays() async throws {
        try await WebhookFixture.run { fixture in
            let sponsor = try await fixture.user()
            let (endpoint, _) = try await fixture.register(sponsor)
            // On a whole second, so an HTTP date (which has no fractions) lands exactly.
            fixture.clock.set(Date(timeIntervalSince1970: fixture.clock.now.timeIntervalSince1970.rounded(.down)))
            let inTenMinutes = Self.httpDate(fixture.clock.now.addingTimeInterval(600))
            fixture.receiver.queue(
                .init(status: 429, headers: ["Retry-After": "120"]), .init(status: 502, headers: ["Retry-After": inTenMinutes]),
                .init(status: 504, headers: ["Retry-After": "999999"]), .init(status: 503, headers: ["Retry-After": "7"]),
                .init(status: 204))
            let delivery = try await fixture.sendTest(endpoint, by: sponsor)
            #expect(try await fixture.waitForAttempts(delivery, count: 1).last == "1 429 120")
            fixture.advance(seconds: 120)
            // The date was ten minutes after the first attempt; the second came 120 s later.
            #expect(try await fixture.waitForAttempts(delivery, count: 2).last == "2 502 480")
            fixture.advance(seconds: 480)
            #expect(try await fixture.waitForAttempts(delivery, count: 3).last == "3 504 86400")
            fixture.advance(seconds: 86400)
            // 503 is not among the three: the schedule's 2 hours after a fourth attempt.
            #expect(try await fixture.waitForAttempts(delivery, count: 4).last == "4 503 7200")
            fixture.advance(seconds: 7200)
            #expect(try await fixture.waitForAttempts(delivery, count: 5).last == "5 204 -")
            #expect(try await fixture.sql("SELECT status FROM communications.webhook_deliveries") == ["delivered"])
            #expect(try await fixture.sql("SELECT coalesce(failing_since::text, 'none') FROM communications.webhook_endpoints") == ["none"])
        }
    }

    /// 410 Gone disables the endpoint at once; its owner hears of it; nothing more is sent.
    @Test func goneDisablesTheEndpoint() async throws {
        try await WebhookFixture.run { fixture in
            let sponsor = try await fixture.user(id: WebhookFixture.owner.id)
            let (endpoint, _) = try await fixture.register(sponsor)
            fixture.receiver.always(.init(status: 410))
            let delivery = try await fixture.sendTest(endpoint, by: sponsor)
            #expect(try await fixture.waitForAttempts(delivery, count: 1).last == "1 410 -")
            let shown = try await fixture.client.get("/v1/communications/webhooks/\(endpoint)", token: sponsor.token)
            #expect(shown["enabled"] == false)
            #expect(shown.string("disabled_reason") == "gone")
            let mail = try await fixture.sink.waitForMessage(to: WebhookFixture.owner.email)
            #expect(mail.text?.contains("answered 410 Gone") == true)
            let again = try await fixture.client.post("/v1/communications/webhooks/\(endpoint)/test", "", token: sponsor.token)
            expectProblem(again, 409)
            // The owner turns it back on: sending resumes.
            fixture.receiver.always(.init(status: 200))
            let enabled = try await fixture.client.send(
                .PATCH, "/v1/communications/webhooks/\(endpoint)", json: #"{"enabled":true}"#, token: sponsor.token)
            #expect(enabled["enabled"] == true && enabled["disabled_reason"] == .null)
            let next = try await fixture.sendTest(endpoint, by: sponsor)
            #expect(try await fixture.waitForAttempts(next, count: 1).last == "1 200 -")
        }
    }

    /// An endpoint whose every delivery fails for five days is disabled and its owner mailed.
    @Test func fiveDaysOfFailuresDisableTheEndpointAndMailItsOwner() async throws {
        try await WebhookFixture.run { fixture in
            let sponsor = try await fixture.user(id: WebhookFixture.owner.id)
            let (endpoint, _) = try await fixture.register(sponsor)
            fixture.receiver.always(.init(status: 500))
            let delivery = try await fixture.sendTest(endpoint, by: sponsor)
            try await fixture.waitForAttempts(delivery, count: 1)
            // Four days on, its second attempt fails too: a long streak, not yet five days.
            fixture.advance(seconds: 4 * 86400)
            try await fixture.waitForAttempts(delivery, count: 2)
            #expect(try await fixture.client.get("/v1/communications/webhooks/\(endpoint)", token: sponsor.token)["enabled"] == true)
            // Five days after the first failure, the next one disables the endpoint.
            fixture.advance(seconds: 86400)
            try await fixture.waitForAttempts(delivery, count: 3)
            let shown = try await fixture.client.get("/v1/communications/webhooks/\(endpoint)", token: sponsor.token)
            #expect(shown["enabled"] == false)
            #expect(shown.string("disabled_reason") == "failing")
            // Its queued retries end with it.
            #expect(try await fixture.sql("SELECT DISTINCT status FROM communications.webhook_deliveries") == ["failed"])
            let mail = try await fixture.sink.waitForMessage(to: WebhookFixture.owner.email)
            #expect(mail.subject.contains("webhook endpoint was disabled"))
            #expect(mail.text?.contains("failed for five days") == true)
        }
    }

    /// A 3xx is an answer, not a place to go: the redirect's target never hears from Tract.
    @Test func redirectsAreNotFollowed() async throws {
        try await WebhookFixture.run { fixture in
            let sponsor = try await fixture.user()
            let (endpoint, _) = try await fixture.register(sponsor, path: "/redirect")
            let delivery = try await fixture.sendTest(endpoint, by: sponsor)
            #expect(try await fixture.waitForAttempts(delivery, count: 1).last == "1 307 5")
            try await Task.sleep(for: .milliseconds(200))
            #expect(fixture.receiver.received.map(\.path) == ["/redirect"])
        }
    }

    /// By default loopback, private, link-local and metadata targets are refused when registered
    /// and, should a name's addresses change later, when sent to.
    @Test func privateTargetsAreRefusedByDefault() async throws {
        try await WebhookFixture.run(settings: WebhookFixture.settings(allowPrivateTargets: false)) { fixture in
            let sponsor = try await fixture.user()
            for url in [
                fixture.receiverURL.absoluteString + "/hook", "http://localhost:9/hook", "http://169.254.169.254/latest/meta-data",
                "http://[::1]:9/", "http://[fd00:ec2::254]/", "http://10.0.0.8/", "http://100.64.1.1/", "http://0.0.0.0:9/",
            ] {
                let reply = try await fixture.client.post(
                    "/v1/communications/webhooks", #"{"url":"\#(url)","event_types":["investment.funded"]}"#, token: sponsor.token)
                expectProblem(reply, 422)
                #expect(reply.text.contains("which webhooks may not target"), "\(url): \(reply.text)")
            }
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.webhook_endpoints") == ["0"])
            // A target that turned private after registration: the attempt is refused before any connection.
            let sender = WebhookSender(resolver: WebhookResolver(allowPrivateTargets: false), timeout: .seconds(2))
            let refused = await sender.post(URL(string: fixture.receiverURL.absoluteString + "/hook")!, headers: [], body: "{}")
            #expect(refused.status == nil)
            #expect(refused.error?.contains("loopback") == true)
            #expect(fixture.receiver.received.isEmpty)
            let allowed = await WebhookSender(resolver: WebhookResolver(allowPrivateTargets: true), timeout: .seconds(10)).post(
                URL(string: fixture.receiverURL.absoluteString + "/hook")!, headers: [], body: "{}")
            #expect(allowed.status == 200)
        }
    }

    /// A replay sends the same message (id and body) again from the schedule's start.
    @Test func aReplaySendsTheSameMessageAgain() async throws {
        try await WebhookFixture.run { fixture in
            let sponsor = try await fixture.user()
            let (endpoint, _) = try await fixture.register(sponsor)
            let delivery = try await fixture.sendTest(endpoint, by: sponsor)
            try await fixture.waitForAttempts(delivery, count: 1)
            let path = "/v1/communications/webhooks/\(endpoint)/deliveries/\(delivery)/replay"
            let replayed = try await fixture.client.post(path, "", token: sponsor.token)
            #expect(replayed.status == 202, "\(replayed.text)")
            #expect(replayed.string("status") == "pending")
            try await fixture.waitForAttempts(delivery, count: 2)
            let both = fixture.receiver.received
            #expect(both.count == 2)
            #expect(both[0].headers["webhook-id"] == both[1].headers["webhook-id"])
            #expect(both[0].body == both[1].body)
            let again = try await fixture.client.get("/v1/communications/webhooks/\(endpoint)/deliveries?status=delivered", token: sponsor.token)
            #expect(again["data"]?[0]?["attempt_count"] == 1)
            #expect(again["data"]?[1] == nil)
            // Operators see attempts by outcome and the queue's depth.
            let metrics = try await fixture.client.get("/metrics").text
            let lines = metrics.split(separator: "\n").filter { $0.contains("tract_webhook") }
            #expect(lines.contains { $0.hasPrefix(#"tract_webhook_attempts_total{outcome="delivered"}"#) }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("tract_webhook_queue_depth") }, "\(lines)")
        }
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    static let elm = #"""
        {"property_name": "The Elm Residences", "property_type": "multi_family", "address_line1": "200 Elm St",
         "city": "Prattville", "state": "AL", "zip_code": "36067", "total_units": 24, "property_class": "B",
         "minimum_investment": "25000", "maximum_investment": "250000.50", "target_raise": "3000000.00"}
        """#
}
