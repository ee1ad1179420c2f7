import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import InvestmentsService

/// Every operation of the compliance fragment (`Resources/OpenAPI/compliance.json`), exercised
/// against the running service, answers as the document says — successes and refusals alike — and
/// every one is exercised.
@Suite struct ComplianceOpenAPITests {
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
                #expect(found.isEmpty, "\(method) \(path) \(reply.status): \(found)")
                return reply
            }
            let sponsor = try await fixture.token(.sponsor)
            let investor = try await fixture.token(.investor)
            let offering = try await fixture.openOffering(sponsor: sponsor)
            let fundPath = "/v1/compliance/funds/{offering_id}"
            let fund = "/v1/compliance/funds/\(offering)"
            _ = try await call(.GET, fundPath, fund, token: sponsor)
            _ = try await call(.PUT, fundPath, fund, json: #"{"entity_type": "llc"}"#, token: sponsor)
            _ = try await call(.PUT, fundPath, fund, json: ComplianceRouteTests.setup, token: investor)
            #expect(try await call(.PUT, fundPath, fund, json: ComplianceRouteTests.setup, token: sponsor).status == 200)
            _ = try await call(.GET, fundPath, fund, token: sponsor)
            _ = try await call(.GET, fundPath, fund)

            let testPath = "\(fundPath)/asset-tests/{test_date}"
            let test = "\(fund)/asset-tests/2025-12-31"
            _ = try await call(.GET, testPath, test, token: sponsor)
            _ = try await call(.PUT, testPath, test, json: #"{"qualifying_assets": 5, "total_assets": "10"}"#, token: sponsor)
            _ = try await call(
                .PUT, testPath, "\(fund)/asset-tests/2025-06-30", json: #"{"qualifying_assets": "5", "total_assets": "10"}"#, token: sponsor)
            let values =
                #"{"qualifying_assets": "7000000", "total_assets": "10000000", "cash_held": "3000000", "contributions": [{"on": "2025-08-15", "amount": "2500000"}]}"#
            #expect(try await call(.PUT, testPath, test, json: values, token: sponsor).status == 200)
            _ = try await call(.GET, testPath, test, token: sponsor)
            _ = try await call(.GET, testPath, test, token: investor)
            _ = try await call(.POST, "\(testPath)/what-if", "\(test)/what-if", json: #"{"deploy_amount": "1000000"}"#, token: sponsor)
            _ = try await call(.POST, "\(testPath)/what-if", "\(test)/what-if", json: #"{"deploy_amount": "-1"}"#, token: sponsor)

            let formPath = "\(fundPath)/form-8996/{year}"
            _ = try await call(.GET, formPath, "\(fund)/form-8996/2025", token: sponsor)
            _ = try await call(.GET, formPath, "\(fund)/form-8996/2025?format=csv", token: sponsor)
            _ = try await call(.GET, formPath, "\(fund)/form-8996/2024", token: sponsor)
            _ = try await call(.GET, formPath, "\(fund)/form-8996/2025", token: investor)

            let improvementPath = "\(fundPath)/substantial-improvement"
            let improvement = "\(fund)/substantial-improvement"
            _ = try await call(.GET, improvementPath, improvement, token: sponsor)
            _ = try await call(.PUT, improvementPath, improvement, json: #"{"acquired_on": "2025-01-15"}"#, token: sponsor)
            let basis =
                #"{"acquired_on": "2025-01-15", "purchase_price": "1000000", "land_basis": "400000", "building_basis": "600000", "schedule": [{"on": "2027-03-01", "amount": "100000"}]}"#
            #expect(try await call(.PUT, improvementPath, improvement, json: basis, token: sponsor).status == 200)
            _ = try await call(.GET, improvementPath, improvement, token: sponsor)
            _ = try await call(.GET, improvementPath, improvement, token: investor)
            let land =
                #"{"acquired_on": "2025-01-15", "purchase_price": "500000", "land_basis": "500000", "building_basis": "0", "original_use": null}"#
            #expect(try await call(.PUT, improvementPath, improvement, json: land, token: sponsor).string("status") == "not_required")

            // The QOZ business tests and plans: refused while the fund holds directly, then tested.
            let qozbPath = "\(fundPath)/qozb-tests/{as_of}"
            let qozb = "\(fund)/qozb-tests/2025-12-31"
            _ = try await call(.PUT, qozbPath, qozb, json: QOZBusinessRouteTests.figures, token: sponsor)
            let holdsQOZB = ComplianceRouteTests.setup.replacingOccurrences(of: #""holds": "direct""#, with: #""holds": "qozb""#)
            #expect(try await call(.PUT, fundPath, fund, json: holdsQOZB, token: sponsor).status == 200)
            _ = try await call(.GET, qozbPath, qozb, token: sponsor)
            #expect(try await call(.PUT, qozbPath, qozb, json: QOZBusinessRouteTests.figures, token: sponsor).status == 200)
            _ = try await call(.PUT, qozbPath, qozb, json: #"{"total_tangible": 5}"#, token: sponsor)
            _ = try await call(.GET, qozbPath, qozb, token: sponsor)
            _ = try await call(.GET, qozbPath, qozb, token: investor)
            let plansPath = "\(fundPath)/working-capital-plans"
            let plans = "\(fund)/working-capital-plans"
            let plan =
                #"{"received_on": "2025-01-15", "amount": "5000000", "written_plan": true, "written_schedule": true, "schedule_ends_on": "2027-08-15", "spent_consistently": true, "governmental_delay_days": 30, "disaster_extension_months": 6, "first_integrated_plan_received_on": "2025-01-15"}"#
            #expect(try await call(.POST, plansPath, plans, json: plan, token: sponsor).status == 201)
            _ = try await call(.POST, plansPath, plans, json: #"{"received_on": "2025-01-15"}"#, token: sponsor)
            _ = try await call(.GET, plansPath, plans, token: sponsor)
            _ = try await call(.GET, plansPath, plans, token: investor)

            // An investor's own positions and Form 8997.
            let investment = try await fixture.commit("100000", in: offering, investor: investor)
            #expect(try await fixture.post("/v1/investments/\(investment)/fund", #"{"date": "2025-03-01"}"#, token: sponsor).status == 200)
            _ = try await call(.GET, "/v1/compliance/positions", "/v1/compliance/positions", token: investor)
            _ = try await call(.GET, "/v1/compliance/positions", "/v1/compliance/positions")
            let gainPath = "/v1/compliance/positions/{investment_id}/deferred-gain"
            let gain = "/v1/compliance/positions/\(investment)/deferred-gain"
            _ = try await call(.PUT, gainPath, gain, json: #"{"gain_amount": "80000", "gain_date": "2024-12-15", "term": "long"}"#, token: investor)
            _ = try await call(.PUT, gainPath, gain, json: #"{"gain_amount": "80000", "gain_date": "2024-12-15", "term": "x"}"#, token: investor)
            _ = try await call(.PUT, gainPath, gain, json: #"{"gain_amount": "80000", "gain_date": "2024-12-15", "term": "long"}"#, token: sponsor)
            _ = try await call(.GET, "/v1/compliance/positions", "/v1/compliance/positions", token: investor)
            _ = try await call(.GET, "/v1/compliance/form-8997/{year}", "/v1/compliance/form-8997/2025", token: investor)
            _ = try await call(.GET, "/v1/compliance/form-8997/{year}", "/v1/compliance/form-8997/2025?format=csv", token: investor)
            _ = try await call(.GET, "/v1/compliance/form-8997/{year}", "/v1/compliance/form-8997/17", token: investor)

            var documented: Set<String> = []
            if case .object(let paths)? = document["paths"] {
                for (path, item) in paths where path.hasPrefix("/v1/compliance/") {
                    if case .object(let operations) = item { for method in operations.keys { documented.insert("\(method) \(path)") } }
                }
            }
            #expect(!documented.isEmpty)
            #expect(documented.subtracting(exercised).isEmpty, "not exercised: \(documented.subtracting(exercised).sorted())")
        }
    }
}
