import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import NIOCore
import ServiceKit
import TestSupport
import Testing

/// Issue 11, items 13, 16, 17 and 18: what a careless or hostile client sends is a 4xx naming the
/// field as it was sent, never a 500 and never a guess.
@Suite struct HostileInputTests {
    func withFixture(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await TestDatabase.with(services: [.analytics]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                let configuration = ServiceConfiguration.forTesting(.analytics, database: database, jwksURL: jwksURL)
                let app = try await buildServiceApplication(configuration, definition: FixtureService.definition)
                try await app.test(.router, test)
            }
        }
    }

    /// Posts `body` to each echo route and returns the problem's status and field errors.
    func post(_ client: any TestClientProtocol, _ uri: String, _ body: String) async throws -> (Int, [ProblemDetails.FieldError]) {
        try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"], body: .init(string: body)) {
            response async throws in
            guard response.status != .ok else { return (200, []) }
            #expect(response.headers[.contentType] == "application/problem+json")
            let problem = try JSONDecoder.tract.decode(ProblemDetails.self, from: Data(response.body.readableBytesView))
            return (Int(response.status.code), problem.errors ?? [])
        }
    }

    static let refusals: [(body: String, field: String, message: String)] = [
        (#"{"name": "a\u0000b", "count": 1}"#, "name", "must not contain the NUL character"),
        (#"{"name": "a", "count": 1, "address": {"zip": "\u0000"}}"#, "address.zip", "must not contain the NUL character"),
        (#"{"name": "a", "count": 1, "rates": {"x\u0000": 1}}"#, "rates.x\\u0000", "must not contain the NUL character"),
        (#"{"name": "a", "count": 1, "name": "b"}"#, "name", "is given more than once"),
        (#"{"name": "a", "count": 1, "count_": 2, "address": {"zip": "1", "zip": "2"}}"#, "address.zip", "is given more than once"),
        (#"{"name": "a", "count": 1.5}"#, "count", "must be a whole number"),
        (#"{"name": "a", "count": 9223372036854775808}"#, "count", "is out of range"),
        (#"{"name": "a", "count": 1, "rate": 0.2, "rates": {"US": 1e308}}"#, "rates.US", "is out of range"),
        (#"{"name": "a", "count": 1, "rate": 1e400}"#, "rate", "is out of range"),
        (#"{"name": "a", "count": 1, "rate": "abc"}"#, "rate", "must be a number"),
        (#"{"name": "a", "count": 1, "rates": {"US": "x"}}"#, "rates.US", "must be a number"),
        (#"{"name": "a", "count": 1, "kind": "bogus"}"#, "kind", "is not one of the accepted values"),
        (#"{"name": "a", "count": 1, "reference": "not-a-uuid"}"#, "reference", "must be a UUID"),
        (#"{"name": "a", "count": 1, "address": {}}"#, "address.zip", "is required"),
    ]

    @Test func badBodiesAre422sNamingTheFieldAsSent() async throws {
        try await self.withFixture { client async throws in
            for route in ["/v1/echo", "/v1/echo-tree"] {
                for refusal in Self.refusals {
                    let (status, errors) = try await self.post(client, route, refusal.body)
                    #expect(status == 422, "\(route) \(refusal.body)")
                    #expect(errors == [.init(field: refusal.field, message: refusal.message)], "\(route) \(refusal.body)")
                }
                // Numbers that fit go through, dictionary keys untouched.
                let (status, _) = try await self.post(client, route, #"{"name": "a", "count": 2, "rate": 0.25, "rates": {"US": 0.3}}"#)
                #expect(status == 200)
            }
        }
    }

    @Test func aNULInAQueryParameterIsA422NamingIt() async throws {
        try await self.withFixture { client async throws in
            try await client.execute(uri: "/v1/search?q=a%00b", method: .get) { response async throws in
                #expect(response.status == .unprocessableContent)
                let problem = try JSONDecoder.tract.decode(ProblemDetails.self, from: Data(response.body.readableBytesView))
                #expect(problem.errors == [.init(field: "q", message: "must not contain the NUL character")])
            }
            try await client.execute(uri: "/v1/search?q=a%20b", method: .get) { response async throws in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "a b")
            }
        }
    }

    @Test func everyOperationInTheDocumentListsTheQueryRefusal() throws {
        let document = try OpenAPIDocument.build(service: nil)
        guard case .object(let root) = document, case .object(let paths) = root["paths"] else {
            Issue.record("no paths")
            return
        }
        #expect(paths.count > 1)
        for case (let path, .object(let operations)) in paths {
            for case (let method, .object(let operation)) in operations {
                guard case .object(let responses) = operation["responses"] else { continue }
                #expect(responses["422"] != nil, "\(method) \(path) does not list 422")
                if operation["requestBody"] != nil {
                    #expect(responses["400"] != nil && responses["413"] != nil && responses["415"] != nil, "\(method) \(path)")
                }
            }
        }
    }

    @Test func undecodableStoredJSONIsTheServersFault() async throws {
        try await self.withFixture { client async throws in
            try await client.execute(uri: "/v1/stored-garbage", method: .get) { response async throws in
                #expect(response.status == .internalServerError)
                #expect(!String(buffer: response.body).contains("name"))
            }
        }
    }

    @Test func aKnownPathWithAnotherMethodIsA405WithAllow() async throws {
        try await self.withFixture { client async throws in
            try await client.execute(uri: "/health/live", method: .delete) { response async throws in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(uri: "/internal/events", method: .get) { response async throws in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
            }
            try await client.execute(uri: "/v1/nowhere", method: .delete) { response async throws in
                #expect(response.status == .notFound)
            }
        }
    }
}
