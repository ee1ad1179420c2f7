import Foundation
import Models

/// Builds a service's OpenAPI 3.1 document: the kit's shared part (probes, metrics, the inbox,
/// the `Problem` schema, bearer security) plus the service's own `Resources/openapi.json` and then
/// each `Resources/OpenAPI/*.json` in name order, whose `info`, `paths` and `components` are merged
/// in. One fragment per resource area keeps a service's document in pieces its owners can edit apart.
public enum OpenAPIDocument {
    public static func build(service: Bundle?) throws -> JSONValue {
        guard let baseURL = Bundle.module.url(forResource: "openapi-base", withExtension: "json") else {
            throw MigrationError.missingFolder("openapi-base.json")
        }
        var document = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: baseURL))
        if let serviceURL = service?.url(forResource: "openapi", withExtension: "json") {
            let fragment = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: serviceURL))
            document = Self.merge(document, fragment)
        }
        if let folder = service?.resourceURL?.appendingPathComponent("OpenAPI"),
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        {
            for name in names.filter({ $0.hasSuffix(".json") }).sorted() {
                let fragment = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: folder.appendingPathComponent(name)))
                document = Self.merge(document, fragment)
            }
        }
        return Self.documentingQueryRefusal(document)
    }

    /// Every operation can answer 422: `QueryGuardMiddleware` refuses a NUL in any query parameter
    /// before a route runs. An operation with a body can also answer what the kit's body reader
    /// answers for every body: 400 (malformed), 413 (too large), 415 (not the declared type). The
    /// document says so once here rather than in every fragment.
    static func documentingQueryRefusal(_ document: JSONValue) -> JSONValue {
        guard case .object(var root) = document, case .object(var paths) = root["paths"] else { return document }
        let problem = JSONValue.object(["$ref": .string("#/components/responses/Problem")])
        for (path, item) in paths {
            guard case .object(var operations) = item else { continue }
            for (method, operation) in operations where Self.methods.contains(method) {
                guard case .object(var fields) = operation, case .object(var responses) = fields["responses"] else { continue }
                let kitAnswers = fields["requestBody"] == nil ? ["422"] : ["400", "413", "415", "422"]
                for status in kitAnswers where responses[status] == nil { responses[status] = problem }
                fields["responses"] = .object(responses)
                operations[method] = .object(fields)
            }
            paths[path] = .object(operations)
        }
        root["paths"] = .object(paths)
        return .object(root)
    }

    private static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// Objects merge key by key (the fragment wins on conflicts); anything else is replaced.
    static func merge(_ base: JSONValue, _ overlay: JSONValue) -> JSONValue {
        guard case .object(var merged) = base, case .object(let extra) = overlay else { return overlay }
        for (key, value) in extra {
            merged[key] = merged[key].map { Self.merge($0, value) } ?? value
        }
        return .object(merged)
    }
}
