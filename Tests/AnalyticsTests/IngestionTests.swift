import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import AnalyticsService

/// Client events through real HTTP into the real event store.
@Suite struct IngestionTests {
    @Test func anAnonymousEventIsStoredWithTheServersViewOfItsSender() async throws {
        try await IngestionFixture.run { app in
            let id = UUID()
            let reply = try await app.post(
                "/v1/analytics/events",
                eventJSON([
                    "id": .string(lower(id)), "name": "page_viewed", "anonymous_id": "visitor-1", "session_id": "s-1",
                    "page_url": "https://tract.dev/listings", "referrer": "https://www.google.com/", "utm_source": "newsletter",
                    "utm_campaign": "oz-2025", "properties": ["path": "/listings"],
                ]),
                from: "203.0.113.77"
            )
            #expect(reply.status == 202, "\(reply.text)")
            #expect(reply.json == ["accepted": 1, "duplicates": 0, "rejected": 0, "dropped": 0, "ids": [.string(lower(id))], "errors": []])
            #expect(try await app.client.get("/metrics").text.contains("tract_events_ingested_total"))
            let rows = try await app.sql(
                """
                SELECT name, origin, actor, user_id::text, anonymous_id, session_id, page_url, referrer, utm_source, utm_campaign,
                       device_type, os, browser, ip_prefix::text, properties::text, (occurred_at = received_at)::text
                FROM analytics.events WHERE id = '\(lower(id))'
                """)
            #expect(
                rows == [
                    "page_viewed|client|anon:visitor-1|∅|visitor-1|s-1|https://tract.dev/listings|https://www.google.com/|newsletter|oz-2025|"
                        + "desktop|Windows|Firefox|203.0.113.0/24|{\"path\": \"/listings\"}|true"
                ])
        }
    }

    @Test func anIPv6AddressIsKeptAsItsSlash48() async throws {
        try await IngestionFixture.run { app in
            let reply = try await app.post(
                "/v1/analytics/events", eventJSON(["name": "page_viewed", "anonymous_id": "v6"]), from: "2001:db8:85a3:8d3:1319:8a2e:370:7348")
            #expect(reply.status == 202)
            #expect(try await app.sql("SELECT ip_prefix::text FROM analytics.events") == ["2001:db8:85a3::/48"])
        }
    }

    @Test func aSignedInUsersEventsAreTheirsFromTheToken() async throws {
        try await IngestionFixture.run { app in
            let user = UUID()
            let token = try await app.token(.investor, user: user)
            let reply = try await app.post(
                "/v1/analytics/batch",
                batchJSON([
                    ["name": "dashboard_viewed"],
                    ["name": "listings_viewed", "user_id": .string(lower(user))],
                    ["name": "listing_viewed", "user_id": .string(lower(UUID()))],
                ]),
                token: token
            )
            #expect(reply.status == 202, "\(reply.text)")
            #expect(reply["accepted"] == 2 && reply["rejected"] == 1)
            #expect(reply["errors"] == [["field": "events[2].user_id", "message": "does not match the signed-in user; leave it out"]])
            #expect(
                try await app.sql("SELECT name, user_id::text, actor FROM analytics.events ORDER BY name") == [
                    "dashboard_viewed|\(lower(user))|\(lower(user))", "listings_viewed|\(lower(user))|\(lower(user))",
                ])
            // Anonymous, a body user_id is never believed.
            let anonymous = try await app.post(
                "/v1/analytics/events", eventJSON(["name": "page_viewed", "anonymous_id": "a", "user_id": .string(lower(user))]))
            #expect(anonymous.status == 422)
            #expect(
                anonymous["errors"] == [["field": "user_id", "message": "is taken from the access token; send events signed in, or leave it out"]])
        }
    }

    @Test func eachBadItemIsNamedByIndexAndTheValidOnesAreKept() async throws {
        try await IngestionFixture.run { app in
            var deep: JSONValue = "bottom"
            for _ in 0..<6 { deep = ["next": deep] }  // properties 6 levels deep
            let huge = JSONValue.string(String(repeating: "x", count: 9000))
            let items: [JSONValue] = [
                ["name": "page_viewed", "anonymous_id": "v"],
                ["name": "made_up_event", "anonymous_id": "v"],
                ["name": "investment.funded", "anonymous_id": "v"],
                ["name": "page_viewed", "anonymous_id": "v", "properties": deep],
                ["name": "page_viewed", "anonymous_id": "v", "properties": ["blob": huge]],
                ["name": 42, "anonymous_id": "v"],
                ["name": "page_viewed"],
                ["name": "page_viewed", "anonymous_id": "v", "properties": ["n": 1e300]],
                ["name": "page_viewed", "anonymous_id": "v", "properties": "not an object", "colour": "red"],
                ["name": "page_viewed", "anonymous_id": "v", "timestamp": "yesterday"],
                "not an object",
                ["name": "listing_viewed", "anonymous_id": "v", "properties": ["offering_id": "o-1", "n": 9_007_199_254_740_991]],
            ]
            let reply = try await app.post("/v1/analytics/batch", batchJSON(items))
            #expect(reply.status == 202, "\(reply.text)")
            #expect(reply["accepted"] == 2 && reply["rejected"] == 10 && reply["duplicates"] == 0)
            var fields: [JSONValue] = []
            if case .array(let errors)? = reply["errors"] { fields = errors.compactMap { $0["field"] } }
            #expect(
                fields == [
                    "events[1].name", "events[2].name", "events[3].properties", "events[4].properties", "events[5].name",
                    "events[6].anonymous_id", "events[7].properties", "events[8].colour", "events[8].properties", "events[9].timestamp",
                    "events[10]",
                ])
            #expect(reply["ids"]?[0] != .null && reply["ids"]?[1] == .null && reply["ids"]?[11] != .null)
            #expect(try await app.sql("SELECT name FROM analytics.events ORDER BY name") == ["listing_viewed", "page_viewed"])
        }
    }

    @Test func batchesTooLongOrTooLargeAreRefusedWhole() async throws {
        try await IngestionFixture.run { app in
            let tooMany = batchJSON(Array(repeating: ["name": "page_viewed", "anonymous_id": "v"] as JSONValue, count: 501))
            let long = try await app.post("/v1/analytics/batch", tooMany)
            #expect(long.status == 422)
            #expect(long["errors"]?[0]?["field"] == "events")
            let padding = String(repeating: "x", count: 3000)
            let tooLarge = batchJSON(Array(repeating: ["name": "page_viewed", "anonymous_id": .string(padding)] as JSONValue, count: 400))
            let large = try await app.post("/v1/analytics/batch", tooLarge)
            #expect(large.status == 413)
            #expect(large.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(try await app.post("/v1/analytics/batch", #"{"events": []}"#).status == 422)
            #expect(try await app.post("/v1/analytics/batch", #"{"events": [{"name": "page_viewed", "anonymous_id": "a\u0000b"}]}"#).status == 422)
            let allBad = try await app.post("/v1/analytics/batch", batchJSON([["name": "nope", "anonymous_id": "v"]]))
            #expect(allBad.status == 422)
            #expect(
                allBad["errors"] == [
                    ["field": "events[0].name", "message": "is not an allowed event name (GET /v1/analytics/event-names lists them; staff add more)"]
                ])
            #expect(try await app.sql("SELECT count(*)::text FROM analytics.events") == ["0"])
        }
    }

    @Test func clientClocksAreClampedAndOldEventsRefused() async throws {
        try await IngestionFixture.run { app in
            let format = Date.ISO8601FormatStyle()
            let future = Date().addingTimeInterval(3 * 86_400).formatted(format)
            let recent = Date().addingTimeInterval(-2 * 86_400).formatted(format)
            let old = Date().addingTimeInterval(-8 * 86_400).formatted(format)
            let reply = try await app.post(
                "/v1/analytics/batch",
                batchJSON([
                    ["name": "page_viewed", "anonymous_id": "future", "timestamp": .string(future)],
                    ["name": "page_viewed", "anonymous_id": "recent", "timestamp": .string(recent)],
                    ["name": "page_viewed", "anonymous_id": "old", "timestamp": .string(old)],
                ]))
            #expect(reply["accepted"] == 2)
            #expect(reply["errors"]?[0]?["field"] == "events[2].timestamp")
            #expect(
                try await app.sql(
                    """
                    SELECT anonymous_id, (occurred_at = received_at)::text, (occurred_at = '\(recent)'::timestamptz)::text
                    FROM analytics.events ORDER BY anonymous_id
                    """) == ["future|true|false", "recent|false|true"])
        }
    }

    @Test func aRetriedBatchStoresEachEventOnce() async throws {
        try await IngestionFixture.run { app in
            let ids = (0..<3).map { _ in UUID() }
            let batch = batchJSON(ids.map { ["id": .string(lower($0)), "name": "page_viewed", "anonymous_id": "v"] as JSONValue })
            let first = try await app.post("/v1/analytics/batch", batch)
            #expect(first["accepted"] == 3 && first["duplicates"] == 0)
            let again = try await app.post("/v1/analytics/batch", batch)
            #expect(again.status == 202)
            #expect(again["accepted"] == 0 && again["duplicates"] == 3)
            let twiceInOne = try await app.post(
                "/v1/analytics/batch",
                batchJSON([
                    ["id": "7d1e2f3a-0000-4000-8000-000000000001", "name": "page_viewed", "anonymous_id": "v"],
                    ["id": "7d1e2f3a-0000-4000-8000-000000000001", "name": "page_viewed", "anonymous_id": "v"],
                ]))
            #expect(twiceInOne["accepted"] == 1 && twiceInOne["duplicates"] == 1)
            #expect(try await app.sql("SELECT count(*)::text, count(DISTINCT id)::text FROM analytics.events") == ["4|4"])
        }
    }

    @Test func botsAreDroppedSilently() async throws {
        try await IngestionFixture.run { app in
            let reply = try await app.post(
                "/v1/analytics/batch", batchJSON([["name": "page_viewed", "anonymous_id": "v"], ["name": "page_viewed", "anonymous_id": "w"]]),
                agent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
            #expect(reply.status == 202)
            #expect(reply["dropped"] == 2 && reply["accepted"] == 0)
            #expect(try await app.sql("SELECT count(*)::text FROM analytics.events") == ["0"])
        }
    }

    @Test func identifyJoinsAVisitorsEarlierEventsToTheUser() async throws {
        try await IngestionFixture.run { app in
            let user = UUID()
            let token = try await app.token(.investor, user: user)
            let before = try await app.post(
                "/v1/analytics/batch",
                batchJSON([["name": "listings_viewed", "anonymous_id": "visitor-9"], ["name": "signup_started", "anonymous_id": "visitor-9"]]))
            #expect(before["accepted"] == 2)
            _ = try await app.post("/v1/analytics/events", eventJSON(["name": "page_viewed", "anonymous_id": "someone-else"]))

            let unsigned = try await app.post("/v1/analytics/identify", #"{"anonymous_id": "visitor-9"}"#)
            #expect(unsigned.status == 401)
            let linked = try await app.post("/v1/analytics/identify", #"{"anonymous_id": "visitor-9"}"#, token: token)
            #expect(linked.status == 200, "\(linked.text)")
            #expect(linked.json == ["anonymous_id": "visitor-9", "user_id": .string(lower(user)), "events_joined": 2])
            let again = try await app.post("/v1/analytics/identify", #"{"anonymous_id": "visitor-9"}"#, token: token)
            #expect(again["events_joined"] == 0)
            // Later anonymous events of the same visitor are the user's at once.
            _ = try await app.post("/v1/analytics/events", eventJSON(["name": "dashboard_viewed", "anonymous_id": "visitor-9"]))
            #expect(
                try await app.sql("SELECT name, actor FROM analytics.events ORDER BY name") == [
                    "dashboard_viewed|\(lower(user))", "listings_viewed|\(lower(user))", "page_viewed|anon:someone-else",
                    "signup_started|\(lower(user))",
                ])
            let other = try await app.post(
                "/v1/analytics/identify", #"{"anonymous_id": "visitor-9"}"#, token: try await app.token(.investor, user: UUID()))
            #expect(other.status == 409)
            #expect(try await app.post("/v1/analytics/identify", #"{"anonymous_id": ""}"#, token: token).status == 422)
        }
    }

    @Test func anonymousCallersAreLimitedPerAddress() async throws {
        var settings = IngestionSettings()
        settings.anonymousRequestsPerIP = TokenBucket(2, per: .seconds(3600))
        try await IngestionFixture.run(settings: settings) { app in
            let event = eventJSON(["name": "page_viewed", "anonymous_id": "v"])
            #expect(try await app.post("/v1/analytics/events", event, from: "192.0.2.1").status == 202)
            #expect(try await app.post("/v1/analytics/events", event, from: "192.0.2.1").status == 202)
            let limited = try await app.post("/v1/analytics/events", event, from: "192.0.2.1")
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "Retry-After") != nil)
            #expect(try await app.post("/v1/analytics/events", event, from: "192.0.2.2").status == 202, "another address has its own")
            let token = try await app.token(.investor, user: UUID())
            #expect(try await app.post("/v1/analytics/events", event, token: token, from: "192.0.2.1").status == 202, "users are not limited")
        }
    }
}
