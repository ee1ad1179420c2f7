import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import PropertiesService

/// `GET /v1/properties` over a small catalogue whose answers are known by hand.
@Suite struct PropertySearchTests {
    struct Listing {
        var name: String
        var city: String
        var state: String
        var lat: Double
        var lng: Double
        var type = "multi_family"
        var propertyClass = "B"
        var units = 24
        var raise = "2000000.00"
        var open = false
        var tract: String? = nil
        var description = "Apartments near downtown."
        var visibility = "public"
        var status = "active"

        var json: String {
            """
            {"property_name": "\(name)", "property_type": "\(type)", "address_line1": "1 Main St", "city": "\(city)",
             "state": "\(state)", "zip_code": "36067", "total_units": \(units), "property_class": "\(propertyClass)",
             "latitude": \(lat), "longitude": \(lng), "minimum_investment": "10000", "target_raise": "\(raise)",
             "investment_open": \(open), "description": "\(description)", "visibility": "\(visibility)",
             "status": "\(status)"\(tract.map { #", "oz_tract_geoid": "\#($0)""# } ?? "")}
            """
        }
    }

    /// Prattville and Montgomery are 20 km apart; Birmingham 130 km north; Austin far away.
    static let catalogue: [Listing] = [
        Listing(
            name: "Magnolia Court", city: "Prattville", state: "AL", lat: 32.464, lng: -86.459, units: 120, raise: "5000000", open: true,
            tract: "01001020700"),
        Listing(
            name: "Riverside Lofts", city: "Montgomery", state: "AL", lat: 32.377, lng: -86.300, type: "mixed_use", propertyClass: "A",
            description: "Loft conversions on the riverfront with retail below."),
        Listing(name: "Oak Hollow", city: "Birmingham", state: "AL", lat: 33.520, lng: -86.802, propertyClass: "C", units: 8, raise: "900000"),
        Listing(name: "Congress Flats", city: "Austin", state: "TX", lat: 30.267, lng: -97.743, units: 60, open: true),
        Listing(name: "Quiet Draft", city: "Prattville", state: "AL", lat: 32.47, lng: -86.46, status: "prospect"),
        Listing(name: "Members Place", city: "Prattville", state: "AL", lat: 32.46, lng: -86.46, visibility: "investors"),
    ]

    static func withCatalogue(_ body: @escaping @Sendable (PropertiesFixture, String) async throws -> Void) async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            for listing in Self.catalogue {
                // New listings start as prospects; publishing is a move of its own.
                var draft = listing
                draft.status = "prospect"
                let created = try await fixture.client.post("/v1/properties", draft.json, token: sponsor)
                try #require(created.status == 201, "\(created.text)")
                if listing.status != "prospect" {
                    let id = try #require(created.string("id"))
                    let moved = try await fixture.client.send(
                        .PATCH, "/v1/properties/\(id)", json: #"{"status":"\#(listing.status)"}"#, token: sponsor)
                    try #require(moved.status == 200)
                }
            }
            try await body(fixture, sponsor)
        }
    }

    static func names(_ reply: JSONClient.Reply) -> [String] {
        guard case .array(let items)? = reply.json["data"] else { return [] }
        return items.compactMap { if case .string(let name)? = $0["property_name"] { name } else { nil } }
    }

    @Test func filtersNarrowWhatTheCallerMaySee() async throws {
        try await Self.withCatalogue { fixture, sponsor in
            let client = fixture.client
            // Anonymous callers see published public listings, newest first.
            #expect(try await Self.names(client.get("/v1/properties")) == ["Congress Flats", "Oak Hollow", "Riverside Lofts", "Magnolia Court"])
            // Signed in, investor-only listings appear; the sponsor also sees their draft.
            let investor = try await fixture.token(.investor)
            #expect(try await Self.names(client.get("/v1/properties", token: investor)).contains("Members Place"))
            #expect(
                try await Self.names(client.get("/v1/properties?city=prattville", token: sponsor)).sorted() == [
                    "Magnolia Court", "Members Place", "Quiet Draft",
                ])

            #expect(try await Self.names(client.get("/v1/properties?state=TX")) == ["Congress Flats"])
            #expect(try await Self.names(client.get("/v1/properties?state=al,tx&class=A")) == ["Riverside Lofts"])
            #expect(try await Self.names(client.get("/v1/properties?type=mixed_use")) == ["Riverside Lofts"])
            #expect(try await Self.names(client.get("/v1/properties?oz=true")) == ["Magnolia Court"])
            #expect(try await Self.names(client.get("/v1/properties?investment_open=true")) == ["Congress Flats", "Magnolia Court"])
            #expect(try await Self.names(client.get("/v1/properties?min_units=50")) == ["Congress Flats", "Magnolia Court"])
            #expect(try await Self.names(client.get("/v1/properties?raise_min=1000000&raise_max=2000000")) == ["Congress Flats", "Riverside Lofts"])
            #expect(try await Self.names(client.get("/v1/properties?status=prospect", token: investor)) == [])
        }
    }

    @Test func textSearchFindsWordsStemsAndTyposBestMatchFirst() async throws {
        try await Self.withCatalogue { fixture, _ in
            let client = fixture.client
            // "riverfront" is in one description; stemming matches "conversion" to "conversions".
            #expect(try await Self.names(client.get("/v1/properties?q=riverfront")) == ["Riverside Lofts"])
            #expect(try await Self.names(client.get("/v1/properties?q=loft%20conversion")) == ["Riverside Lofts"])
            // A typo in a name still finds it.
            #expect(try await Self.names(client.get("/v1/properties?q=magnolai")) == ["Magnolia Court"])
            // Matches come newest first unless relevance is asked for; then a name match outranks a
            // description match.
            let downtown = try await client.get("/v1/properties?q=downtown")
            #expect(Self.names(downtown) == ["Congress Flats", "Oak Hollow", "Magnolia Court"])
            let either = "/v1/properties?q=magnolia%20or%20downtown"
            #expect(Self.names(try await client.get(either)).first == "Congress Flats")
            #expect(Self.names(try await client.get(either + "&sort=relevance")).first == "Magnolia Court")
        }
    }

    @Test func relevanceFindsNamesThroughTyposIncludingRenamedOnes() async throws {
        try await Self.withCatalogue { fixture, sponsor in
            let client = fixture.client
            // A typo in one word of a name, or in both words of a two-word name.
            #expect(try await Self.names(client.get("/v1/properties?q=magnolai&sort=relevance")) == ["Magnolia Court"])
            #expect(try await Self.names(client.get("/v1/properties?q=riversde%20loftz&sort=relevance")).first == "Riverside Lofts")
            // A listing renamed is found by a typo of its new name, in either order.
            let oak = try await client.get("/v1/properties?q=oak%20hollow")
            guard case .array(let items)? = oak.json["data"], case .string(let id)? = items.first?["id"] else {
                Issue.record("Oak Hollow not found: \(oak.text)")
                return
            }
            let renamed = try await client.send(.PATCH, "/v1/properties/\(id)", json: #"{"property_name":"Juniper Yards"}"#, token: sponsor)
            try #require(renamed.status == 200, "\(renamed.text)")
            #expect(try await Self.names(client.get("/v1/properties?q=junipr&sort=relevance")) == ["Juniper Yards"])
            #expect(try await Self.names(client.get("/v1/properties?q=junipr")) == ["Juniper Yards"])
        }
    }

    @Test func geoSearchFindsWhatIsNearNearestFirst() async throws {
        try await Self.withCatalogue { fixture, _ in
            let client = fixture.client
            // From Prattville: Magnolia Court (≈1 km), Riverside Lofts (≈20 km); Birmingham is 130 km.
            let within50 = try await client.get("/v1/properties?near=32.46,-86.47&radius_km=50")
            #expect(Self.names(within50) == ["Magnolia Court", "Riverside Lofts"])
            let within200 = try await client.get("/v1/properties?near=32.46,-86.47&radius_km=200")
            #expect(Self.names(within200) == ["Magnolia Court", "Riverside Lofts", "Oak Hollow"])
            let byName = try await client.get("/v1/properties?near=32.46,-86.47&radius_km=200&sort=name")
            #expect(Self.names(byName) == ["Magnolia Court", "Oak Hollow", "Riverside Lofts"])
        }
    }

    @Test func cursorsWalkEveryOrderWithoutGapsOrRepeats() async throws {
        try await Self.withCatalogue { fixture, sponsor in
            for query in ["", "sort=oldest", "sort=name", "near=32.46,-86.47&radius_km=500", "q=downtown", "q=downtown&sort=relevance"] {
                var seen: [String] = []
                var cursor: String? = nil
                repeat {
                    let path = "/v1/properties?limit=2&\(query)" + (cursor.map { "&cursor=\($0)" } ?? "")
                    let page = try await fixture.client.get(path, token: sponsor)
                    #expect(page.status == 200, "\(path): \(page.text)")
                    seen += Self.names(page)
                    cursor = page.string("next_cursor")
                } while cursor != nil && seen.count < 20
                let all = Self.names(try await fixture.client.get("/v1/properties?limit=200&\(query)", token: sponsor))
                #expect(seen == all, "\(query)")
                #expect(Set(seen).count == seen.count, "\(query)")
            }
            // A cursor belongs to its order.
            let first = try await fixture.client.get("/v1/properties?limit=1&sort=name")
            let cursor = try #require(first.string("next_cursor"))
            let mixed = try await fixture.client.get("/v1/properties?limit=1&sort=oldest&cursor=\(cursor)")
            #expect(mixed.status == 422)
            #expect(mixed.text.contains(#""field":"cursor""#))
        }
    }

    @Test func badParametersAreNamed() async throws {
        try await PropertiesFixture.run { fixture in
            for (query, field) in [
                ("state=ZZ", "state"), ("near=abc", "near"), ("near=95,0", "near"), ("radius_km=5", "radius_km"),
                ("limit=500", "limit"), ("sort=distance", "sort"), ("sort=relevance", "sort"), ("price_min=-1", "price_min"),
                ("raise_min=10&raise_max=5", "raise_min"), ("oz=yes", "oz"), ("status=gone", "status"), ("cursor=%21", "cursor"),
                ("q=" + String(repeating: "a", count: 201), "q"), ("min_units=0", "min_units"), ("class=E", "class"),
            ] {
                let reply = try await fixture.client.get("/v1/properties?\(query)")
                #expect(reply.status == 422, "\(query)")
                #expect(reply.text.contains(#""field":"\#(field)""#), "\(query): \(reply.text)")
            }
        }
    }
}
