import Foundation
import Models

extension OpenAPIConformance {
    /// Checks a JSON value against a schema of the document, deeper than `problems`: types
    /// (`["string", "null"]` as OpenAPI 3.1 writes nullable), `enum`, `pattern`, `required`,
    /// object `properties`, array `items`, `allOf` and `$ref`. Formats and numeric bounds are not
    /// checked. Returns each violation with its JSON path, empty when the value conforms.
    public static func schemaProblems(_ value: JSONValue, against schema: JSONValue, in document: JSONValue, at path: String = "$") -> [String] {
        let schema = Self.resolve(schema, in: document)
        var found: [String] = []
        if case .array(let parts)? = schema["allOf"] {
            for part in parts { found += Self.schemaProblems(value, against: part, in: document, at: path) }
        }
        if let allowed = Self.types(schema), !allowed.contains(where: { Self.value(value, isA: $0) }) {
            found.append("\(path) is \(Self.typeName(value)), the schema says \(allowed.sorted().joined(separator: " or "))")
            return found
        }
        if case .array(let options)? = schema["enum"], !options.contains(value) {
            found.append("\(path) is \(value), not one of the schema's enum")
        }
        if case .string(let text) = value, case .string(let pattern)? = schema["pattern"],
            let expression = try? NSRegularExpression(pattern: pattern),
            expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil
        {
            found.append("\(path) \"\(text)\" does not match \(pattern)")
        }
        if case .object(let fields) = value {
            found += Self.requiredFields(schema).filter { fields[$0] == nil }.map { "\(path) lacks the required field \($0)" }
            if case .object(let properties)? = schema["properties"] {
                for (name, propertySchema) in properties {
                    if let field = fields[name] {
                        found += Self.schemaProblems(field, against: propertySchema, in: document, at: "\(path).\(name)")
                    }
                }
            }
        }
        if case .array(let elements) = value, let items = schema["items"] {
            for (index, element) in elements.enumerated() {
                found += Self.schemaProblems(element, against: items, in: document, at: "\(path)[\(index)]")
            }
        }
        return found
    }

    /// The schema of an operation's JSON answer for `status`, if the document gives one.
    public static func responseSchema(in document: JSONValue, method: String, path: String, status: Int) -> JSONValue? {
        guard let documented = document["paths"]?[path]?[method.lowercased()]?["responses"]?[String(status)] else { return nil }
        return Self.resolve(documented, in: document)["content"]?["application/json"]?["schema"]
    }

    private static func types(_ schema: JSONValue) -> Set<String>? {
        switch schema["type"] {
        case .string(let name)?: return [name]
        case .array(let names)?: return Set(names.compactMap { if case .string(let name) = $0 { name } else { nil } })
        default: return nil
        }
    }

    private static func value(_ value: JSONValue, isA type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array), ("object", .object): true
        case ("integer", .number(let number)): number.rounded() == number
        default: false
        }
    }

    private static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

extension OpenAPIConformance {
    /// A schema with its `$ref` followed, for tests that walk a document themselves.
    public static func resolveSchema(_ schema: JSONValue, in document: JSONValue) -> JSONValue {
        Self.resolve(schema, in: document)
    }
}
