import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import NIOCore
import ServiceKit
import Testing

/// The checks every service must pass on its own: it boots on a fresh database as its own role,
/// migrates, and serves its probes, metrics and an OpenAPI document that is true of it.
public enum ServiceBootCheck {
    public static func run<App: ApplicationProtocol>(
        _ service: ServiceName,
        build: @escaping @Sendable (ServiceConfiguration) async throws -> App
    ) async throws {
        try await TestDatabase.with(services: [service]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                let app = try await build(.forTesting(service, database: database, jwksURL: jwksURL))
                try await app.test(.router) { client async throws in
                    try await client.execute(uri: "/health/live", method: .get) { response async throws in
                        #expect(response.status == .ok)
                        #expect(String(buffer: response.body) == #"{"checks":{},"status":"ok"}"#)
                    }
                    try await client.execute(uri: "/health/ready", method: .get) { response async throws in
                        #expect(response.status == .ok)
                        #expect(String(buffer: response.body) == #"{"checks":{"database":"ok","migrations":"ok"},"status":"ready"}"#)
                    }
                    try await client.execute(uri: "/metrics", method: .get) { response async throws in
                        #expect(response.status == .ok)
                        #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                        #expect(String(buffer: response.body).contains(#"http_route="/health/ready""#))
                    }
                    let document = try await client.execute(uri: "/openapi.json", method: .get) { response async throws in
                        #expect(response.status == .ok)
                        return try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
                    }
                    #expect(document["openapi"] == .string("3.1.0"))
                    #expect(document["info"]?["title"] == .string("Tract \(service.rawValue) service"))
                    try await OpenAPIConformance.check(document, client: client)
                }
            }
        }
    }
}

/// Exercises an OpenAPI document against the running service: every operation that needs no
/// parameters, body or credentials is called, and its status and content type must be ones the
/// document lists, with the documented required properties present in JSON bodies.
public enum OpenAPIConformance {
    public static func check(_ document: JSONValue, client: any TestClientProtocol) async throws {
        guard case .object(let paths)? = document["paths"] else {
            Issue.record("the document has no paths")
            return
        }
        var exercised = 0
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) where !path.contains("{") {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations where method == "get" {
                if case .array(let security)? = operation["security"], !security.isEmpty { continue }
                let (status, contentType, body) = try await client.execute(uri: path, method: .get) { response async throws in
                    (Int(response.status.code), response.headers[.contentType] ?? "", response.body)
                }
                guard let documented = operation["responses"]?[String(status)] else {
                    Issue.record("GET \(path) answered \(status), which the document does not list")
                    continue
                }
                let resolved = Self.resolve(documented, in: document)
                guard case .object(let contents)? = resolved["content"] else { continue }
                let mediaType = contentType.split(separator: ";").first.map(String.init) ?? ""
                guard let content = contents[mediaType] else {
                    Issue.record("GET \(path) answered \(mediaType), the document lists \(contents.keys.sorted())")
                    continue
                }
                if mediaType.hasSuffix("json"), let schema = content["schema"] {
                    let value = try JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
                    for field in Self.requiredFields(Self.resolve(schema, in: document)) where value[field] == nil {
                        Issue.record("GET \(path) body lacks the required field \(field)")
                    }
                }
                exercised += 1
            }
        }
        #expect(exercised >= 4, "the probes, metrics and the document itself are always exercised")
    }

    static func resolve(_ value: JSONValue, in document: JSONValue) -> JSONValue {
        guard case .string(let reference)? = value["$ref"], reference.hasPrefix("#/") else { return value }
        var current: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") { current = current?[String(part)] }
        return current.map { Self.resolve($0, in: document) } ?? value
    }

    static func requiredFields(_ schema: JSONValue) -> [String] {
        guard case .array(let fields)? = schema["required"] else { return [] }
        return fields.compactMap { if case .string(let name) = $0 { name } else { nil } }
    }
}

extension OpenAPIConformance {
    /// Checks one observed exchange against the document: the operation exists, the status is
    /// listed for it, the media type is listed for that status, and JSON bodies carry the
    /// schema's required fields. Returns what is wrong, empty when it conforms.
    public static func problems(
        in document: JSONValue,
        method: String,
        path: String,
        status: Int,
        contentType: String,
        body: String
    ) -> [String] {
        guard let operation = document["paths"]?[path]?[method.lowercased()] else {
            return ["\(method) \(path) is not documented"]
        }
        guard let documented = operation["responses"]?[String(status)] else {
            return ["\(method) \(path) answered \(status), which the document does not list"]
        }
        let resolved = Self.resolve(documented, in: document)
        guard case .object(let contents)? = resolved["content"] else {
            return body.isEmpty ? [] : ["\(method) \(path) \(status) has a body the document does not describe"]
        }
        let mediaType = contentType.split(separator: ";").first.map(String.init) ?? ""
        guard let content = contents[mediaType] else {
            return ["\(method) \(path) \(status) answered \(mediaType), the document lists \(contents.keys.sorted())"]
        }
        guard mediaType.hasSuffix("json"), let schema = content["schema"] else { return [] }
        let value = (try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))) ?? .null
        return Self.requiredFields(Self.resolve(schema, in: document)).filter { value[$0] == nil }.map {
            "\(method) \(path) \(status) lacks the required field \($0)"
        }
    }
}
