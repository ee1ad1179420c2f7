import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import AnalyticsService

/// Retention cohorts and daily metrics, after the rollup, against hand-computed grids.
@Suite struct RetentionAndMetricsTests {
    static let r1 = "a1a1a1a1-0000-4000-8000-000000000001"
    static let r2 = "a1a1a1a1-0000-4000-8000-000000000002"
    static let r3 = "a1a1a1a1-0000-4000-8000-000000000003"
    static let r4 = "a1a1a1a1-0000-4000-8000-000000000004"

    static func numbers(_ value: JSONValue?) -> [Int] {
        (0..<20).compactMap { value?[$0] }.compactMap { if case .number(let n) = $0 { Int(n) } else { nil } }
    }

    /// Weeks start on Mondays: 11-02, 11-09, 11-16, 11-23 (today, 11-24, is in the last).
    /// - r1 first seen 10-28 (before the range): in no cohort, though active 11-03;
    /// - r2: 11-02, 11-10, 11-24 → cohort 11-02, weeks 0, 1, 3;
    /// - r3: 11-04, 11-05 → cohort 11-02, week 0 only;
    /// - r4: 11-12, 11-16 → cohort 11-09, weeks 0, 1;
    /// - anon:r5 (never signed in, still counted): 11-20 → cohort 11-16.
    @Test func weeklyCohortsCountFirstSeenEverAndCutAtToday() async throws {
        try await ReportsFixture.run { fixture in
            try await fixture.insert([
                .init(actor: Self.r1, name: "page_viewed", at: "2026-10-28T08:00:00Z"),
                .init(actor: Self.r1, name: "page_viewed", at: "2026-11-03T08:00:00Z"),
                .init(actor: Self.r2, name: "page_viewed", at: "2026-11-24T08:00:00Z"),
                .init(actor: Self.r2, name: "page_viewed", at: "2026-11-02T00:00:00Z"),
                .init(actor: Self.r2, name: "dashboard_viewed", at: "2026-11-10T23:59:59Z"),
                .init(actor: Self.r3, name: "page_viewed", at: "2026-11-04T12:00:00Z"),
                .init(actor: Self.r3, name: "page_viewed", at: "2026-11-05T12:00:00Z"),
                .init(actor: Self.r4, name: "page_viewed", at: "2026-11-12T12:00:00Z"),
                .init(actor: Self.r4, name: "page_viewed", at: "2026-11-16T00:00:00Z"),
                .init(actor: "anon:r5", name: "page_viewed", at: "2026-11-20T12:00:00Z"),
            ])
            let staff = try await fixture.staff()
            let rollup = try await fixture.client.post("/v1/analytics/metrics/rollup?from=2026-10-01&to=2026-11-24", "", token: staff)
            #expect(rollup.status == 200, "\(rollup.text)")

            // from 11-04 (a Wednesday) starts at its week, 11-02.
            let reply = try await fixture.client.get("/v1/analytics/retention?period=week&from=2026-11-04&to=2026-11-24&periods=4", token: staff)
            #expect(reply.status == 200, "\(reply.text)")
            let cohorts = reply.json["cohorts"]
            #expect(cohorts?[0]?["start"] == .string("2026-11-02"))
            #expect(cohorts?[0]?["size"] == .number(2))
            #expect(Self.numbers(cohorts?[0]?["retained"]) == [2, 1, 0, 1])
            #expect(cohorts?[1]?["start"] == .string("2026-11-09"))
            #expect(Self.numbers(cohorts?[1]?["retained"]) == [1, 1, 0])
            #expect(cohorts?[2]?["start"] == .string("2026-11-16"))
            #expect(Self.numbers(cohorts?[2]?["retained"]) == [1, 0])
            #expect(cohorts?[3]?["start"] == .string("2026-11-23"))
            #expect(cohorts?[3]?["size"] == .number(0))
            #expect(Self.numbers(cohorts?[3]?["retained"]) == [0])
            #expect(cohorts?[4] == nil)

            // By day: r2 first seen 11-02, back 8 days later (day 8).
            let daily = try await fixture.client.get("/v1/analytics/retention?period=day&from=2026-11-02&to=2026-11-02&periods=8", token: staff)
            #expect(Self.numbers(daily.json["cohorts"]?[0]?["retained"]) == [1, 0, 0, 0, 0, 0, 0, 0, 1])

            let monthly = try await fixture.client.get("/v1/analytics/retention?period=month&from=2026-10-01&to=2026-11-24&periods=1", token: staff)
            // October's cohort is r1 (back in November); November's is r2, r3, r4, r5.
            #expect(Self.numbers(monthly.json["cohorts"]?[0]?["retained"]) == [1, 1])
            #expect(Self.numbers(monthly.json["cohorts"]?[1]?["retained"]) == [4])

            let csv = try await fixture.client.get(
                "/v1/analytics/retention?period=week&from=2026-11-02&to=2026-11-24&periods=2&format=csv", token: staff)
            #expect(
                csv.text
                    == "cohort_start,size,week_0,week_1,week_2\r\n2026-11-02,2,2,1,0\r\n2026-11-09,1,1,1,0\r\n2026-11-16,1,1,0,\r\n2026-11-23,0,0,,\r\n"
            )
        }
    }

    /// 11-10: s1 (source check_oz, an OZ check two days later: activated) and s2 (no source, commits
    /// 8 days later: too late) sign up; a visitor browses. s3, active 11-03, is back 11-08: the
    /// 11-10 retention rate is 1/1. 11-20's sign-up's 7 days are not over by 11-24: no rate yet.
    @Test func dailyMetricsFollowTheirDefinitions() async throws {
        try await ReportsFixture.run { fixture in
            let s1 = "b2b2b2b2-0000-4000-8000-000000000001"
            let s2 = "b2b2b2b2-0000-4000-8000-000000000002"
            let s3 = "b2b2b2b2-0000-4000-8000-000000000003"
            let s4 = "b2b2b2b2-0000-4000-8000-000000000004"
            try await fixture.insert([
                .init(actor: s1, name: "user.created", at: "2026-11-10T09:00:00Z", properties: #"{"first_auth_source":"check_oz"}"#),
                .init(
                    actor: s1, name: "oz_check.completed", at: "2026-11-12T09:00:00Z", properties: #"{"tract_geoid":"01001020100","designated":true}"#
                ),
                .init(actor: s2, name: "user.created", at: "2026-11-10T15:00:00Z"),
                .init(actor: s2, name: "investment.committed", at: "2026-11-18T15:00:01Z"),
                .init(actor: "anon:v1", name: "page_viewed", at: "2026-11-10T10:00:00Z"),
                .init(actor: s3, name: "page_viewed", at: "2026-11-03T10:00:00Z"),
                .init(actor: s3, name: "page_viewed", at: "2026-11-08T10:00:00Z"),
                .init(actor: s4, name: "user.created", at: "2026-11-20T10:00:00Z"),
            ])
            let staff = try await fixture.staff()
            let rollup = try await fixture.client.post("/v1/analytics/metrics/rollup?from=2026-11-01&to=2026-11-24", "", token: staff)
            #expect(rollup.status == 200, "\(rollup.text)")
            // Twice: the same rows (whole days are rewritten).
            #expect(try await fixture.client.post("/v1/analytics/metrics/rollup?from=2026-11-01&to=2026-11-24", "", token: staff).text == rollup.text)

            let reply = try await fixture.client.get("/v1/analytics/metrics?from=2026-11-03&to=2026-11-20", token: staff)
            let days = reply.json["days"]
            #expect(
                days?[0]
                    == .object([
                        "day": .string("2026-11-03"), "active_users": .number(1), "visitors": .number(1), "sign_ups": .number(0),
                        "sign_ups_by_source": .object([:]),
                    ])
            )
            #expect(
                days?[7]
                    == .object([
                        "day": .string("2026-11-10"), "active_users": .number(2), "visitors": .number(3), "sign_ups": .number(2),
                        "sign_ups_by_source": .object(["check_oz": .number(1), "unknown": .number(1)]),
                        "activation_rate": .number(0.5), "retention_rate": .number(1),
                    ]),
                "\(reply.text)"
            )
            #expect(days?[17]?["day"] == .string("2026-11-20"))
            #expect(days?[17]?["sign_ups"] == .number(1))
            #expect(days?[17]?["activation_rate"] == nil)
            #expect(days?[18] == nil)

            let signUps = try await fixture.client.get("/v1/analytics/sign-ups?from=2026-11-09&to=2026-11-11", token: staff)
            #expect(signUps.text == #"{"days":[{"count":0,"day":"2026-11-09"},{"count":2,"day":"2026-11-10"},{"count":0,"day":"2026-11-11"}]}"#)

            let states = try await fixture.client.get("/v1/analytics/oz-checks/states?from=2026-11-01&to=2026-11-24", token: staff)
            #expect(states.text == #"{"states":[{"checks":1,"designated":1,"state":"AL"}]}"#)
        }
    }

    /// First-touch sources, and CSV cells a spreadsheet would run as formulas.
    @Test func sourcesAreFirstTouchAndTheirCSVIsSafe() async throws {
        try await ReportsFixture.run { fixture in
            let u = "c3c3c3c3-0000-4000-8000-000000000001"
            try await fixture.insert([
                .init(actor: "anon:a", name: "page_viewed", at: "2026-11-10T10:00:00Z", utmSource: "=SUM(1,2)"),
                .init(actor: "anon:a", name: "page_viewed", at: "2026-11-10T11:00:00Z", utmSource: "google"),
                .init(actor: "anon:b", name: "page_viewed", at: "2026-11-10T10:00:00Z", referrer: "https://www.Example.com/a?b"),
                .init(actor: u, name: "page_viewed", at: "2026-11-11T10:00:00Z", referrer: "https://example.com/"),
                .init(actor: u, name: "user.created", at: "2026-11-11T10:01:00Z"),
                .init(actor: "anon:c", name: "page_viewed", at: "2026-11-11T10:00:00Z", utmSource: #"say "hi""#),
                .init(actor: "anon:d", name: "page_viewed", at: "2026-11-11T10:00:00Z"),
            ])
            let staff = try await fixture.staff()
            #expect(try await fixture.client.post("/v1/analytics/metrics/rollup?from=2026-11-01&to=2026-11-24", "", token: staff).status == 200)
            let reply = try await fixture.client.get("/v1/analytics/sources?from=2026-11-01&to=2026-11-24", token: staff)
            #expect(
                reply.json["sources"]?[0]
                    == .object(["source": .string("example.com"), "visitors": .number(2), "sign_ups": .number(1), "sessions": .number(2)])
            )
            let csv = try await fixture.client.get("/v1/analytics/sources?from=2026-11-01&to=2026-11-24&format=csv", token: staff)
            #expect(csv.headers["Content-Disposition"].first == #"attachment; filename="sources.csv""#)
            // anon:a's second visit (from google, an hour later: a new session) is not its first touch.
            #expect(
                csv.text
                    == "source,visitors,sign_ups,sessions\r\nexample.com,2,1,2\r\n\"'=sum(1,2)\",1,0,1\r\ndirect,1,0,1\r\n\"say \"\"hi\"\"\",1,0,1\r\n"
            )
            #expect(try await fixture.client.get("/v1/analytics/sources?format=xml", token: staff).status == 422)
        }
    }

    /// The rollup's sessions: a visit from 23:50 to 00:10 belongs to the day it began; 30 minutes
    /// idle continues a visit, a second more ends it.
    @Test func theRollupStoresSessionsByTheDayTheyBegan() async throws {
        try await ReportsFixture.run { fixture in
            try await fixture.insert([
                .init(actor: "anon:s", name: "page_viewed", at: "2026-11-09T23:50:00Z", utmSource: "newsletter"),
                .init(actor: "anon:s", name: "page_viewed", at: "2026-11-10T00:10:00Z"),
                .init(actor: "anon:s", name: "page_viewed", at: "2026-11-10T10:00:00Z", referrer: "https://www.google.com/"),
                .init(actor: "anon:s", name: "page_viewed", at: "2026-11-10T10:30:00Z"),
                .init(actor: "anon:s", name: "page_viewed", at: "2026-11-10T11:00:01Z"),
            ])
            let staff = try await fixture.staff()
            let sessions =
                "SELECT to_char(started_at AT TIME ZONE 'UTC', 'DD HH24:MI:SS') || ' ' || events || ' ' || source FROM analytics.sessions ORDER BY started_at"
            #expect(try await fixture.client.post("/v1/analytics/metrics/rollup?from=2026-11-10&to=2026-11-10", "", token: staff).status == 200)
            #expect(try await fixture.sql(sessions) == ["10 10:00:00 2 google.com", "10 11:00:01 1 direct"])
            #expect(try await fixture.client.post("/v1/analytics/metrics/rollup?from=2026-11-09&to=2026-11-10", "", token: staff).status == 200)
            #expect(try await fixture.sql(sessions) == ["09 23:50:00 2 newsletter", "10 10:00:00 2 google.com", "10 11:00:01 1 direct"])
        }
    }

    /// A day with more events than one cursor fetch and more visits than one insert holds
    /// (`MetricsRollup.sessionBatch`): every visit is stored once, including those of actors whose
    /// events straddle a fetch.
    @Test func aBusyDaysSessionsAreAllStoredWhateverTheBatches() async throws {
        try await ReportsFixture.run { fixture in
            // 6,001 actors; actor n's visits: three events a minute apart (one visit), and, for
            // every third actor, one more visit two hours later: 6,001 + 2,000 visits, 20,003 events.
            let actors = MetricsRollup.sessionBatch + 1_001
            try await fixture.sql(
                """
                INSERT INTO analytics.events (id, name, origin, occurred_at, received_at, anonymous_id, actor, properties)
                SELECT gen_random_uuid(), 'page_viewed', 'client', t, t, 'busy' || n, 'anon:busy' || lpad(n::text, 5, '0'), '{}'
                FROM generate_series(1, \(actors)) AS n
                CROSS JOIN LATERAL (
                    SELECT timestamptz '2026-11-10T08:00:00Z' + make_interval(mins => m) AS t FROM generate_series(0, 2) AS m
                    UNION ALL
                    SELECT timestamptz '2026-11-10T10:00:00Z' WHERE n % 3 = 0
                ) AS visits
                """)
            let staff = try await fixture.staff()
            #expect(try await fixture.client.post("/v1/analytics/metrics/rollup?from=2026-11-10&to=2026-11-10", "", token: staff).status == 200)
            let third = actors / 3
            #expect(try await fixture.sql("SELECT count(*)::text FROM analytics.sessions") == ["\(actors + third)"])
            #expect(try await fixture.sql("SELECT sum(events)::text FROM analytics.sessions") == ["\(actors * 3 + third)"])
            #expect(
                try await fixture.sql(
                    "SELECT count(*)::text FROM analytics.sessions WHERE events = 3 AND ended_at - started_at = interval '2 minutes'")
                    == ["\(actors)"])
        }
    }
}
