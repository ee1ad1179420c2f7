import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import InvestmentsService

/// Every operation of the accreditation fragment (`Resources/OpenAPI/accreditation.json`), exercised
/// against the running service, answers as the document says — successes and refusals alike — and
/// every one is exercised. (InvestmentsOpenAPITests does the same for the rest of the service.)
@Suite struct AccreditationOpenAPITests {
    /// The fragment's paths, which InvestmentsOpenAPITests leaves to this suite.
    static let paths: Set = [
        "/v1/verifications/{id}", "/v1/verifications/{id}/evidence", "/v1/verifications/{id}/evidence/{file_id}",
        "/v1/verifications/{id}/verifier-request", "/v1/verifications/letters/{token}", "/v1/offerings/{id}/accreditation-policy",
        "/v1/offerings/{id}/accreditation-representations",
    ]

    @Test func theDocumentIsTrueOfTheRunningService() async throws {
        try await InvestmentsFixture.run(withAuth: true) { fixture in
            let document = try await fixture.investments.get("/openapi.json").json
            var exercised: Set<String> = []
            func call(
                _ method: HTTPMethod, _ template: String, _ path: String, json: String? = nil, type: String = "application/json", token: String? = nil
            )
                async throws -> JSONClient.Reply
            {
                let reply = try await fixture.investments.send(method, path, json: json, contentType: type, token: token)
                exercised.insert("\(method.rawValue.lowercased()) \(template)")
                let found = OpenAPIConformance.problems(
                    in: document, method: method.rawValue, path: template, status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text
                )
                #expect(found.isEmpty, "\(found)")
                return reply
            }
            let (offering, sponsor) = try await AccreditationTests.accreditedOffering(fixture)
            let (_, investor, verification) = try await AccreditationTests.applicant(fixture)
            let (_, other, _) = try await AccreditationTests.applicant(fixture, firstName: "Eve")
            let admin = try await fixture.token(.admin)
            let one = "/v1/verifications/{id}"
            let base = "/v1/verifications/\(verification)"

            _ = try await call(.GET, one, base, token: investor)
            _ = try await call(.GET, one, base, token: other)
            _ = try await call(.GET, one, base)

            let evidence = "\(one)/evidence"
            let file = try #require(
                try await call(
                    .POST, evidence, "\(base)/evidence?file_name=return.pdf", json: AccreditationTests.letter, type: "application/pdf",
                    token: investor
                )
                .string("id"))
            _ = try await call(.POST, evidence, "\(base)/evidence?file_name=x.txt", json: "plain", type: "text/plain", token: investor)
            _ = try await call(.POST, evidence, "\(base)/evidence", json: AccreditationTests.letter, type: "application/pdf", token: investor)
            _ = try await call(
                .POST, evidence, "\(base)/evidence?file_name=x.pdf", json: AccreditationTests.letter, type: "application/pdf", token: other)
            _ = try await call(.GET, evidence, "\(base)/evidence", token: investor)
            _ = try await call(.GET, evidence, "\(base)/evidence", token: other)
            _ = try await call(.GET, "\(evidence)/{file_id}", "\(base)/evidence/\(file)", token: admin)
            _ = try await call(.GET, "\(evidence)/{file_id}", "\(base)/evidence/\(file)", token: other)

            let request = "\(one)/verifier-request"
            _ = try await call(.POST, request, "\(base)/verifier-request", json: #"{"verifier_role": "friend"}"#, token: investor)
            _ = try await call(.POST, request, "\(base)/verifier-request", json: AccreditationTests.nomination, token: other)
            _ = try await call(.POST, request, "\(base)/verifier-request", json: AccreditationTests.nomination, token: investor)
            let link = try await AccreditationTests.latestLink(fixture)
            let letters = "/v1/verifications/letters/{token}"
            _ = try await call(.GET, letters, link)
            _ = try await call(.GET, letters, "/v1/verifications/letters/\(SecretToken.make())")
            _ = try await call(.POST, letters, "\(link)?letter_date=2026-11-20", json: AccreditationTests.letter, type: "application/pdf")
            _ = try await call(.POST, letters, "\(link)?letter_date=2026-11-20&file_name=l.pdf", json: "text", type: "text/plain")
            _ = try await call(
                .POST, letters, "\(link)?letter_date=2026-11-20&file_name=l.pdf", json: AccreditationTests.letter, type: "application/pdf")
            _ = try await call(
                .POST, letters, "\(link)?letter_date=2026-11-20&file_name=l.pdf", json: AccreditationTests.letter, type: "application/pdf")
            _ = try await call(.GET, letters, link)

            let policy = "/v1/offerings/{id}/accreditation-policy"
            let policyPath = "/v1/offerings/\(offering)/accreditation-policy"
            _ = try await call(.GET, policy, policyPath, token: investor)
            _ = try await call(.GET, policy, "/v1/offerings/\(UUID())/accreditation-policy", token: investor)
            _ = try await call(.PUT, policy, policyPath, json: #"{"allows_minimum_investment_path": true}"#, token: investor)
            _ = try await call(.PUT, policy, policyPath, json: #"{"allows_minimum_investment_path": 1}"#, token: sponsor)
            let representations = "/v1/offerings/{id}/accreditation-representations"
            let representationsPath = "/v1/offerings/\(offering)/accreditation-representations"
            let represent =
                #"{"investor_kind": "natural_person", "signed_name": "Grace Hopper", "is_accredited_investor": true, "not_financed_by_third_party": true}"#
            _ = try await call(.POST, representations, representationsPath, json: represent, token: investor)
            _ = try await call(.PUT, policy, policyPath, json: #"{"allows_minimum_investment_path": true}"#, token: sponsor)
            _ = try await call(.POST, representations, representationsPath, json: #"{"investor_kind": "trust"}"#, token: investor)
            _ = try await call(.POST, representations, representationsPath, json: represent, token: investor)

            var documented: Set<String> = []
            if case .object(let paths)? = document["paths"] {
                for (path, item) in paths where Self.paths.contains(path) {
                    if case .object(let operations) = item { for method in operations.keys { documented.insert("\(method) \(path)") } }
                }
            }
            #expect(documented.count == 10)
            #expect(documented.subtracting(exercised).isEmpty, "not exercised: \(documented.subtracting(exercised).sorted())")
        }
    }
}
