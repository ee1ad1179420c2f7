import Foundation
import Logging
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import AnalyticsService

/// Funnels over a hand-made data set: the window edge, events inserted out of order, equal
/// timestamps, filters, breakdown, validation and who may ask.
@Suite struct FunnelReportTests {
    static let u1 = "11111111-1111-4111-8111-111111111111"
    static let u2 = "22222222-2222-4222-8222-222222222222"
    static let u3 = "33333333-3333-4333-8333-333333333333"
    static let u4 = "44444444-4444-4444-8444-444444444444"
    static let u5 = "55555555-5555-4555-8555-555555555555"
    static let u6 = "66666666-6666-4666-8666-666666666666"

    /// Steps A = listing_viewed, B = listing_details_opened, C = documents_downloaded, window 1 h:
    /// - u1 pro:   A 10:00, B 10:30, C 11:00:00 (exactly at the window) → A B C
    /// - u2 pro:   A 10:00, B 10:20, C 11:00:01 (a second past)         → A B
    /// - u3 basic: inserted C, B, A; happened A 10:00, B 10:20, C 10:40  → A B C
    /// - u4 basic: B 09:00, A 10:00, C 10:30 (B before A)              → A
    /// - u5 none:  A 10:00, B 10:00 (the same instant)                  → A
    /// - u6 pro:   A 10-31 23:59 (before the range), A 11-02 10:00, B 10:05 → A B
    /// - anon:v7:  A 10:00 pro, B 10:01 basic                            → A B (A only with plan:pro)
    static let events: [ReportsFixture.Event] = [
        .init(actor: u1, name: "listing_viewed", at: "2026-11-10T10:00:00Z", properties: #"{"plan":"pro"}"#),
        .init(actor: u1, name: "listing_details_opened", at: "2026-11-10T10:30:00Z", properties: #"{"plan":"pro"}"#),
        .init(actor: u1, name: "documents_downloaded", at: "2026-11-10T11:00:00Z", properties: #"{"plan":"pro"}"#),
        .init(actor: u2, name: "listing_viewed", at: "2026-11-10T10:00:00Z", properties: #"{"plan":"pro"}"#),
        .init(actor: u2, name: "listing_details_opened", at: "2026-11-10T10:20:00Z", properties: #"{"plan":"pro"}"#),
        .init(actor: u2, name: "documents_downloaded", at: "2026-11-10T11:00:01Z", properties: #"{"plan":"pro"}"#),
        .init(actor: u3, name: "documents_downloaded", at: "2026-11-10T10:40:00Z", properties: #"{"plan":"basic"}"#),
        .init(actor: u3, name: "listing_details_opened", at: "2026-11-10T10:20:00Z", properties: #"{"plan":"basic"}"#),
        .init(actor: u3, name: "listing_viewed", at: "2026-11-10T10:00:00Z", properties: #"{"plan":"basic"}"#),
        .init(actor: u4, name: "listing_details_opened", at: "2026-11-10T09:00:00Z", properties: #"{"plan":"basic"}"#),
        .init(actor: u4, name: "listing_viewed", at: "2026-11-10T10:00:00Z", properties: #"{"plan":"basic"}"#),
        .init(actor: u4, name: "documents_downloaded", at: "2026-11-10T10:30:00Z", properties: #"{"plan":"basic"}"#),
        .init(actor: u5, name: "listing_viewed", at: "2026-11-10T10:00:00Z"),
        .init(actor: u5, name: "listing_details_opened", at: "2026-11-10T10:00:00Z"),
        .init(actor: u6, name: "listing_viewed", at: "2026-10-31T23:59:00Z", properties: #"{"plan":"pro"}"#),
        .init(actor: u6, name: "listing_viewed", at: "2026-11-02T10:00:00Z", properties: #"{"plan":"pro"}"#),
        .init(actor: u6, name: "listing_details_opened", at: "2026-11-02T10:05:00Z", properties: #"{"plan":"pro"}"#),
        .init(actor: "anon:v7", name: "listing_viewed", at: "2026-11-10T10:00:00Z", properties: #"{"plan":"pro"}"#),
        .init(actor: "anon:v7", name: "listing_details_opened", at: "2026-11-10T10:01:00Z", properties: #"{"plan":"basic"}"#),
    ]

    static let path =
        "/v1/analytics/funnels?steps=listing_viewed,listing_details_opened,documents_downloaded&window=3600&from=2026-11-01&to=2026-11-30"

    static func steps(_ value: JSONValue?) -> [Int] {
        (0..<10).compactMap { value?[$0]?["actors"] }.compactMap { if case .number(let n) = $0 { Int(n) } else { nil } }
    }

    @Test func countsTheWindowEdgeOutOfOrderArrivalsAndEqualTimes() async throws {
        try await ReportsFixture.run { fixture in
            try await fixture.insert(Self.events)
            let staff = try await fixture.staff()
            let reply = try await fixture.client.get(Self.path, token: staff)
            #expect(reply.status == 200, "\(reply.text)")
            // 7 started; u4 and u5 stop at A; of the 5 with B, u1 (exactly 1 h) and u3 reach C.
            #expect(
                reply.json
                    == .object([
                        "steps": .array([
                            Self.step("listing_viewed", 7, 1, 1, 0),
                            Self.step("listing_details_opened", 5, 0.7143, 0.7143, 2),
                            Self.step("documents_downloaded", 2, 0.4, 0.2857, 3),
                        ])
                    ])
            )
            // A window one second longer takes u2's C too.
            let wider = try await fixture.client.get(Self.path.replacingOccurrences(of: "window=3600", with: "window=3601"), token: staff)
            #expect(Self.steps(wider.json["steps"]) == [7, 5, 3])
        }
    }

    @Test func filtersApplyToEveryStepAndTheBreakdownIsTheFirstStepsValue() async throws {
        try await ReportsFixture.run { fixture in
            try await fixture.insert(Self.events)
            let staff = try await fixture.staff()
            // plan:pro: u1, u2, u6, v7 start; v7's B is basic; only u1's C is in the window.
            let filtered = try await fixture.client.get(Self.path + "&filter=plan:pro", token: staff)
            #expect(Self.steps(filtered.json["steps"]) == [4, 3, 1])

            let broken = try await fixture.client.get(Self.path + "&breakdown=plan", token: staff)
            #expect(Self.steps(broken.json["steps"]) == [7, 5, 2])
            let groups = broken.json["breakdown"]
            #expect(groups?[0]?["value"] == .string("pro"))
            #expect(Self.steps(groups?[0]?["steps"]) == [4, 4, 1])
            #expect(groups?[1]?["value"] == .string("basic"))
            #expect(Self.steps(groups?[1]?["steps"]) == [2, 1, 1])
            #expect(groups?[2]?["value"] == .null)
            #expect(Self.steps(groups?[2]?["steps"]) == [1, 0, 0])
            #expect(groups?[3] == nil)

            let csv = try await fixture.client.send(.GET, Self.path + "&breakdown=plan", token: staff, headers: [("Accept", "text/csv")])
            #expect(csv.headers["Content-Type"].first?.hasPrefix("text/csv") == true)
            #expect(
                csv.text.hasPrefix(
                    "breakdown,step,name,actors,conversion_from_previous,conversion_from_first,drop_off\r\n"
                        + "(all),1,listing_viewed,7,1.0000,1.0000,0\r\n(all),2,listing_details_opened,5,0.7143,0.7143,2\r\n"
                )
            )
            #expect(csv.text.contains("\r\n,1,listing_viewed,1,1.0000,1.0000,0\r\n"))
        }
    }

    /// The statement joins a step's whole name slice when the step before kept many actors and
    /// probes per actor when it kept few, and a first step without filters reads the rolled-up
    /// days from `funnel_firsts` (and the days since from the events): every form counts alike.
    @Test func theHashJoinTheProbesAndTheRollupCountAlike() async throws {
        try await ReportsFixture.run { fixture in
            try await fixture.insert(Self.events)
            func day(_ text: String) throws -> Date { try Date(text + "T00:00:00Z", strategy: .iso8601) }
            let range = DayRange(from: try day("2026-11-01"), to: try day("2026-11-30"))
            let steps = ["listing_viewed", "listing_details_opened", "documents_downloaded"]
            try await TestDatabase.withClient(fixture.database.url(for: .analytics)) { client in
                let reports = AnalyticsReports(postgres: client)
                let logger = Logger(label: "test")
                // Days up to 11-23 were over when the rollup (at 11-24 12:00) made them.
                try await MetricsRollup(postgres: client, clock: .fixed(ReportsFixture.now))
                    .recompute(range: DayRange(from: try day("2026-11-01"), to: try day("2026-11-25")), logger: logger)
                try await fixture.insert([.init(actor: "anon:v8", name: "listing_viewed", at: "2026-11-24T09:00:00Z")])
                let until = try await client.withConnection { try await FunnelQuery.rolledUpUntil(range, on: $0, logger: logger) }
                #expect(until == (try day("2026-11-24")))
                let forms: [(probeLimit: Int, rollupDays: Int)] = [(0, Int.max), (Int.max, Int.max), (Int.max, 1), (0, 1)]
                for form in forms {
                    func actors(_ request: FunnelRequest) async throws -> [[Int]] {
                        let report = try await reports.funnel(
                            request, probeLimit: form.probeLimit, rollupMinimumDays: form.rollupDays, logger: logger)
                        let groups: [[Int]] = (report.breakdown ?? []).map { (group: FunnelBreakdown) in group.steps.map { $0.actors } }
                        return [report.steps.map { $0.actors }] + groups
                    }
                    let plain = try await actors(FunnelRequest(steps: steps, windowSeconds: 3600, range: range))
                    #expect(plain == [[8, 5, 2]], "\(form)")
                    let wider = try await actors(FunnelRequest(steps: steps, windowSeconds: 3601, range: range))
                    #expect(wider == [[8, 5, 3]], "\(form)")
                    let filtered = try await actors(
                        FunnelRequest(steps: steps, windowSeconds: 3600, range: range, filters: [.init(key: "plan", value: "pro")]))
                    #expect(filtered == [[4, 3, 1]], "\(form)")
                    let broken = try await actors(FunnelRequest(steps: steps, windowSeconds: 3600, range: range, breakdown: "plan"))
                    #expect(broken == [[8, 5, 2], [4, 4, 1], [2, 1, 1], [2, 0, 0]], "\(form)")
                }
            }
        }
    }

    @Test func theInvestmentFunnelFollowsOneOffering() async throws {
        try await ReportsFixture.run { fixture in
            let offering = "0f0f0f0f-0000-4000-8000-000000000001"
            let other = "0f0f0f0f-0000-4000-8000-000000000002"
            func journey(_ actor: String, _ offering: String, _ names: [String]) -> [ReportsFixture.Event] {
                names.enumerated().map { index, name in
                    .init(actor: actor, name: name, at: "2026-11-0\(index + 1)T12:00:00Z", properties: #"{"offering_id":"\#(offering)"}"#)
                }
            }
            let all = InvestmentFunnel.steps
            try await fixture.insert(
                journey(Self.u1, offering, all) + journey(Self.u2, offering, Array(all.prefix(3)))
                    + journey(Self.u3, other, all) + journey(Self.u4, offering, Array(all.prefix(1)))
            )
            let staff = try await fixture.staff()
            let one = try await fixture.client.get(
                "/v1/analytics/funnels/investment?offering_id=\(offering)&from=2026-11-01&to=2026-11-24", token: staff)
            #expect(one.status == 200, "\(one.text)")
            #expect(Self.steps(one.json["steps"]) == [3, 2, 2, 1, 1])
            #expect(one.json["steps"]?[1]?["drop_off"] == .number(1))

            let every = try await fixture.client.get("/v1/analytics/funnels/investment?from=2026-11-01&to=2026-11-24", token: staff)
            #expect(Self.steps(every.json["steps"]) == [4, 3, 3, 2, 2])
            #expect(every.json["breakdown"]?[0]?["value"] == .string(offering))
            #expect(Self.steps(every.json["breakdown"]?[1]?["steps"]) == [1, 1, 1, 1, 1])
        }
    }

    @Test func aBadRequestNamesEachFieldAndOnlyStaffMayAsk() async throws {
        try await ReportsFixture.run { fixture in
            let staff = try await fixture.staff()
            let bad = try await fixture.client.get(
                "/v1/analytics/funnels?steps=listing_viewed,Bad%20Name&window=91d&from=2026-11-31&filter=nocolon", token: staff
            )
            #expect(bad.status == 422)
            let fields = (0..<10).compactMap { bad.json["errors"]?[$0]?["field"] }
            #expect(Set(fields) == [.string("from"), .string("filter"), .string("steps[1]"), .string("window")], "\(bad.text)")
            let one = try await fixture.client.get("/v1/analytics/funnels?steps=listing_viewed", token: staff)
            #expect(one.status == 422)
            // Well-formed but unknown: a client name not on the allow-list, a type nobody publishes.
            let unknown = try await fixture.client.get("/v1/analytics/funnels?steps=listing_veiwed,listing_viewed,investment.exploded", token: staff)
            #expect(unknown.status == 422)
            #expect(
                Set((0..<5).compactMap { unknown.json["errors"]?[$0]?["field"] }) == [.string("steps[0]"), .string("steps[2]")], "\(unknown.text)")

            #expect(try await fixture.client.get(Self.path).status == 401)
            #expect(try await fixture.client.get(Self.path, token: try await fixture.investor()).status == 403)
            for path in [
                "/v1/analytics/funnels/investment", "/v1/analytics/retention", "/v1/analytics/metrics", "/v1/analytics/sources",
                "/v1/analytics/oz-checks/states", "/v1/analytics/sign-ups",
            ] {
                #expect(try await fixture.client.get(path).status == 401, "\(path)")
                #expect(try await fixture.client.get(path, token: try await fixture.investor()).status == 403, "\(path)")
                #expect(try await fixture.client.get(path, token: staff).status == 200, "\(path)")
            }
            #expect(try await fixture.client.post("/v1/analytics/metrics/rollup", "", token: try await fixture.investor()).status == 403)
        }
    }

    static func step(_ name: String, _ actors: Int, _ previous: Double, _ first: Double, _ dropOff: Int) -> JSONValue {
        .object([
            "name": .string(name), "actors": .number(Double(actors)), "conversion_from_previous": .number(previous),
            "conversion_from_first": .number(first), "drop_off": .number(Double(dropOff)),
        ])
    }
}
