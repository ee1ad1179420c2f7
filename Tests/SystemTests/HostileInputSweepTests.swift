import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// Issue 11's acceptance: every operation each service documents, sent a NUL in every string, the
/// wrong type and out-of-range numbers for every field, a key given twice and ids that are not
/// UUIDs, by a signed-in admin against the real processes. Each answer is a 4xx problem+json (or a
/// success the input deserved), never a 5xx, and every service still answers afterwards.
@Suite(.serialized) struct HostileInputSweepTests {
    struct Answer {
        var status: Int
        var contentType: String?
        var text: String
    }

    static func send(_ method: String, _ url: String, body: String?, token: String) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        // Money-moving and mail-sending POSTs need one; a fresh key per request never replays.
        request.headers.add(name: "Idempotency-Key", value: UUID().uuidString)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 8 << 20))
        return Answer(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"), text: text)
    }

    @Test func everyDocumentedOperationAnswersHostileInputWithA4xx() async throws {
        let services: [ServiceName] = [.auth, .properties, .investments, .communications, .analytics]
        // One replica of each: the sweep judges each route's answers, which replicas do not change,
        // and fifteen processes would cost CI more than the sweep itself.
        try await RunningSuite.with(services, replicas: 1) { suite in
            let tag = UUID().uuidString.prefix(6).lowercased()
            let account = try await InvestorMailJourneyTests.verifiedAccount(suite, email: "sweep.\(tag)@example.com", firstName: "Sweep")
            try await suite.sql("UPDATE auth.users SET account_role = 'admin' WHERE email = 'sweep.\(tag)@example.com'")
            let admin = try #require(try await SystemClient.signIn(suite, account.email, account.password).string("access_token"))

            // Real rows, so requests get past "no such row" to the checks behind it.
            let property = try await SystemClient.send(
                .POST, "\(suite.properties)/v1/properties",
                """
                {"property_name": "Sweep Flats", "property_type": "multi_family", "address_line1": "1 Sweep Rd",
                 "city": "Prattville", "state": "AL", "zip_code": "36067", "total_units": 12, "status": "active",
                 "visibility": "public", "investment_open": true, "minimum_investment": "25000", "target_raise": "1000000"}
                """,
                token: admin
            )
            try #require(property.status == 201, "\(property.text)")
            let propertyID = try #require(property.string("id"))
            let offering = try await SystemClient.send(
                .POST, "\(suite.investments)/v1/offerings", #"{"property_id": "\#(propertyID)", "requires_accreditation": false}"#, token: admin
            )
            let offeringID = offering.string("id")

            var failures: [String] = []
            var sent = 0
            for service in services {
                let base = suite.urls[service] ?? ""
                let document = try JSONDecoder().decode(
                    JSONValue.self, from: Data(try await SystemClient.send(.GET, "\(base)/openapi.json").text.utf8))
                let requests = HostileRequests(document: document) { template, parameter in
                    if parameter == "property_id" || (template.hasPrefix("/v1/properties/{id}") && parameter == "id") { return propertyID }
                    if parameter == "offering_id" || (template.hasPrefix("/v1/offerings/{id}") && parameter == "id") { return offeringID }
                    return nil
                }.all()
                for request in requests {
                    let answer = try await Self.send(request.method, base + request.path, body: request.body, token: admin)
                    sent += 1
                    if answer.status >= 500 {
                        failures.append("\(service): \(answer.status) for \(request)")
                    } else if answer.status >= 400, answer.contentType != "application/problem+json" {
                        failures.append("\(service): \(answer.status) as \(answer.contentType ?? "nothing") for \(request)")
                    }
                }
                let live = try await SystemClient.send(.GET, "\(base)/health/live")
                #expect(live.status == 200, "\(service) still answers after the sweep")
            }
            #expect(sent > 1000, "the sweep sent \(sent) requests")
            let listed = failures.prefix(60).joined(separator: "\n")
            #expect(failures.isEmpty, "\(failures.count) of \(sent) answers were wrong:\n\(listed)")
        }
    }
}
