import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import PropertiesService

/// `POST /v1/oz/check` with `as_of`, against the running service with the 2018 round migrated and
/// the test 2027 round imported (OZRoundImportTests): the acceptance table of issue 23.
@Suite struct OZCheckAsOfTests {
    static let round2018: JSONValue = .object([
        "round": 2018, "tract_type": "Low-Income Community", "starts_on": "2018-04-09", "ends_on": "2028-12-31",
        "legal_basis": "TCJA, Pub. L. 115-97 §13823; 26 U.S.C. §1400Z-1 (designation period §1400Z-1(f))",
    ])
    static let round2027: JSONValue = .object([
        "round": 2027, "tract_type": "Low-Income Community", "starts_on": "2027-01-01", "ends_on": "2036-12-31",
        "legal_basis": "Pub. L. 119-21 §70421; 26 U.S.C. §1400Z-1 as amended (decennial designation rounds)",
    ])

    static func noted(_ round: JSONValue, _ note: String) -> JSONValue {
        guard case .object(var fields) = round else { return round }
        fields["note"] = .string(note)
        return .object(fields)
    }

    /// (tract, as_of, designated, rounds in force, upcoming, ended)
    static let table: [(String, String, Bool, [JSONValue], [JSONValue], [JSONValue])] = [
        // Autauga 01001020700: designated in 2018 only.
        ("01001020700", "2026-12-31", true, [round2018], [], []),
        ("01001020700", "2028-12-31", true, [round2018], [], []),
        ("01001020700", "2029-01-01", false, [], [], [noted(round2018, "designation ended 2028-12-31")]),
        // Autauga 01001020100: in the test 2027 round only.
        ("01001020100", "2026-12-31", false, [], [noted(round2027, "designated from 2027-01-01")], []),
        ("01001020100", "2027-01-01", true, [round2027], [], []),
        ("01001020100", "2036-12-31", true, [round2027], [], []),
        ("01001020100", "2037-01-01", false, [], [], [noted(round2027, "designation ended 2036-12-31")]),
        // Baldwin 01003010200: in both, so 2027 lists both, newest first.
        ("01003010200", "2027-01-01", true, [round2027, round2018], [], []),
        ("01003010200", "2029-01-01", true, [round2027], [], [noted(round2018, "designation ended 2028-12-31")]),
    ]

    @Test func designationIsAnsweredForTheDayAsked() async throws {
        try await OZRoundImportTests.withTestRound { fixture in
            for (tract, day, designated, rounds, upcoming, ended) in Self.table {
                let reply = try await fixture.client.post("/v1/oz/check", #"{"tract_geoid":"\#(tract)","as_of":"\#(day)"}"#)
                #expect(reply.status == 200, "\(tract) \(day)")
                var expected: [String: JSONValue] = [
                    "tract_geoid": .string(tract), "as_of": .string(day), "designated": .bool(designated),
                    "rounds": .array(rounds), "upcoming": .array(upcoming), "ended": .array(ended),
                    "state": "Alabama", "county": tract.hasPrefix("01001") ? "Autauga" : "Baldwin", "checked_by": "tract_geoid",
                ]
                if let newest = rounds.first {
                    expected["tract_type"] = newest["tract_type"]
                    expected["designation_round"] = newest["round"]
                }
                #expect(reply.json == .object(expected), "\(tract) \(day)")
            }
        }
    }

    @Test func withoutAsOfTheServiceClockDecides() async throws {
        // The service's "today" is 2029-06-01: the 2018 designations have ended.
        let clock = ServiceClock.fixed(Date(timeIntervalSince1970: 1_874_966_400))  // 2029-06-01T00:00:00Z
        try await OZRoundImportTests.withTestRound(clock: clock) { fixture in
            let reply = try await fixture.client.post("/v1/oz/check", #"{"tract_geoid":"01001020700"}"#)
            #expect(reply.string("as_of") == "2029-06-01")
            #expect(reply["designated"] == false)
            #expect(reply["designation_round"] == nil)
            #expect(reply["ended"] == .array([Self.noted(Self.round2018, "designation ended 2028-12-31")]))
            let null = try await fixture.client.post("/v1/oz/check", #"{"tract_geoid":"01001020100","as_of":null}"#)
            #expect(null.string("as_of") == "2029-06-01")
            #expect(null["designated"] == true)
            #expect(null["designation_round"] == 2027)
        }
    }

    @Test func aMalformedOrImpossibleDateIsA422NamingAsOf() async throws {
        try await PropertiesFixture.run { fixture in
            let bad = [
                #""2026-02-30""#, #""2027-13-01""#, #""""#, #"" ""#, #""2027-1-1""#, #""27-01-01""#, #""0000-01-01""#,
                #""99999-01-01""#, #""2027-01-01T00:00:00Z""#, #""２０２７-01-01""#, #""+027-01-01""#, #""2027-01-01\u0000""#,
                #""\u00002027-01-01""#, "20270101", "1e400", "-1", "true", "[]", "{}", #"["2027-01-01"]"#,
                "\"" + String(repeating: "9", count: 10_000) + "\"",
            ]
            for value in bad {
                let reply = try await fixture.client.post("/v1/oz/check", #"{"tract_geoid":"01001020700","as_of":\#(value)}"#)
                #expect(reply.status == 422, "\(value.prefix(40))")
                #expect(reply.headers["content-type"].first == "application/problem+json")
                #expect(reply.text.contains(#""field":"as_of""#), "\(value.prefix(40)): \(reply.text.prefix(300))")
            }
            // A saved check is today's answer: another day cannot be saved to a developer profile.
            let token = try await fixture.token(.developer)
            let saved = try await fixture.client.post(
                "/v1/oz/check", #"{"tract_geoid":"01001020700","as_of":"2030-01-01","save":true}"#, token: token)
            #expect(saved.status == 422)
            #expect(saved.text.contains(#""field":"as_of""#))
            #expect(try await fixture.client.get("/v1/oz/developer-profile", token: token).status == 404)
        }
    }

    static func list(_ value: JSONValue?) -> [JSONValue] {
        if case .array(let items)? = value { return items }
        return []
    }

    /// Every answer is one the OpenAPI document describes, down to the rounds' fields.
    @Test func answersWithAsOfAreWhatTheOpenAPIDocumentSays() async throws {
        try await OZRoundImportTests.withTestRound { fixture in
            let document = try await fixture.client.get("/openapi.json").json
            let request = document["components"]?["schemas"]?["OZCheckRequest"]?["properties"]?["as_of"]
            #expect(request?["type"] == ["string", "null"], "optional: null reads as absent")
            #expect(request?["format"] == "date")
            let result = try #require(document["components"]?["schemas"]?["OZCheckResult"]?["properties"])
            let round = try #require(document["components"]?["schemas"]?["OZTractDesignation"])
            for (body, status) in [
                (#"{"tract_geoid":"01003010200","as_of":"2029-01-01"}"#, 200), (#"{"tract_geoid":"01001020100","as_of":"2026-12-31"}"#, 200),
                (#"{"tract_geoid":"01001020700","as_of":"2026-02-30"}"#, 422),
            ] {
                let reply = try await fixture.client.post("/v1/oz/check", body)
                #expect(reply.status == status)
                let found = OpenAPIConformance.problems(
                    in: document, method: "POST", path: "/v1/oz/check", status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text
                )
                #expect(found.isEmpty, "\(found)")
                guard status == 200, case .object(let fields) = reply.json else { continue }
                for key in fields.keys { #expect(result[key] != nil, "\(key) is not in the document") }
                for list in ["rounds", "upcoming", "ended"] {
                    guard case .array(let items)? = fields[list] else { continue }
                    for case .object(let item) in items {
                        for key in item.keys { #expect(round["properties"]?[key] != nil, "\(list).\(key) is not in the document") }
                        for case .string(let required) in Self.list(round["required"]) {
                            #expect(item[required] != nil, "\(list) lacks \(required)")
                        }
                    }
                }
            }
        }
    }
}
