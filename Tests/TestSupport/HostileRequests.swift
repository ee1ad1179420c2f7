import Foundation
import Models

/// What careless and hostile clients send, generated from a service's OpenAPI document so that every
/// documented operation gets it (issue 11's acceptance): a NUL character in each string, the wrong
/// JSON type for each field, numbers no field can hold, a key given twice, an id that is not a UUID
/// — in the path, the query and the body. Pure: the document in, requests out.
public struct HostileRequest: Sendable, CustomStringConvertible {
    public var method: String
    public var path: String
    public var body: String?
    /// What was made hostile, for the failure message.
    public var variant: String

    public var description: String { "\(self.method) \(self.path) [\(self.variant)]\(self.body.map { " " + $0 } ?? "")" }
}

public struct HostileRequests {
    let document: JSONValue
    /// The value for a path parameter of a template (an existing row's id, so the request gets past
    /// "no such row" to the checks behind it); nil for a made-up UUID.
    let pathValue: (_ template: String, _ parameter: String) -> String?

    /// Bodies get at most this many fields made hostile, so one wide schema cannot dominate the run.
    static let fieldsPerOperation = 16
    static let missingID = "0190c1a0-0000-7000-8000-00000000dead"
    /// Placeholders swapped for raw JSON text the tree cannot hold (an integer beyond Int64).
    static let beyondInt64 = "__beyond_int64__"

    public init(document: JSONValue, pathValue: @escaping (_ template: String, _ parameter: String) -> String? = { _, _ in nil }) {
        self.document = document
        self.pathValue = pathValue
    }

    /// Every operation's hostile requests; deletions and auth's own routes (sign-out, password
    /// changes) last, so they do not take away what the others need.
    public func all() -> [HostileRequest] {
        guard case .object(let paths)? = self.document["paths"] else { return [] }
        var requests: [(order: Int, request: HostileRequest)] = []
        for template in paths.keys.sorted() {
            guard case .object(let item)? = paths[template] else { continue }
            for method in ["get", "post", "put", "patch", "delete"] {
                guard let operation = item[method] else { continue }
                let order = (method == "delete" ? 2 : 0) + (template.hasPrefix("/v1/auth/") ? 1 : 0)
                for request in self.requests(method.uppercased(), template, operation, shared: item["parameters"]) {
                    requests.append((order, request))
                }
            }
        }
        return requests.enumerated().sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }.map(\.element.request)
    }

    func requests(_ method: String, _ template: String, _ operation: JSONValue, shared: JSONValue?) -> [HostileRequest] {
        let parameters = self.parameters(operation["parameters"]) + self.parameters(shared)
        let pathParameters = parameters.filter { $0["in"] == "path" }.compactMap { $0["name"]?.text }
        let queryParameters = parameters.filter { $0["in"] == "query" }
        let schema = operation["requestBody"]?["content"]?["application/json"]?["schema"].map(self.resolve)
        let baseBody = schema.map { self.sample($0, depth: 0) }
        let baseBodyText = baseBody.map(Self.text)
        let path = self.fill(template, parameters: pathParameters, override: nil)
        var requests: [HostileRequest] = []

        for name in pathParameters {
            for (variant, value) in [("not a UUID", "not-a-uuid"), ("NUL", "%00"), ("huge number", "99999999999999999999999")] {
                requests.append(
                    .init(
                        method: method, path: self.fill(template, parameters: pathParameters, override: (name, value)), body: baseBodyText,
                        variant: "path \(name): \(variant)"))
            }
        }
        for parameter in queryParameters {
            guard let name = parameter["name"]?.text else { continue }
            let type = parameter["schema"].map(self.resolve)?["type"]?.text
            var values = [("NUL", "a%00b")]
            if type == "integer" || type == "number" {
                values += [("wrong type", "abc"), ("huge number", "99999999999999999999999"), ("negative", "-1")]
            }
            if type == "boolean" { values.append(("wrong type", "maybe")) }
            if parameter["schema"].map(self.resolve)?["format"] == "uuid" { values.append(("not a UUID", "not-a-uuid")) }
            for (variant, value) in values {
                requests.append(.init(method: method, path: path + "?\(name)=\(value)", body: baseBodyText, variant: "query \(name): \(variant)"))
            }
        }
        guard let schema, let baseBody else { return requests }

        for (variant, body) in [
            ("body: an array", "[]"), ("body: a string", "\"x\""), ("body: null", "null"), ("body: a NUL key", #"{"\u0000": 1}"#),
        ] {
            requests.append(.init(method: method, path: path, body: body, variant: variant))
        }
        guard case .object(let fields) = baseBody, case .object(let properties)? = schema["properties"] else { return requests }
        if let (key, value) = fields.sorted(by: { $0.key < $1.key }).first {
            // A key given twice: the first with a value no check would pass.
            let rest = Self.text(.object(fields.filter { $0.key != key }))
            let duplicated =
                "{" + Self.text(.string(key)) + ": \"\\u0000\", " + Self.text(.string(key)) + ": " + Self.text(value)
                + (rest == "{}" ? "}" : ", " + rest.dropFirst())
            requests.append(.init(method: method, path: path, body: duplicated, variant: "body: \(key) given twice"))
        }
        for name in properties.keys.sorted().prefix(Self.fieldsPerOperation) {
            guard let property = properties[name].map(self.resolve) else { continue }
            for (variant, value) in self.hostileValues(for: property) {
                var mutated = fields
                mutated[name] = value
                let text = Self.text(.object(mutated)).replacingOccurrences(of: "\"\(Self.beyondInt64)\"", with: "9223372036854775808")
                requests.append(.init(method: method, path: path, body: text, variant: "field \(name): \(variant)"))
            }
        }
        return requests
    }

    /// The plain request for an operation, for callers that test who may send it rather than what
    /// (the authorization matrix): its required query parameters and its JSON body's required
    /// fields with plausible values. Path parameters stay `{name}` for the caller to fill.
    public func plain(_ method: String, _ template: String) -> (query: String, body: String?) {
        guard let item = self.document["paths"]?[template], let operation = item[method.lowercased()] else { return ("", nil) }
        let required = (self.parameters(operation["parameters"]) + self.parameters(item["parameters"])).filter {
            $0["in"] == "query" && $0["required"] == .bool(true)
        }
        let query = required.compactMap { parameter -> String? in
            guard let name = parameter["name"]?.text else { return nil }
            let value = parameter["schema"].map { Self.text(self.sample($0, depth: 0)) } ?? "probe"
            let bare = value.hasPrefix("\"") ? String(value.dropFirst().dropLast()) : value
            return
                "\(name)=\(bare.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? bare)"
        }.joined(separator: "&")
        var schema = operation["requestBody"]?["content"]?["application/json"]?["schema"]
        // A PATCH's schema made from a POST's (`x-tract-patch-of`) requires nothing, and an empty
        // patch is refused before the lookup that decides who may send it: send what the POST
        // requires instead.
        if case .string(let base)? = schema.map({ self.resolve($0) })?["x-tract-patch-of"] {
            schema = .object(["$ref": .string("#/components/schemas/\(base)")])
        }
        return (query, schema.map { Self.text(self.sample($0, depth: 0)) })
    }

    /// A plausible value for a path parameter that is not an id (a year, a date, a `kind` from an
    /// enum); nil for ids and free text, which the caller fills.
    public func pathSample(_ method: String, _ template: String, _ name: String) -> String? {
        guard let item = self.document["paths"]?[template], let operation = item[method.lowercased()] else { return nil }
        let parameter = (self.parameters(operation["parameters"]) + self.parameters(item["parameters"])).first {
            $0["in"] == "path" && $0["name"]?.text == name
        }
        guard let schema = parameter?["schema"].map(self.resolve), schema["format"]?.text != "uuid" else { return nil }
        if name == "year" { return "2026" }
        switch self.sample(schema, depth: 0) {
        case .number(let number): return String(Int(number))
        case .string(let text) where schema["enum"] != nil || schema["format"] != nil: return text
        default: return nil
        }
    }

    /// Values no check should let through for a field of this schema.
    func hostileValues(for schema: JSONValue) -> [(String, JSONValue)] {
        let type = Self.type(of: schema)
        var values: [(String, JSONValue)] = []
        switch type {
        case "string":
            values += [("NUL", .string("a\u{0}b")), ("wrong type", .number(12345)), ("an object", .object(["a": .string("\u{0}")]))]
            if schema["format"] == "uuid" { values.append(("not a UUID", .string("not-a-uuid"))) }
            if schema["format"] == "date" || schema["format"] == "date-time" { values.append(("not a date", .string("2026-02-30"))) }
        case "integer", "number":
            values += [
                ("wrong type", .string("x")), ("huge number", .number(1e308)), ("beyond Int64", .string(Self.beyondInt64)),
                ("fraction", .number(1.5)), ("negative", .number(-1)),
            ]
        case "boolean":
            values += [("wrong type", .string("yes"))]
        case "array":
            values += [("wrong type", .string("x")), ("NUL item", .array([.string("\u{0}")]))]
        default:
            values += [("wrong type", .string("x")), ("NUL inside", .object(["a": .string("\u{0}")]))]
        }
        return values
    }

    /// A plausible value for `schema`: required fields only for objects, the first enum value.
    func sample(_ schema: JSONValue, depth: Int) -> JSONValue {
        let schema = self.resolve(schema)
        if case .array(let options)? = schema["enum"], let first = options.first(where: { $0 != .null }) { return first }
        if let example = schema["example"] { return example }
        switch Self.type(of: schema) {
        case "object":
            guard depth < 4, case .object(let properties)? = schema["properties"] else { return .object([:]) }
            var object: [String: JSONValue] = [:]
            for name in schema["required"]?.strings ?? [] {
                if let property = properties[name] { object[name] = self.sample(property, depth: depth + 1) }
            }
            return .object(object)
        case "array": return .array([])
        case "integer", "number": return .number(schema["minimum"]?.number.map { max($0, 1) } ?? 1)
        case "boolean": return .bool(true)
        default:
            switch schema["format"]?.text {
            case "uuid": return .string(Self.missingID)
            case "date": return .string("2026-01-15")
            case "date-time": return .string("2026-01-15T12:00:00Z")
            case "email": return .string("probe@example.com")
            default: return .string(schema["pattern"] == nil ? "probe" : "100.00")
            }
        }
    }

    /// `$ref`s followed, `allOf` merged, the first of `oneOf`/`anyOf` taken.
    func resolve(_ schema: JSONValue) -> JSONValue {
        var schema = schema
        for _ in 0..<8 {
            if let reference = schema["$ref"]?.text, reference.hasPrefix("#/") {
                var target: JSONValue? = self.document
                for part in reference.dropFirst(2).split(separator: "/") { target = target?[String(part)] }
                schema = target ?? .object([:])
            } else if case .array(let parts)? = schema["allOf"] {
                var merged: [String: JSONValue] = [:]
                var properties: [String: JSONValue] = [:]
                var required: [JSONValue] = []
                for part in parts.map(self.resolve) {
                    if case .object(let entries) = part { merged.merge(entries) { first, _ in first } }
                    if case .object(let more)? = part["properties"] { properties.merge(more) { first, _ in first } }
                    if case .array(let names)? = part["required"] { required += names }
                }
                merged["allOf"] = nil
                merged["properties"] = .object(properties)
                merged["required"] = .array(required)
                schema = .object(merged)
            } else if case .array(let options)? = schema["oneOf"] ?? schema["anyOf"], let first = options.first(where: { $0["type"] != "null" }) {
                schema = first
            } else {
                return schema
            }
        }
        return schema
    }

    private func parameters(_ list: JSONValue?) -> [JSONValue] {
        guard case .array(let items)? = list else { return [] }
        return items.map(self.resolve)
    }

    private func fill(_ template: String, parameters: [String], override: (String, String)?) -> String {
        var path = template
        for name in parameters {
            var value = self.pathValue(template, name) ?? Self.missingID
            if let override, override.0 == name { value = override.1 }
            path = path.replacingOccurrences(of: "{\(name)}", with: value)
        }
        return path
    }

    /// `"string"`, also from `["string", "null"]`.
    static func type(of schema: JSONValue) -> String? {
        switch schema["type"] {
        case .string(let type)?: return type
        case .array(let types)?: return types.compactMap(\.text).first { $0 != "null" }
        default: return schema["properties"] == nil ? nil : "object"
        }
    }

    static func text(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "null"
    }
}

extension JSONValue {
    var text: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var number: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    var strings: [String] {
        if case .array(let items) = self { return items.compactMap(\.text) }
        return []
    }
}
