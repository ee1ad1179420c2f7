import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import PropertiesService

/// Market data: market areas (no property; admins keep them), a listing's valuations and its
/// comparable properties.
@Suite struct MarketTests {
    static let montgomery = #"""
        {"market_name": "Montgomery", "state": "AL", "metro_area": "Montgomery MSA", "population": 386047,
         "population_growth_rate": -0.4, "median_household_income": "55000", "unemployment_rate": 2.9,
         "median_home_price": "185000.00", "median_rent": "1050", "vacancy_rate": 8.25, "data_date": "2025-01-01",
         "data_source": "census_acs"}
        """#

    @Test func marketAreasAreReadBySignedInUsersAndKeptByAdmins() async throws {
        try await PropertiesFixture.run { fixture in
            let admin = try await fixture.token(.admin)
            let investor = try await fixture.token(.investor)
            let anonymous = try await fixture.client.get("/v1/market-areas")
            #expect(anonymous.status == 401)
            #expect(anonymous.headers.first(name: "WWW-Authenticate") == #"Bearer error="invalid_request""#)
            #expect(try await fixture.client.post("/v1/market-areas", Self.montgomery, token: investor).status == 403)
            #expect(try await fixture.client.post("/v1/market-areas", Self.montgomery, token: try await fixture.token(.sponsor)).status == 403)

            let created = try await fixture.create("/v1/market-areas", Self.montgomery, token: admin)
            let id = try #require(created.string("id"))
            #expect(created.headers.first(name: "Location") == "/v1/market-areas/\(id)")
            created.expectBody(
                [
                    "market_name": "Montgomery", "state": "AL", "metro_area": "Montgomery MSA", "population": 386047,
                    "population_growth_rate": -0.4, "median_household_income": "55000.00", "unemployment_rate": 2.9,
                    "median_home_price": "185000.00", "median_rent": "1050.00", "vacancy_rate": 8.25, "data_date": "2025-01-01",
                    "data_source": "census_acs",
                ], parents: []
            )
            // One live area per name and state.
            let twin = try await fixture.client.post("/v1/market-areas", #"{"market_name": "montgomery", "state": "AL"}"#, token: admin)
            #expect(twin.status == 409)
            #expect(twin.string("detail") == "A market area with this market_name and state already exists.")
            try await fixture.create("/v1/market-areas", #"{"market_name": "Montgomery", "state": "NY"}"#, token: admin)
            try await fixture.create("/v1/market-areas", #"{"market_name": "Birmingham", "state": "AL"}"#, token: admin)

            let all = try await fixture.client.get("/v1/market-areas", token: investor)
            #expect(all.column("market_name") == ["Birmingham", "Montgomery", "Montgomery"])
            #expect(all.column("state") == ["AL", "AL", "NY"])
            #expect(try await fixture.client.get("/v1/market-areas?state=NY", token: investor).column("state") == ["NY"])
            #expect(try await fixture.client.get("/v1/market-areas/\(id)", token: investor).json == created.json)

            let invalid = try await fixture.client.post(
                "/v1/market-areas", #"{"market_name": "Mobile", "state": "ZZ", "vacancy_rate": 101, "median_rent": "-1", "population": -5}"#,
                token: admin
            )
            #expect(invalid.invalidFields == ["state", "population", "median_rent", "vacancy_rate"])
            #expect(try await fixture.rows("market_areas") == "3/0")

            #expect(try await fixture.patch("/v1/market-areas/\(id)", #"{"vacancy_rate": 7.5}"#, token: investor).status == 403)
            let changed = try await fixture.patch("/v1/market-areas/\(id)", #"{"vacancy_rate": 7.5, "metro_area": null}"#, token: admin)
            #expect(changed.status == 200)
            #expect(changed["vacancy_rate"] == 7.5)
            #expect(changed["metro_area"] == nil)
            #expect(try await fixture.delete("/v1/market-areas/\(id)", token: admin).status == 204)
            #expect(try await fixture.client.get("/v1/market-areas/\(id)", token: admin).status == 404)
            // Its name is free again.
            try await fixture.create("/v1/market-areas", #"{"market_name": "Montgomery", "state": "AL"}"#, token: admin)
        }
    }

    @Test func aListingsValuationsComeNewestFirst() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try await fixture.listing(sponsor)
            let path = "/v1/properties/\(property)/valuations"
            let appraisal = try await fixture.create(
                path,
                #"""
                {"valuation_date": "2025-03-31", "valuation_type": "appraisal", "valuation_amount": "9850000",
                 "valuation_method": "income", "cap_rate_used": 6.25, "noi_used": "615625.50",
                 "comparable_sales": [{"name": "Pine Ridge", "price": "8900000.00"}], "appraiser_name": "R. Hale",
                 "appraiser_license": "AL-G01234", "report_url": "https://reports.example.com/elm-2025.pdf"}
                """#,
                token: sponsor
            )
            appraisal.expectBody(
                [
                    "valuation_date": "2025-03-31", "valuation_type": "appraisal", "valuation_amount": "9850000.00",
                    "valuation_method": "income", "cap_rate_used": 6.25, "noi_used": "615625.50",
                    "comparable_sales": [["name": "Pine Ridge", "price": "8900000.00"]], "appraiser_name": "R. Hale",
                    "appraiser_license": "AL-G01234", "report_url": "https://reports.example.com/elm-2025.pdf",
                ]
            )
            try await fixture.create(
                path, #"{"valuation_date": "2024-12-31", "valuation_type": "internal", "valuation_amount": "9400000"}"#, token: sponsor)
            try await fixture.create(path, #"{"valuation_date": "2025-06-30", "valuation_type": "automated"}"#, token: sponsor)
            #expect(try await fixture.client.get(path, token: sponsor).column("valuation_date") == ["2025-06-30", "2025-03-31", "2024-12-31"])
            #expect(try await fixture.client.get(path + "?valuation_type=internal", token: sponsor).column("valuation_date") == ["2024-12-31"])

            let bad = try await fixture.client.post(
                path,
                #"{"valuation_date": "31/03/2025", "valuation_type": "guess", "valuation_amount": "-1", "cap_rate_used": 6.255, "comparable_sales": {}, "report_url": "reports/elm.pdf"}"#,
                token: sponsor
            )
            #expect(bad.invalidFields == ["valuation_date", "valuation_type", "valuation_amount", "cap_rate_used", "comparable_sales", "report_url"])
            #expect(try await fixture.client.post(path, #"{"valuation_type": "bpo"}"#, token: sponsor).invalidFields == ["valuation_date"])
            #expect(try await fixture.rows("property_valuations") == "3/0")
        }
    }

    @Test func aListingsComparablesComeNearestFirst() async throws {
        try await PropertiesFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try await fixture.listing(sponsor)
            let path = "/v1/properties/\(property)/comparables"
            let pine = try await fixture.create(
                path,
                #"""
                {"comp_name": "Pine Ridge", "comp_address": "40 Pine Rd, Prattville, AL 36067", "distance_miles": 12.25,
                 "total_units": 96, "year_built": 1985, "property_class": "B", "occupancy_rate": 94.5, "average_rent": "1180",
                 "rent_per_sqft": 1.2345, "data_source": "costar", "last_updated": "2025-04-01"}
                """#,
                token: sponsor
            )
            pine.expectBody(
                [
                    "comp_name": "Pine Ridge", "comp_address": "40 Pine Rd, Prattville, AL 36067", "distance_miles": 12.25,
                    "total_units": 96, "year_built": 1985, "property_class": "B", "occupancy_rate": 94.5, "average_rent": "1180.00",
                    "rent_per_sqft": 1.2345, "data_source": "costar", "last_updated": "2025-04-01",
                ]
            )
            try await fixture.create(path, #"{"comp_name": "Unknown distance"}"#, token: sponsor)
            try await fixture.create(path, #"{"comp_name": "Next door", "distance_miles": 0.5}"#, token: sponsor)
            try await fixture.create(path, #"{"comp_name": "Across town", "distance_miles": 3}"#, token: sponsor)
            #expect(
                try await fixture.client.get(path, token: sponsor).column("comp_name") == [
                    "Next door", "Across town", "Pine Ridge", "Unknown distance",
                ]
            )

            let bad = try await fixture.client.post(
                path,
                #"{"comp_name": "X", "distance_miles": -1, "total_units": 0, "year_built": 1600, "property_class": "E", "occupancy_rate": 100.5, "rent_per_sqft": 1.23456, "data_source": "guess"}"#,
                token: sponsor
            )
            #expect(
                bad.invalidFields == [
                    "distance_miles", "total_units", "year_built", "property_class", "occupancy_rate", "rent_per_sqft", "data_source",
                ]
            )
            #expect(try await fixture.rows("comparable_properties") == "4/0")
        }
    }
}
