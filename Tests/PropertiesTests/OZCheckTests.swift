import Foundation
import Hummingbird
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import PropertiesService

/// `POST /v1/oz/check` against the 2018 designations loaded by migration, and the address path
/// against a local server speaking the Census Geocoder's format.
@Suite struct OZCheckTests {
    /// Runs properties with its geocoder pointed at `geocoderURL` (a local Census-format server).
    static func withProperties(
        geocoderURL: URL, clock: ServiceClock = .system, _ body: @escaping @Sendable (JSONClient, TestDatabase) async throws -> Void
    ) async throws {
        try await PropertiesFixture.run(settings: PropertiesSettings(censusGeocoderURL: geocoderURL), clock: clock) { fixture in
            try await body(fixture.client, fixture.database)
        }
    }

    /// A geocoder that knows one address, answering as geocoding.geo.census.gov does.
    static func censusFormatGeocoder() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("geographies/onelineaddress") { request, _ -> Response in
            let query = request.uri.queryParameters
            let matches: String
            if query["address"] == "2 Main St, Prattville, AL 36067", query["vintage"] == "Census2010_Current",
                query["layers"] == "Census Tracts", query["format"] == "json"
            {
                matches = """
                    [{"tigerLine":{"side":"L","tigerLineId":"76010416"},"coordinates":{"x":-86.47646,"y":32.46447},
                      "addressComponents":{"zip":"36067","city":"PRATTVILLE","state":"AL"},
                      "geographies":{"Census Tracts":[{"GEOID":"01001020700","STATE":"01","COUNTY":"001","TRACT":"020700",
                        "NAME":"Census Tract 207","CENTLAT":"+32.4627","CENTLON":"-086.4750"}]},
                      "matchedAddress":"2 MAIN ST, PRATTVILLE, AL, 36067"}]
                    """
            } else {
                matches = "[]"
            }
            let json =
                #"{"result":{"input":{"address":{"address":"x"},"benchmark":{"benchmarkName":"Public_AR_Current"}},"addressMatches":\#(matches)}}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: json)))
        }
        return router
    }

    @Test func designatedUndesignatedAndMalformedTracts() async throws {
        try await withLocalServer(Self.censusFormatGeocoder()) { geocoder in
            // The service's today: 2026-12-06, when the 2018 round is in force.
            let today = ServiceClock.fixed(Date(timeIntervalSince1970: 1_796_515_200))
            try await Self.withProperties(geocoderURL: geocoder, clock: today) { client, _ in
                // No as_of, as callers before it was added: the answer is for the service's today.
                let lic = try await client.post("/v1/oz/check", #"{"tract_geoid":"01001020700"}"#)
                #expect(lic.status == 200)
                #expect(
                    lic.json
                        == .object([
                            "tract_geoid": "01001020700", "as_of": "2026-12-06", "designated": true,
                            "tract_type": "Low-Income Community", "designation_round": 2018,
                            "rounds": [OZCheckAsOfTests.round2018], "upcoming": [], "ended": [],
                            "state": "Alabama", "county": "Autauga", "checked_by": "tract_geoid",
                        ]))
                let contiguous = try await client.post("/v1/oz/check", #"{"tract_geoid":"01003010400"}"#)
                #expect(contiguous.string("tract_type") == "Non-LIC Contiguous")
                #expect(contiguous["designated"] == .bool(true))

                // A real Autauga County tract that was not designated.
                let plain = try await client.post("/v1/oz/check", #"{"tract_geoid":"01001020100"}"#)
                #expect(plain.status == 200)
                #expect(plain["designated"] == .bool(false))
                #expect(plain["tract_type"] == nil)
                #expect(plain.string("state") == "Alabama")

                for bad in ["0100102070", "0100102070A", "99001020700", " ", "010010207000"] {
                    let reply = try await client.post("/v1/oz/check", #"{"tract_geoid":"\#(bad)"}"#)
                    #expect(reply.status == 422, "\(bad)")
                    #expect(reply.text.contains(#""field":"tract_geoid""#))
                }
                let both = try await client.post("/v1/oz/check", #"{"tract_geoid":"01001020700","address":"2 Main St"}"#)
                #expect(both.status == 422)
                let none = try await client.post("/v1/oz/check", "{}")
                #expect(none.status == 422)
            }
        }
    }

    @Test func anAddressIsCheckedThroughTheCensusGeocoder() async throws {
        try await withLocalServer(Self.censusFormatGeocoder()) { geocoder in
            try await Self.withProperties(geocoderURL: geocoder) { client, _ in
                let found = try await client.post("/v1/oz/check", #"{"address":"2 Main St, Prattville, AL 36067"}"#)
                #expect(found.status == 200)
                #expect(found.string("tract_geoid") == "01001020700")
                #expect(found["designated"] == .bool(true))
                #expect(found.string("checked_by") == "address")
                #expect(found.string("matched_address") == "2 MAIN ST, PRATTVILLE, AL, 36067")
                #expect(found["coordinates"] == .object(["lat": 32.46447, "lng": -86.47646]))

                let unknown = try await client.post("/v1/oz/check", #"{"address":"1 Nowhere Lane, Atlantis"}"#)
                #expect(unknown.status == 422)
                #expect(unknown.text.contains(#""field":"address""#))
            }
        }
    }

    @Test func aGeocoderThatIsDownAnswers503() async throws {
        let nobody = URL(string: "http://127.0.0.1:\(try await freePort())")!
        try await Self.withProperties(geocoderURL: nobody) { client, _ in
            let reply = try await client.post("/v1/oz/check", #"{"address":"2 Main St, Prattville, AL 36067"}"#)
            #expect(reply.status == 503)
            #expect(reply.headers["content-type"].first == "application/problem+json")
            // The tract path does not depend on the geocoder.
            #expect(try await client.post("/v1/oz/check", #"{"tract_geoid":"01001020700"}"#).status == 200)
        }
    }

    @Test func theWholeCDFIListIsLoaded() async throws {
        let nobody = URL(string: "http://127.0.0.1:1")!
        try await Self.withProperties(geocoderURL: nobody) { client, database in
            let counts = try await TestDatabase.withAdmin(database: database.name) { admin in
                var counts: [String] = []
                let rows = try await admin.query(
                    "SELECT tract_type || ':' || count(*) FROM properties.oz_tracts WHERE designation_round = 2018 GROUP BY tract_type ORDER BY 1"
                )
                for try await value in rows.decode(String.self) { counts.append(value) }
                return counts
            }
            // Treasury's list of 14 Dec 2018: 8,764 tracts, 198 of them contiguous non-LICs.
            #expect(counts == ["Low-Income Community:8566", "Non-LIC Contiguous:198"])
            let document = try await client.get("/openapi.json").json
            for (body, status) in [(#"{"tract_geoid":"01001020700"}"#, 200), (#"{"tract_geoid":"1"}"#, 422), (#"{"lat":1,"lng":2}"#, 501)] {
                let reply = try await client.post("/v1/oz/check", body)
                #expect(reply.status == status)
                let found = OpenAPIConformance.problems(
                    in: document, method: "POST", path: "/v1/oz/check", status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text
                )
                #expect(found.isEmpty, "\(found)")
            }
        }
    }
}
