import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import PropertiesService

/// Who may read and change the parts of a property, over every route: a part is visible exactly
/// when its property is, and changed only by the property's sponsor or an admin (market data: by
/// admins). Every answer is also checked against the OpenAPI document.
@Suite struct PartsAccessTests {
    /// One of each part, to aim reads and writes at.
    struct Targets {
        var property, floorPlan, unit, spareUnit, comparable, valuation, project, unitRenovation, progressUpdate, marketArea: String
    }

    static func targets(_ fixture: PropertiesFixture, owner: String, admin: String, tag: String, visibility: String? = "investors") async throws
        -> Targets
    {
        let property = try await fixture.listing(owner, visibility: visibility, name: "Elm \(tag)")
        let base = "/v1/properties/\(property)"
        let floorPlan = try await fixture.createID("\(base)/floor-plans", #"{"name": "Willow"}"#, token: owner)
        let unit = try await fixture.createID("\(base)/units", #"{"unit_number": "101", "floor_plan_id": "\#(floorPlan)"}"#, token: owner)
        let spareUnit = try await fixture.createID("\(base)/units", #"{"unit_number": "102"}"#, token: owner)
        let project = try await fixture.createID("\(base)/renovations", #"{"project_name": "Roof"}"#, token: owner)
        return Targets(
            property: property, floorPlan: floorPlan, unit: unit, spareUnit: spareUnit,
            comparable: try await fixture.createID("\(base)/comparables", #"{"comp_name": "Pine Ridge"}"#, token: owner),
            valuation: try await fixture.createID("\(base)/valuations", #"{"valuation_date": "2025-03-31"}"#, token: owner),
            project: project,
            unitRenovation: try await fixture.createID("\(base)/renovations/\(project)/unit-renovations", #"{"unit_id": "\#(unit)"}"#, token: owner),
            progressUpdate: try await fixture.createID(
                "\(base)/renovations/\(project)/progress-updates", #"{"update_date": "2025-05-01"}"#, token: owner),
            marketArea: try await fixture.createID("/v1/market-areas", #"{"market_name": "Market \#(tag)"}"#, token: admin)
        )
    }

    /// A collection and how to reach its items: the documented path, the real one, and bodies that
    /// succeed for whoever may write.
    struct PartCollection: Sendable {
        var template: String
        var item: String
        var path: @Sendable (Targets) -> String
        var target: @Sendable (Targets) -> String
        var create: @Sendable (Targets) -> String
        var change: String
        /// Market data: admins only, whoever owns the property.
        var adminOnly = false
    }

    /// In an order that lets every delete succeed for the writers: a project's parts before the
    /// project (its delete takes the rest), units after their renovation, floor plans after units.
    static let collections: [PartCollection] = [
        PartCollection(
            template: "/v1/properties/{id}/renovations/{project_id}/unit-renovations", item: "{unit_renovation_id}",
            path: { "/v1/properties/\($0.property)/renovations/\($0.project)/unit-renovations" }, target: { $0.unitRenovation },
            create: { #"{"unit_id": "\#($0.spareUnit)"}"# }, change: #"{"status": "in_progress"}"#
        ),
        PartCollection(
            template: "/v1/properties/{id}/renovations/{project_id}/progress-updates", item: "{progress_update_id}",
            path: { "/v1/properties/\($0.property)/renovations/\($0.project)/progress-updates" }, target: { $0.progressUpdate },
            create: { _ in #"{"update_date": "2025-06-01", "completion_percentage": 10}"# }, change: #"{"completion_percentage": 15}"#
        ),
        PartCollection(
            template: "/v1/properties/{id}/renovations", item: "{project_id}", path: { "/v1/properties/\($0.property)/renovations" },
            target: { $0.project }, create: { _ in #"{"project_name": "Lobby"}"# }, change: #"{"status": "approved"}"#
        ),
        PartCollection(
            template: "/v1/properties/{id}/units", item: "{unit_id}", path: { "/v1/properties/\($0.property)/units" }, target: { $0.unit },
            create: { _ in #"{"unit_number": "201"}"# }, change: #"{"occupancy_status": "vacant"}"#
        ),
        PartCollection(
            template: "/v1/properties/{id}/floor-plans", item: "{floor_plan_id}", path: { "/v1/properties/\($0.property)/floor-plans" },
            target: { $0.floorPlan }, create: { _ in #"{"name": "Aspen"}"# }, change: #"{"bedrooms": 1}"#
        ),
        PartCollection(
            template: "/v1/properties/{id}/comparables", item: "{comparable_id}", path: { "/v1/properties/\($0.property)/comparables" },
            target: { $0.comparable }, create: { _ in #"{"comp_name": "Oak Court"}"# }, change: #"{"distance_miles": 1.5}"#
        ),
        PartCollection(
            template: "/v1/properties/{id}/valuations", item: "{valuation_id}", path: { "/v1/properties/\($0.property)/valuations" },
            target: { $0.valuation }, create: { _ in #"{"valuation_date": "2025-06-30"}"# }, change: #"{"valuation_amount": "9000000"}"#
        ),
        PartCollection(
            template: "/v1/market-areas", item: "{market_area_id}", path: { _ in "/v1/market-areas" }, target: { $0.marketArea },
            create: { _ in #"{"market_name": "Mobile", "state": "AL"}"# }, change: #"{"vacancy_rate": 6.5}"#, adminOnly: true
        ),
    ]

    /// One observed exchange, for the OpenAPI check.
    struct Exchange {
        var method: String
        var template: String
        var reply: JSONClient.Reply
    }

    /// POST, PATCH and DELETE on every collection as one caller; returns each route's status.
    static func writeEverywhere(
        _ fixture: PropertiesFixture, _ targets: Targets, token: String?, only: (PartCollection) -> Bool = { _ in true },
        exchanges: inout [Exchange]
    ) async throws -> [String: Int] {
        var statuses: [String: Int] = [:]
        for collection in Self.collections where only(collection) {
            let path = collection.path(targets)
            let item = "\(collection.path(targets))/\(collection.target(targets))"
            let itemTemplate = "\(collection.template)/\(collection.item)"
            let attempts: [(String, String, JSONClient.Reply)] = [
                ("POST", collection.template, try await fixture.client.send(.POST, path, json: collection.create(targets), token: token)),
                ("PATCH", itemTemplate, try await fixture.client.send(.PATCH, item, json: collection.change, token: token)),
                ("DELETE", itemTemplate, try await fixture.client.send(.DELETE, item, token: token)),
            ]
            for (method, template, reply) in attempts {
                statuses["\(method) \(template)"] = reply.status
                exchanges.append(Exchange(method: method, template: template, reply: reply))
            }
        }
        return statuses
    }

    /// Every write route with the status `propertyParts` (and market data's `marketData`) expects.
    static func expected(propertyParts: (post: Int, patch: Int, delete: Int), marketData: (post: Int, patch: Int, delete: Int)) -> [String: Int] {
        var statuses: [String: Int] = [:]
        for collection in Self.collections {
            let codes = collection.adminOnly ? marketData : propertyParts
            statuses["POST \(collection.template)"] = codes.post
            statuses["PATCH \(collection.template)/\(collection.item)"] = codes.patch
            statuses["DELETE \(collection.template)/\(collection.item)"] = codes.delete
        }
        return statuses
    }

    /// Every part row, so a refused write can be shown to have changed nothing.
    static func everything(_ fixture: PropertiesFixture) async throws -> [String] {
        try await fixture.sql(
            """
            SELECT string_agg(to_jsonb(x)::text, ',' ORDER BY x.id) FROM (
                SELECT id, to_jsonb(t) AS row FROM properties.units t UNION ALL SELECT id, to_jsonb(t) FROM properties.floor_plans t
                UNION ALL SELECT id, to_jsonb(t) FROM properties.comparable_properties t
                UNION ALL SELECT id, to_jsonb(t) FROM properties.property_valuations t
                UNION ALL SELECT id, to_jsonb(t) FROM properties.renovation_projects t
                UNION ALL SELECT id, to_jsonb(t) FROM properties.unit_renovations t
                UNION ALL SELECT id, to_jsonb(t) FROM properties.renovation_progress_updates t
                UNION ALL SELECT id, to_jsonb(t) FROM properties.market_areas t
            ) x
            """
        )
    }

    @Test func everyWriteIsForThePropertysSponsorOrAnAdmin() async throws {
        try await PropertiesFixture.run { fixture in
            let ownerID = UUID()
            let owner = try await fixture.token(.sponsor, user: ownerID)
            let admin = try await fixture.token(.admin)
            let investor = try await fixture.token(.investor)
            let rival = try await fixture.token(.sponsor)
            var exchanges: [Exchange] = []

            // Refused callers change nothing, whether they see the property or not.
            let shown = try await Self.targets(fixture, owner: owner, admin: admin, tag: "shown")
            let hidden = try await Self.targets(fixture, owner: owner, admin: admin, tag: "hidden", visibility: nil)
            let before = try await Self.everything(fixture)
            let refusals: [(String, String?, Targets, [String: Int], (PartCollection) -> Bool)] = [
                ("anonymous", nil, shown, Self.expected(propertyParts: (401, 401, 401), marketData: (401, 401, 401)), { _ in true }),
                ("investor", investor, shown, Self.expected(propertyParts: (403, 403, 403), marketData: (403, 403, 403)), { _ in true }),
                ("other sponsor", rival, shown, Self.expected(propertyParts: (403, 403, 403), marketData: (403, 403, 403)), { _ in true }),
                // A private prospect is not theirs to know of: 404, as for a property that is not there.
                (
                    "investor, private property", investor, hidden, Self.expected(propertyParts: (404, 404, 404), marketData: (403, 403, 403)),
                    { !$0.adminOnly }
                ),
                (
                    "other sponsor, private property", rival, hidden, Self.expected(propertyParts: (404, 404, 404), marketData: (403, 403, 403)),
                    { !$0.adminOnly }
                ),
            ]
            for (caller, token, targets, expected, only) in refusals {
                let statuses = try await Self.writeEverywhere(fixture, targets, token: token, only: only, exchanges: &exchanges)
                #expect(statuses == expected.filter { key, _ in statuses[key] != nil }, "\(caller)")
                #expect(statuses.count == (caller.contains("private") ? 21 : 24), "\(caller)")
            }
            #expect(try await Self.everything(fixture) == before)

            // The owning sponsor writes their property's parts, not market data; an admin writes all.
            let writers: [(String, String, [String: Int])] = [
                ("owning sponsor", owner, Self.expected(propertyParts: (201, 200, 204), marketData: (403, 403, 403))),
                ("admin", admin, Self.expected(propertyParts: (201, 200, 204), marketData: (201, 200, 204))),
            ]
            for (caller, token, expected) in writers {
                let targets = try await Self.targets(fixture, owner: owner, admin: admin, tag: caller)
                let statuses = try await Self.writeEverywhere(fixture, targets, token: token, exchanges: &exchanges)
                #expect(statuses == expected, "\(caller)")
            }

            let document = try await fixture.client.get("/openapi.json").json
            for exchange in exchanges {
                let found = OpenAPIConformance.problems(
                    in: document, method: exchange.method, path: exchange.template, status: exchange.reply.status,
                    contentType: exchange.reply.headers.first(name: "Content-Type") ?? "", body: exchange.reply.text
                )
                #expect(found.isEmpty, "\(found)")
            }
        }
    }

    @Test func partsAreSeenExactlyByThoseWhoSeeTheProperty() async throws {
        try await PropertiesFixture.run { fixture in
            let owner = try await fixture.token(.sponsor)
            let admin = try await fixture.token(.admin)
            let investor = try await fixture.token(.investor)
            let rival = try await fixture.token(.sponsor)
            let everyone = try await Self.targets(fixture, owner: owner, admin: admin, tag: "public", visibility: "public")
            let members = try await Self.targets(fixture, owner: owner, admin: admin, tag: "investors")
            let hidden = try await Self.targets(fixture, owner: owner, admin: admin, tag: "private", visibility: nil)
            let document = try await fixture.client.get("/openapi.json").json

            let cases: [(String, Targets, [(String, String?, Int)])] = [
                ("public", everyone, [("anonymous", nil, 200), ("investor", investor, 200), ("other sponsor", rival, 200)]),
                ("investors", members, [("anonymous", nil, 404), ("investor", investor, 200), ("other sponsor", rival, 200)]),
                (
                    "private", hidden,
                    [
                        ("anonymous", nil, 404), ("investor", investor, 404), ("other sponsor", rival, 404), ("owner", owner, 200),
                        ("admin", admin, 200),
                    ]
                ),
            ]
            for (visibility, targets, callers) in cases {
                for (caller, token, status) in callers {
                    for collection in Self.collections where !collection.adminOnly {
                        let list = try await fixture.client.get(collection.path(targets), token: token)
                        let item = try await fixture.client.get("\(collection.path(targets))/\(collection.target(targets))", token: token)
                        #expect(
                            list.status == status && item.status == status,
                            "\(caller) reading \(collection.template) of a \(visibility) property: \(list.status) \(item.status)")
                        if status == 200 { #expect(list.column("id").contains(collection.target(targets))) }
                        for (template, reply) in [(collection.template, list), ("\(collection.template)/\(collection.item)", item)] {
                            let found = OpenAPIConformance.problems(
                                in: document, method: "GET", path: template, status: reply.status,
                                contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text
                            )
                            #expect(found.isEmpty, "\(found)")
                        }
                    }
                }
            }
            // Market data is for signed-in users, whoever they are.
            let areas = "/v1/market-areas/\(everyone.marketArea)"
            #expect(try await fixture.client.get(areas).status == 401)
            for token in [investor, rival, owner, admin] { #expect(try await fixture.client.get(areas, token: token).status == 200) }
            #expect(try await fixture.client.get("/v1/market-areas", token: investor).column("market_name").count == 3)
        }
    }
}
