import Foundation

/// Events published by `auth` (issue 3). Analytics records them; others follow roles.
public struct UserCreated: DomainEvent, Equatable {
    public static let eventType = "user.created"
    public var userId: UUID
    public var email: String
    public var currentRole: String
    public var firstAuthSource: String?
    public var authMethod: String

    public init(userId: UUID, email: String, currentRole: String, firstAuthSource: String?, authMethod: String) {
        self.userId = userId
        self.email = email
        self.currentRole = currentRole
        self.firstAuthSource = firstAuthSource
        self.authMethod = authMethod
    }
}

public struct UserSignedIn: DomainEvent, Equatable {
    public static let eventType = "user.signed_in"
    public var userId: UUID
    public var sessionId: UUID
    public var authMethod: String
    public var source: String?

    public init(userId: UUID, sessionId: UUID, authMethod: String, source: String?) {
        self.userId = userId
        self.sessionId = sessionId
        self.authMethod = authMethod
        self.source = source
    }
}

public struct UserRoleChanged: DomainEvent, Equatable {
    public static let eventType = "user.role_changed"
    public var userId: UUID
    public var previousRole: String
    public var currentRole: String
    public var reason: String

    public init(userId: UUID, previousRole: String, currentRole: String, reason: String) {
        self.userId = userId
        self.previousRole = previousRole
        self.currentRole = currentRole
        self.reason = reason
    }
}

public struct SessionRevoked: DomainEvent, Equatable {
    public static let eventType = "session.revoked"
    public var userId: UUID
    public var sessionId: UUID
    public var reason: String

    public init(userId: UUID, sessionId: UUID, reason: String) {
        self.userId = userId
        self.sessionId = sessionId
        self.reason = reason
    }
}
