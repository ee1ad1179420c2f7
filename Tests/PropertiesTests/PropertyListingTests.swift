import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import PropertiesService

/// Listing a property and living with it: who may create, see, change and delete it, what is
/// refused and why, and what the rest of the suite is told.
@Suite struct PropertyListingTests {
    static let elm = #"""
        {"property_name": "The Elm Residences", "property_type": "multi_family", "address_line1": "200 Elm St",
         "city": "Prattville", "state": "AL", "zip_code": "36067", "total_units": 24, "property_class": "B",
         "minimum_investment": "25000", "maximum_investment": "250000.50", "target_raise": "3000000.00",
         "description": "Garden-style units a short walk from the riverfront.", "amenities": ["pool", "gym"]}
        """#

    @Test func aSponsorListsAPropertyThatStartsAsAPrivateProspect() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let created = try await fixture.client.post("/v1/properties", Self.elm, token: sponsor)
            #expect(created.status == 201)
            let id = try #require(created.string("id"))
            #expect(created.headers.first(name: "Location") == "/v1/properties/\(id)")
            #expect(created.string("slug") == "the-elm-residences")
            #expect(created.string("status") == "prospect")
            #expect(created.string("visibility") == "private")
            // Amounts come back exactly, as two-decimal strings.
            #expect(created.string("minimum_investment") == "25000.00")
            #expect(created.string("maximum_investment") == "250000.50")
            #expect(created.string("amount_raised") == "0.00")
            #expect(created["amenities"] == ["pool", "gym"])
            #expect(created["in_oz"] == false)

            // A second property of the same name gets a slug of its own.
            let twin = try await fixture.client.post("/v1/properties", Self.elm, token: sponsor)
            #expect(twin.string("slug")?.hasPrefix("the-elm-residences-") == true)

            // Its sponsor reads it by id and by slug; nobody else sees a private prospect.
            #expect(try await fixture.client.get("/v1/properties/\(id)", token: sponsor).status == 200)
            #expect(try await fixture.client.get("/v1/properties/the-elm-residences", token: sponsor).string("id") == id)
            #expect(try await fixture.client.get("/v1/properties/\(id)", token: try await fixture.token(.investor)).status == 404)
            #expect(try await fixture.client.get("/v1/properties/\(id)").status == 404)
            // A prospect publishes nothing yet.
            #expect(try await fixture.events().isEmpty)
        }
    }

    @Test func onlySponsorsAndAdminsList() async throws {
        try await PropertiesFixture.run { fixture in
            let anonymous = try await fixture.client.post("/v1/properties", Self.elm)
            #expect(anonymous.status == 401)
            let investor = try await fixture.client.post("/v1/properties", Self.elm, token: try await fixture.token(.investor))
            #expect(investor.status == 403)
            #expect(investor.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(try await fixture.client.post("/v1/properties", Self.elm, token: try await fixture.token(.admin)).status == 201)
            #expect(try await fixture.sql("SELECT count(*)::text FROM properties.properties") == ["1"])
        }
    }

    @Test func invalidListingsAreRefusedFieldByFieldAndNothingIsStored() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let bad = #"""
                {"property_name": " ", "address_line1": "1 A St", "city": "X", "state": "ZZ", "zip_code": "123",
                 "total_units": 0, "occupancy_rate": 101, "year_built": 1990, "last_renovated": 1980,
                 "minimum_investment": "500000", "maximum_investment": "100000", "latitude": 32.4}
                """#
            let reply = try await fixture.client.post("/v1/properties", bad, token: sponsor)
            #expect(reply.status == 422)
            let fields = Set(reply.text.matches(of: /"field":"([a-z_0-9]+)"/).map { String($0.1) })
            #expect(
                fields == [
                    "property_name", "state", "zip_code", "total_units", "occupancy_rate", "last_renovated",
                    "minimum_investment", "longitude",
                ]
            )
            // Amounts are strings: a JSON number is refused with the field named.
            let number = try await fixture.client.post(
                "/v1/properties", Self.elm.replacingOccurrences(of: #""25000""#, with: "25000"), token: sponsor)
            #expect(number.status == 422)
            #expect(number.text.contains(#""field":"minimum_investment""#))
            let missing = try await fixture.client.post("/v1/properties", #"{"property_name": "A"}"#, token: sponsor)
            #expect(missing.status == 422)
            #expect(try await fixture.sql("SELECT count(*)::text FROM properties.properties") == ["0"])
        }
    }

    @Test func publishingChangingAndDeletingFollowTheRulesAndTellTheSuite() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsorID = UUID()
            let sponsor = try await fixture.token(.sponsor, user: sponsorID)
            let id = try #require(try await fixture.client.post("/v1/properties", Self.elm, token: sponsor).string("id"))
            func patch(_ body: String, _ token: String) async throws -> JSONClient.Reply {
                try await fixture.client.send(.PATCH, "/v1/properties/\(id)", json: body, token: token)
            }

            // prospect → sold skips the steps between.
            let leap = try await patch(#"{"status": "sold"}"#, sponsor)
            #expect(leap.status == 422)
            #expect(leap.text.contains("cannot move from prospect to sold"))
            // A rule across fields holds against the stored values too (maximum is 250000.50).
            let above = try await patch(#"{"minimum_investment": "300000"}"#, sponsor)
            #expect(above.status == 422)
            #expect(above.text.contains(#""field":"minimum_investment""#))
            #expect(try await patch(#"{"slug": "mine", "amount_raised": "1"}"#, sponsor).status == 422)
            #expect(try await patch(#"{"city": null}"#, sponsor).status == 422)

            let published = try await patch(#"{"status": "active", "visibility": "investors", "address_line2": "Suite 2"}"#, sponsor)
            #expect(published.status == 200)
            #expect(published.string("status") == "active")
            #expect(published.string("address_line2") == "Suite 2")
            // Signed-in users see it now; the public does not (it is for investors only).
            let investor = try await fixture.token(.investor)
            #expect(try await fixture.client.get("/v1/properties/\(id)", token: investor).status == 200)
            #expect(try await fixture.client.get("/v1/properties/\(id)").status == 404)
            // Another sponsor sees it but may not change it; an admin may.
            let rival = try await fixture.token(.sponsor)
            #expect(try await patch(#"{"city": "Montgomery"}"#, rival).status == 403)
            #expect(try await patch(#"{"investment_open": true}"#, investor).status == 403)
            let opened = try await patch(#"{"investment_open": true, "address_line2": null}"#, try await fixture.token(.admin))
            #expect(opened["investment_open"] == true)
            #expect(opened["address_line2"] == nil)

            #expect(try await fixture.events() == ["property.published", "property.updated", "property.offering_changed", "property.updated"])
            let payload = try await fixture.sql(
                """
                SELECT (envelope->'payload'->'changed_fields')::text || ' ' || (envelope->'payload'->'property'->>'target_raise')
                FROM properties.outbox WHERE event_type = 'property.offering_changed' AND subscriber = 'investments'
                """
            )
            #expect(payload == [#"["investment_open"] 3000000.00"#])

            let deleted = try await fixture.client.send(.DELETE, "/v1/properties/\(id)", token: sponsor)
            #expect(deleted.status == 204)
            #expect(try await fixture.client.get("/v1/properties/\(id)", token: sponsor).status == 404)
            #expect(try await fixture.client.get("/v1/properties", token: sponsor).json["data"] == [])
            #expect(try await fixture.events().last == "property.deleted")
            // Soft: the row stays for the record.
            #expect(try await fixture.sql("SELECT (deleted_at IS NOT NULL)::text FROM properties.properties") == ["true"])
        }
    }

    @Test func aPropertyTakesItsOpportunityZoneStatusFromItsTract() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            // Named by the sponsor: Autauga County tract 207 is a designated low-income community.
            let named = try await fixture.client.post(
                "/v1/properties",
                Self.elm.replacingOccurrences(of: #""total_units": 24"#, with: #""total_units": 24, "oz_tract_geoid": "01001020700""#),
                token: sponsor
            )
            #expect(named["in_oz"] == true)
            // Found from the point, once boundaries are loaded (a hand-made square around Prattville
            // standing in for TIGER/Line tract 207).
            try await fixture.sql(
                """
                INSERT INTO properties.tract_boundaries VALUES ('01001020700',
                    ST_Multi(ST_MakeEnvelope(-86.50, 32.44, -86.45, 32.48, 4326)))
                """
            )
            let located = try await fixture.client.post(
                "/v1/properties",
                Self.elm.replacingOccurrences(of: #""total_units": 24"#, with: #""total_units": 24, "latitude": 32.46447, "longitude": -86.47646"#),
                token: sponsor
            )
            #expect(located.string("oz_tract_geoid") == "01001020700")
            #expect(located["in_oz"] == true)
            // Moving it out of the tract clears the status.
            let id = try #require(located.string("id"))
            let moved = try await fixture.client.send(
                .PATCH, "/v1/properties/\(id)", json: #"{"latitude": 33.5, "longitude": -86.8}"#, token: sponsor)
            #expect(moved["in_oz"] == false)
            #expect(moved["oz_tract_geoid"] == nil)

            // The public check answers for points too.
            let inside = try await fixture.client.post("/v1/oz/check", #"{"lat": 32.46, "lng": -86.47}"#)
            #expect(inside.string("tract_geoid") == "01001020700")
            #expect(inside["designated"] == true)
            #expect(inside.string("checked_by") == "coordinates")
            let outside = try await fixture.client.post("/v1/oz/check", #"{"lat": 40.7, "lng": -74.0}"#)
            #expect(outside.status == 422)
            #expect(try await fixture.client.post("/v1/oz/check", #"{"lat": 32.46}"#).status == 422)
        }
    }

    @Test func everyAnswerIsOneTheOpenAPIDocumentDescribes() async throws {
        try await PropertiesFixture.run { fixture in
            let document = try await fixture.client.get("/openapi.json").json
            let sponsor = try await fixture.token(.sponsor)
            var exchanges: [(String, String, JSONClient.Reply)] = []
            let created = try await fixture.client.post("/v1/properties", Self.elm, token: sponsor)
            exchanges.append(("POST", "/v1/properties", created))
            exchanges.append(("POST", "/v1/properties", try await fixture.client.post("/v1/properties", "{}", token: sponsor)))
            exchanges.append(("POST", "/v1/properties", try await fixture.client.post("/v1/properties", Self.elm)))
            let id = try #require(created.string("id"))
            exchanges.append(("GET", "/v1/properties", try await fixture.client.get("/v1/properties?state=AL", token: sponsor)))
            exchanges.append(("GET", "/v1/properties", try await fixture.client.get("/v1/properties?near=x")))
            exchanges.append(("GET", "/v1/properties/{id}", try await fixture.client.get("/v1/properties/\(id)", token: sponsor)))
            exchanges.append(("GET", "/v1/properties/{id}", try await fixture.client.get("/v1/properties/nothing-here")))
            exchanges.append(
                (
                    "PATCH", "/v1/properties/{id}",
                    try await fixture.client.send(
                        .PATCH, "/v1/properties/\(id)", json: #"{"status":"active","visibility":"investors"}"#, token: sponsor)
                ))
            exchanges.append(
                (
                    "PATCH", "/v1/properties/{id}",
                    try await fixture.client.send(.PATCH, "/v1/properties/\(id)", json: #"{"status":"x"}"#, token: sponsor)
                ))
            exchanges.append(
                (
                    "DELETE", "/v1/properties/{id}",
                    try await fixture.client.send(.DELETE, "/v1/properties/\(id)", token: try await fixture.token(.investor))
                ))
            exchanges.append(("DELETE", "/v1/properties/{id}", try await fixture.client.send(.DELETE, "/v1/properties/\(id)", token: sponsor)))
            exchanges.append(("GET", "/v1/oz/developer-profile", try await fixture.client.get("/v1/oz/developer-profile", token: sponsor)))
            #expect(exchanges.map(\.2.status) == [201, 422, 401, 200, 422, 200, 404, 200, 422, 403, 204, 404])
            for (method, path, reply) in exchanges {
                let found = OpenAPIConformance.problems(
                    in: document, method: method, path: path, status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text
                )
                #expect(found.isEmpty, "\(found)")
            }
        }
    }
}
