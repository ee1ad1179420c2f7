import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import InvestmentsService

/// Every documented operation of investments, exercised against the running service, answers as
/// its OpenAPI document says — successes and refusals alike — and every operation is exercised.
@Suite struct InvestmentsOpenAPITests {
    @Test func theDocumentIsTrueOfTheRunningService() async throws {
        try await InvestmentsFixture.run(withAuth: true) { fixture in
            let document = try await fixture.investments.get("/openapi.json").json
            var exercised: Set<String> = []
            func call(_ method: HTTPMethod, _ template: String, _ path: String? = nil, json: String? = nil, token: String? = nil, key: Bool = false)
                async throws -> JSONClient.Reply
            {
                let headers = key ? [("Idempotency-Key", UUID().uuidString)] : []
                let reply = try await fixture.investments.send(method, path ?? template, json: json, token: token, headers: headers)
                exercised.insert("\(method.rawValue.lowercased()) \(template)")
                let found = OpenAPIConformance.problems(
                    in: document, method: method.rawValue, path: template, status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text
                )
                #expect(found.isEmpty, "\(found)")
                return reply
            }
            let sponsor = try await fixture.token(.sponsor)
            let admin = try await fixture.token(.admin)
            let investorID = UUID()
            let investor = try await fixture.token(.investor, user: investorID)
            let property = try await fixture.listProperty(sponsor: sponsor)

            _ = try await call(.POST, "/v1/offerings", json: #"{"property_id": "\#(property)", "target_raise": "1"}"#, token: sponsor)
            let offering = try #require(
                try await call(.POST, "/v1/offerings", json: #"{"property_id": "\#(property)", "requires_accreditation": false}"#, token: sponsor)
                    .string("id")
            )
            _ = try await call(.GET, "/v1/offerings", token: investor)
            _ = try await call(.GET, "/v1/offerings/{id}", "/v1/offerings/\(offering)", token: investor)
            _ = try await call(.GET, "/v1/offerings/{id}", "/v1/offerings/\(UUID())", token: investor)
            _ = try await call(.PATCH, "/v1/offerings/{id}", "/v1/offerings/\(offering)", json: #"{"close_date": "2027-06-30"}"#, token: sponsor)
            _ = try await call(.PATCH, "/v1/offerings/{id}", "/v1/offerings/\(offering)", json: #"{"close_date": "2027-06-30"}"#, token: investor)
            _ = try await call(
                .POST, "/v1/offerings/{id}/investments", "/v1/offerings/\(offering)/investments", json: #"{"amount": "1"}"#, token: investor,
                key: true)
            let investment = try #require(
                try await call(
                    .POST, "/v1/offerings/{id}/investments", "/v1/offerings/\(offering)/investments", json: #"{"amount": "30000"}"#, token: investor,
                    key: true
                )
                .string("id")
            )
            _ = try await call(.GET, "/v1/offerings/{id}/investments", "/v1/offerings/\(offering)/investments", token: sponsor)
            _ = try await call(.GET, "/v1/investments", token: investor)
            _ = try await call(.GET, "/v1/investments/{id}", "/v1/investments/\(investment)", token: investor)
            _ = try await call(.POST, "/v1/investments/{id}/fund", "/v1/investments/\(investment)/fund", token: sponsor, key: true)
            _ = try await call(.POST, "/v1/investments/{id}/commit", "/v1/investments/\(investment)/commit", token: investor, key: true)
            _ = try await call(
                .POST, "/v1/investments/{id}/fund", "/v1/investments/\(investment)/fund", json: #"{"date": "2025-11-24"}"#, token: sponsor, key: true)
            _ = try await call(.POST, "/v1/investments/{id}/cancel", "/v1/investments/\(investment)/cancel", token: investor, key: true)
            let distribution = try #require(
                try await call(
                    .POST, "/v1/distributions",
                    json:
                        #"{"offering_id": "\#(offering)", "distribution_type": "quarterly", "distribution_date": "2026-11-01", "total_amount": "900.00", "calculation_method": "pro_rata"}"#,
                    token: sponsor, key: true
                ).string("id")
            )
            _ = try await call(.GET, "/v1/distributions", token: investor)
            _ = try await call(.GET, "/v1/distributions/{id}", "/v1/distributions/\(distribution)", token: investor)
            _ = try await call(.POST, "/v1/distributions/{id}/complete", "/v1/distributions/\(distribution)/complete", token: sponsor, key: true)
            _ = try await call(
                .POST, "/v1/investments/{id}/exit", "/v1/investments/\(investment)/exit", json: #"{"proceeds": "31000.00"}"#, token: sponsor,
                key: true)
            _ = try await call(.GET, "/v1/portfolio", token: investor)

            // Issue 22: the offering's debt, and K-1s for the investor who held a position.
            _ = try await call(.GET, "/v1/offerings/{id}/property-debt", "/v1/offerings/\(offering)/property-debt", token: sponsor)
            _ = try await call(.GET, "/v1/offerings/{id}/property-debt", "/v1/offerings/\(offering)/property-debt", token: investor)
            _ = try await call(
                .PUT, "/v1/offerings/{id}/property-debt", "/v1/offerings/\(offering)/property-debt", json: #"{"property_debt": "250000.00"}"#,
                token: sponsor)
            _ = try await call(
                .PUT, "/v1/offerings/{id}/property-debt", "/v1/offerings/\(offering)/property-debt", json: #"{"property_debt": "-1"}"#,
                token: sponsor)
            func upload(_ template: String, _ path: String, _ body: [UInt8], type: String, token: String) async throws -> JSONClient.Reply {
                let reply = try await fixture.investments.send(.POST, path, body: body, contentType: type, token: token)
                exercised.insert("post \(template)")
                let found = OpenAPIConformance.problems(
                    in: document, method: "POST", path: template, status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text
                )
                #expect(found.isEmpty, "\(found)")
                return reply
            }
            let pdf = Array("%PDF-1.7\n% K-1\n%%EOF\n".utf8)
            let k1 = try #require(
                try await upload(
                    "/v1/offerings/{id}/k1s", "/v1/offerings/\(offering)/k1s?tax_year=2025&investor_id=\(investorID)", pdf,
                    type: "application/pdf", token: sponsor
                ).string("id"))
            _ = try await upload(
                "/v1/offerings/{id}/k1s", "/v1/offerings/\(offering)/k1s?tax_year=2025&investor_id=\(investorID)", Array("no".utf8),
                type: "application/pdf", token: sponsor)
            let archive = try ZipFixture.make([.init("K1-\(investorID).pdf", pdf), .init("K1-\(UUID()).pdf", pdf)])
            _ = try await upload(
                "/v1/offerings/{id}/k1s/bulk", "/v1/offerings/\(offering)/k1s/bulk?tax_year=2025", archive, type: "application/zip",
                token: sponsor)
            _ = try await upload(
                "/v1/offerings/{id}/k1s/bulk", "/v1/offerings/\(offering)/k1s/bulk?tax_year=2025", pdf, type: "application/zip", token: sponsor)
            _ = try await call(.GET, "/v1/offerings/{id}/k1s", "/v1/offerings/\(offering)/k1s?tax_year=2025", token: sponsor)
            _ = try await call(.GET, "/v1/offerings/{id}/k1s", "/v1/offerings/\(offering)/k1s", token: investor)
            _ = try await call(.GET, "/v1/k1s", token: investor)
            _ = try await call(.GET, "/v1/k1s", "/v1/k1s?tax_year=1999", token: investor)
            _ = try await call(.GET, "/v1/k1s/{k1_id}", "/v1/k1s/\(k1)", token: investor)
            _ = try await call(.GET, "/v1/k1s/{k1_id}", "/v1/k1s/\(k1)", token: admin)
            _ = try await call(.GET, "/v1/k1s/{k1_id}/file", "/v1/k1s/\(k1)/file", token: investor)
            _ = try await call(.GET, "/v1/k1s/{k1_id}/file", "/v1/k1s/\(UUID())/file", token: investor)
            let october = #""type": "monthly", "period_start": "2026-10-01", "period_end": "2026-10-31""#
            _ = try await call(.POST, "/v1/statements", json: #"{"investor_id": "\#(investorID)", \#(october)}"#, token: investor)
            _ = try await call(
                .POST, "/v1/statements",
                json: #"{"investor_id": "\#(investorID)", "type": "monthly", "period_start": "2026-10-02", "period_end": "2026-10-31"}"#, token: admin
            )
            let statement = try #require(
                try await call(.POST, "/v1/statements", json: #"{"investor_id": "\#(investorID)", \#(october)}"#, token: admin).string("id")
            )
            _ = try await call(.POST, "/v1/statements/runs", json: #"{\#(october)}"#, token: admin)
            _ = try await call(.GET, "/v1/statements", "/v1/statements?status=draft", token: admin)
            _ = try await call(.GET, "/v1/statements/{id}", "/v1/statements/\(statement)", token: admin)
            _ = try await call(.GET, "/v1/statements/{id}/document", "/v1/statements/\(statement)/document", token: admin)
            _ = try await call(.POST, "/v1/statements/{id}/send", "/v1/statements/\(statement)/send", token: admin)
            _ = try await call(.POST, "/v1/statements/{id}/finalize", "/v1/statements/\(statement)/finalize", token: admin)
            _ = try await call(.GET, "/v1/statements/{id}/document", "/v1/statements/\(statement)/document", token: investor)
            _ = try await call(.GET, "/v1/statements/{id}", "/v1/statements/\(UUID())", token: investor)
            _ = try await call(.POST, "/v1/statements/{id}/send", "/v1/statements/\(statement)/send", token: admin)
            _ = try await call(.GET, "/v1/portfolio")
            _ = try await call(.GET, "/v1/investor-profile", token: investor)
            _ = try await call(.PUT, "/v1/investor-profile", json: #"{"cap_gain_or_not": true}"#, token: investor)
            _ = try await call(.PUT, "/v1/investor-profile", json: #"{"tax_bracket": 3}"#, token: investor)
            let verification = try #require(
                try await call(.POST, "/v1/investor-profile/verifications", json: #"{"type": "accredited"}"#, token: investor).string("id")
            )
            _ = try await call(.GET, "/v1/investor-profile/verifications", token: investor)
            _ = try await call(.GET, "/v1/verifications", token: investor)
            _ = try await call(.GET, "/v1/verifications", "/v1/verifications?status=pending", token: admin)
            _ = try await call(
                .POST, "/v1/verifications/{id}/review", "/v1/verifications/\(verification)/review", json: #"{"decision": "approve"}"#, token: admin)
            _ = try await call(
                .POST, "/v1/tax/oz-estimate",
                json:
                    #"{"gain_amount": "100000", "gain_date": "2027-01-10", "investment_date": "2027-03-01", "investment_amount": "100000", "tax_rate": 0.2, "fund_type": "rural"}"#
            )
            _ = try await call(.POST, "/v1/tax/oz-estimate", json: #"{"gain_amount": 5}"#)
            _ = try await call(
                .POST, "/v1/oz/tax-estimate",
                json:
                    #"{"gain_amount": "1000000", "gain_date": "2019-01-02", "investment_date": "2019-06-30", "investment_amount": "1000000", "tax_rate": 0.238, "fund_type": "standard"}"#
            )

            // Every documented operation was exercised (internal and kit routes have tests of their own).
            var documented: Set<String> = []
            if case .object(let paths)? = document["paths"] {
                // Financials are exercised by FinancialsOpenAPITests, compliance by ComplianceOpenAPITests,
                // offering documents by OfferingDocumentsTests, accreditation by AccreditationOpenAPITests.
                for (path, item) in paths
                where path.hasPrefix("/v1/") && !path.hasPrefix("/v1/financials/") && !path.hasPrefix("/v1/compliance/")
                    && !path.hasPrefix("/v1/offerings/{id}/documents") && !AccreditationOpenAPITests.paths.contains(path)
                {
                    if case .object(let operations) = item { for method in operations.keys { documented.insert("\(method) \(path)") } }
                }
            }
            #expect(documented.subtracting(exercised).isEmpty, "not exercised: \(documented.subtracting(exercised).sorted())")
        }
    }

    /// Issue 11 #18: the document must not invite what the server refuses. A new offering names its
    /// property; request amounts are 0 or more (a rent-roll balance, in credit, is the one signed
    /// amount a client sends), and the server refuses the negative ones the old pattern allowed.
    @Test func requestSchemasSayWhatTheServerRequires() async throws {
        try await InvestmentsFixture.run { fixture in
            let document = try await fixture.investments.get("/openapi.json").json
            let create = try #require(document["paths"]?["/v1/offerings"]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"])
            #expect(OpenAPIConformance.schemaProblems(.object([:]), against: create, in: document).contains { $0.contains("property_id") })
            let sponsor = try await fixture.token(.sponsor)
            let missing = try await fixture.investments.post("/v1/offerings", #"{"target_raise": "1000.00"}"#, token: sponsor)
            #expect(missing.status == 422)

            var signed: [String] = []
            func walk(_ schema: JSONValue, at path: String) {
                let schema = OpenAPIConformance.resolveSchema(schema, in: document)
                if case .array(let parts)? = schema["allOf"] { for part in parts { walk(part, at: path) } }
                guard case .object(let properties)? = schema["properties"] else { return }
                for (name, property) in properties {
                    if case .string(let pattern)? = property["pattern"], pattern.hasPrefix("^-?") { signed.append("\(path).\(name)") }
                    walk(property, at: "\(path).\(name)")
                }
            }
            var paths: [String: JSONValue] = [:]
            if case .object(let documented)? = document["paths"] { paths = documented }
            for (path, item) in paths {
                guard case .object(let operations) = item else { continue }
                for (method, operation) in operations {
                    if let schema = operation["requestBody"]?["content"]?["application/json"]?["schema"] { walk(schema, at: "\(method) \(path)") }
                }
            }
            #expect(signed.allSatisfy { $0.hasSuffix(".current_balance") }, "\(signed.sorted())")
            #expect(!signed.isEmpty)
            let property = try await fixture.listProperty(sponsor: sponsor)
            let negative = try await fixture.investments.post(
                "/v1/offerings", #"{"property_id": "\#(property)", "target_raise": "-5.00"}"#, token: sponsor)
            #expect(negative.status == 422)
        }
    }
}
