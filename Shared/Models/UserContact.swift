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

    /// "First Last" as far as the user gave them, else the email address: what a document that
    /// names the user prints.
    public var displayName: String {
        let name = [self.firstName, self.lastName].compactMap { $0?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: " ")
        return name.isEmpty ? self.email : name
    }
}
