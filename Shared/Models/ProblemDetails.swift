/// RFC 9457 problem details, the body of every Tract error response
/// (`application/problem+json`).
public struct ProblemDetails: Codable, Sendable, Equatable {
    /// One invalid input, named by its JSON field path (`address.zip`, `items[2].amount`).
    public struct FieldError: Codable, Sendable, Equatable {
        public var field: String
        public var message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var type: String
    public var title: String
    public var status: Int
    public var detail: String?
    public var instance: String?
    public var requestId: String?
    public var errors: [FieldError]?
    /// RFC 9457 §3.2 extension members, written beside the standard ones (`mfa_token`,
    /// `step_up`). Name them in snake_case: they are written as given.
    public var extensions: [String: JSONValue]

    public init(
        type: String = "about:blank",
        title: String,
        status: Int,
        detail: String? = nil,
        instance: String? = nil,
        requestId: String? = nil,
        errors: [FieldError]? = nil,
        extensions: [String: JSONValue] = [:]
    ) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
        self.requestId = requestId
        self.errors = errors
        self.extensions = extensions
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, title, status, detail, instance, requestId, errors
    }

    struct MemberKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.type = try container.decodeIfPresent(String.self, forKey: .type) ?? "about:blank"
        self.title = try container.decode(String.self, forKey: .title)
        self.status = try container.decode(Int.self, forKey: .status)
        self.detail = try container.decodeIfPresent(String.self, forKey: .detail)
        self.instance = try container.decodeIfPresent(String.self, forKey: .instance)
        self.requestId = try container.decodeIfPresent(String.self, forKey: .requestId)
        self.errors = try container.decodeIfPresent([FieldError].self, forKey: .errors)
        // Extension members keep the names the decoder's key strategy gives them.
        let members = try decoder.container(keyedBy: MemberKey.self)
        let standard = Set(CodingKeys.allCases.map(\.stringValue))
        var extensions: [String: JSONValue] = [:]
        for key in members.allKeys where !standard.contains(key.stringValue) {
            extensions[key.stringValue] = try members.decode(JSONValue.self, forKey: key)
        }
        self.extensions = extensions
    }

    public func encode(to encoder: any Encoder) throws {
        var members = encoder.container(keyedBy: MemberKey.self)
        // Extensions first, so a standard member of the same name always wins.
        for (name, value) in self.extensions {
            try members.encode(value, forKey: MemberKey(stringValue: name))
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.type, forKey: .type)
        try container.encode(self.title, forKey: .title)
        try container.encode(self.status, forKey: .status)
        try container.encodeIfPresent(self.detail, forKey: .detail)
        try container.encodeIfPresent(self.instance, forKey: .instance)
        try container.encodeIfPresent(self.requestId, forKey: .requestId)
        try container.encodeIfPresent(self.errors, forKey: .errors)
    }
}
