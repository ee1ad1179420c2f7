import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import InvestmentsService

/// Every operation of the financials fragment (`Resources/OpenAPI/financials.json`), exercised
/// against the running service, answers as the document says — successes and refusals alike — and
/// every one is exercised. (InvestmentsOpenAPITests does the same for the rest of the service.)
@Suite struct FinancialsOpenAPITests {
    @Test func theDocumentIsTrueOfTheRunningService() async throws {
        try await InvestmentsFixture.run { fixture in
            let document = try await fixture.investments.get("/openapi.json").json
            var exercised: Set<String> = []
            func call(_ method: HTTPMethod, _ template: String, _ path: String, json: String? = nil, token: String? = nil) async throws
                -> JSONClient.Reply
            {
                let reply = try await fixture.investments.send(method, path, json: json, token: token)
                exercised.insert("\(method.rawValue.lowercased()) \(template)")
                let found = OpenAPIConformance.problems(
                    in: document, method: method.rawValue, path: template, status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text
                )
                #expect(found.isEmpty, "\(found)")
                return reply
            }
            let holding = try await FinancialsTests.holding(fixture)
            let admin = try await fixture.token(.admin)
            let prefix = "/v1/financials/properties/{property_id}"
            let bodies = [
                "income": (FinancialsTests.income, #"{"late_fees": "750.00"}"#, #"{"period_start": "2025-01-01"}"#),
                "expenses": (FinancialsTests.expenses, #"{"utilities": "31000"}"#, #"{"utilities": 5}"#),
                "performance": (FinancialsTests.performance, #"{"rent_collected": "900000"}"#, #"{"units_occupied": 99}"#),
                "rent-roll": (FinancialsTests.rentRow, #"{"tenant_name": null}"#, #"{"unit_number": ""}"#),
            ]
            for (kind, (create, change, bad)) in bodies.sorted(by: { $0.key < $1.key }) {
                let collection = "\(prefix)/\(kind)"
                let item = "\(collection)/{id}"
                let path = "\(holding.base)/\(kind)"
                _ = try await call(.POST, collection, path, json: bad, token: holding.sponsor)
                _ = try await call(.POST, collection, path, json: create, token: holding.investor)
                let created = try await call(.POST, collection, path, json: create, token: holding.sponsor)
                #expect(created.status == 201, "\(kind): \(created.text)")
                let id = try #require(created.string("id"))
                _ = try await call(.POST, collection, path, json: create, token: admin)
                _ = try await call(.GET, collection, path, token: holding.investor)
                _ = try await call(.GET, collection, path, token: holding.sponsor)
                _ = try await call(.GET, collection, "\(path)?limit=0", token: holding.sponsor)
                _ = try await call(.GET, collection, path)
                _ = try await call(.GET, item, "\(path)/\(id)", token: holding.investor)
                _ = try await call(.GET, item, "\(path)/\(id)", token: admin)
                _ = try await call(.GET, item, "\(path)/\(UUID())", token: admin)
                _ = try await call(.PATCH, item, "\(path)/\(id)", json: change, token: holding.sponsor)
                _ = try await call(.PATCH, item, "\(path)/\(id)", json: bad, token: holding.sponsor)
                _ = try await call(.PATCH, item, "\(path)/\(id)", json: change, token: try await fixture.token(.sponsor))
                _ = try await call(.DELETE, item, "\(path)/\(id)", token: holding.investor)
                #expect(try await call(.DELETE, item, "\(path)/\(id)", token: holding.sponsor).status == 204)
                _ = try await call(.DELETE, item, "\(path)/\(id)", token: admin)
            }

            var documented: Set<String> = []
            if case .object(let paths)? = document["paths"] {
                for (path, item) in paths where path.hasPrefix("/v1/financials/") {
                    if case .object(let operations) = item { for method in operations.keys { documented.insert("\(method) \(path)") } }
                }
            }
            #expect(documented.count == 20)
            #expect(documented.subtracting(exercised).isEmpty, "not exercised: \(documented.subtracting(exercised).sorted())")
            #expect(exercised.subtracting(documented).isEmpty, "not documented: \(exercised.subtracting(documented).sorted())")
        }
    }
}
