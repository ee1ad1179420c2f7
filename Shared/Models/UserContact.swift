import Foundation

/// What another service may learn of a user to write to them (`GET /internal/v1/users/{id}` on
/// `auth`, service tokens only): the address and the name to greet them by, nothing else.
public struct UserContact: Codable, Sendable, Equatable {
    public var id: UUID
    public var email: String
    public var firstName: String?
    public var lastName: String?
    public var emailVerified: Bool

    public init(id: UUID, email: String, firstName: String?, lastName: String? = nil, emailVerified: Bool) {
        self.id = id
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.emailVerified = emailVerified
    }

    private enum CodingKeys: String, CodingKey { case id, email, firstName, lastName, emailVerified }

    /// The id lowercase, as every id Tract writes on the wire (Foundation's own is uppercase).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.id.uuidString.lowercased(), forKey: .id)
        try container.encode(self.email, forKey: .email)
        try container.encodeIfPresent(self.firstName, forKey: .firstName)
        try container.encodeIfPresent(self.lastName, forKey: .lastName)
        try container.encode(self.emailVerified, forKey: .emailVerified)
    }

    /// "First Last" as far as the user gave them, else the email address: what a document that
    /// names the user prints.
    public var displayName: String {
        let name = [self.firstName, self.lastName].compactMap { $0?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: " ")
        return name.isEmpty ? self.email : name
    }
}
