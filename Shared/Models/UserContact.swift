import Foundation

/// What another service may learn of a user to write to them (`GET /internal/v1/users/{id}` on
/// `auth`, service tokens only): the address and the name to greet them by, nothing else.
public struct UserContact: Codable, Sendable, Equatable {
    public var id: UUID
    public var email: String
    public var firstName: String?
    public var emailVerified: Bool

    public init(id: UUID, email: String, firstName: String?, emailVerified: Bool) {
        self.id = id
        self.email = email
        self.firstName = firstName
        self.emailVerified = emailVerified
    }
}
