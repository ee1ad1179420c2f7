import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import NIOCore
import ServiceKit
import TestSupport
import Testing

/// Bad input gets a 4xx problem+json naming what is wrong; nothing gets a stack trace.
@Suite struct ProblemResponseTests {
    func withFixture(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await TestDatabase.with(services: [.analytics]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                let configuration = ServiceConfiguration.forTesting(.analytics, database: database, jwksURL: jwksURL, maxBodyBytes: 1024)
                let app = try await buildServiceApplication(configuration, definition: FixtureService.definition)
                try await app.test(.router, test)
            }
        }
    }

    func problem(_ response: TestResponse) throws -> ProblemDetails {
        #expect(response.headers[.contentType] == "application/problem+json")
        return try JSONDecoder.tract.decode(ProblemDetails.self, from: Data(response.body.readableBytesView))
    }

    @Test func malformedJSONIsA400() async throws {
        try await self.withFixture { client async throws in
            try await client.execute(uri: "/v1/echo", method: .post, headers: [.contentType: "application/json"], body: .init(string: "{\"name\": "))
            { response async throws in
                #expect(response.status == .badRequest)
                let problem = try self.problem(response)
                #expect(problem.status == 400)
                #expect(problem.title == "Bad Request")
                #expect(problem.detail == "The body is not valid JSON.")
                #expect(problem.requestId == response.headers[.requestID])
            }
        }
    }

    @Test func missingAndMistypedFieldsAreNamed() async throws {
        try await self.withFixture { client async throws in
            try await client.execute(
                uri: "/v1/echo", method: .post, headers: [.contentType: "application/json"], body: .init(string: #"{"name": "a"}"#)
            ) { response async throws in
                #expect(response.status == .unprocessableContent)
                #expect(try self.problem(response).errors == [.init(field: "count", message: "is required")])
            }
            try await client.execute(
                uri: "/v1/echo", method: .post, headers: [.contentType: "application/json"], body: .init(string: #"{"name": "a", "count": "three"}"#)
            ) { response async throws in
                #expect(response.status == .unprocessableContent)
                #expect(try self.problem(response).errors == [.init(field: "count", message: "must be an integer")])
            }
            try await client.execute(
                uri: "/v1/echo", method: .post, headers: [.contentType: "application/json"],
                body: .init(string: #"{"name": "a", "count": 3, "address": {"zip": 12345}}"#)
            ) { response async throws in
                #expect(try self.problem(response).errors == [.init(field: "address.zip", message: "must be a string")])
            }
            // And a good body goes through, snake_case in and out.
            try await client.execute(
                uri: "/v1/echo", method: .post, headers: [.contentType: "application/json"], body: .init(string: #"{"name": "a", "count": 3}"#)
            ) { response async throws in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"count":3,"name":"a"}"#)
            }
        }
    }

    @Test func wrongContentTypeIsA415() async throws {
        try await self.withFixture { client async throws in
            try await client.execute(
                uri: "/v1/echo", method: .post, headers: [.contentType: "text/plain"], body: .init(string: #"{"name":"a","count":1}"#)
            ) { response async throws in
                #expect(response.status == .unsupportedMediaType)
                #expect(try self.problem(response).detail?.contains("application/json") == true)
            }
        }
    }

    @Test func oversizedBodyIsA413() async throws {
        try await self.withFixture { client async throws in
            let big = #"{"name": ""# + String(repeating: "x", count: 4096) + #"", "count": 1}"#
            try await client.execute(uri: "/v1/echo", method: .post, headers: [.contentType: "application/json"], body: .init(string: big)) {
                response async throws in
                #expect(response.status == .contentTooLarge)
                #expect(try self.problem(response).detail == "The request body is larger than the limit of 1024 bytes.")
            }
        }
    }

    @Test func unknownRouteIsA404Problem() async throws {
        try await self.withFixture { client async throws in
            try await client.execute(uri: "/v1/nowhere", method: .get) { response async throws in
                #expect(response.status == .notFound)
                #expect(try self.problem(response).detail == "No route matches GET /v1/nowhere.")
            }
        }
    }

    @Test func unexpectedErrorsAre500sThatRevealNothing() async throws {
        try await self.withFixture { client async throws in
            try await client.execute(uri: "/v1/boom", method: .get, headers: [.requestID: "req-boom-1"]) { response async throws in
                #expect(response.status == .internalServerError)
                #expect(response.headers[.requestID] == "req-boom-1")
                let body = String(buffer: response.body)
                #expect(!body.contains("no_such_table"))
                #expect(!body.contains("PSQL"))
                let problem = try self.problem(response)
                #expect(problem.requestId == "req-boom-1")
                #expect(problem.status == 500)
            }
        }
    }

    @Test func requestIDsAreEchoedOrMade() async throws {
        try await self.withFixture { client async throws in
            try await client.execute(uri: "/health/live", method: .get, headers: [.requestID: "abc-123"]) { response async throws in
                #expect(response.headers[.requestID] == "abc-123")
            }
            // A header that could poison logs is replaced, not echoed.
            try await client.execute(uri: "/health/live", method: .get, headers: [.requestID: String(repeating: "a", count: 500)]) {
                response async throws in
                #expect(response.headers[.requestID]?.count == 36)
            }
        }
    }

    @Test func metricsCountRequestsByRouteAndStatus() async throws {
        try await self.withFixture { client async throws in
            try await client.execute(uri: "/v1/nowhere", method: .get) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { response async throws in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains(#"hb_requests{http_route="NotFound",http_request_method="GET",http_response_status_code="404"}"#))
                #expect(text.contains("http_server_request_duration_bucket"))
            }
        }
    }
}
