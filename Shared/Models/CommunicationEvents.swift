import Foundation

/// Events published by `communications` (issue 14). Analytics records them: a team request sets
/// `needs_team_contact`, community membership sets `community_member` (seed 000 entry points).

/// Someone asked to speak to the team. `userId` is `nil` for an anonymous visitor: their address
/// stays in communications and never travels in an event.
public struct TeamContactRequested: DomainEvent, Equatable {
    public static let eventType = "team_contact.requested"
    public var requestId: UUID
    public var userId: UUID?
    public var topic: String

    public init(requestId: UUID, userId: UUID?, topic: String) {
        self.requestId = requestId
        self.userId = userId
        self.topic = topic
    }
}

/// A signed-in user joined the community.
public struct CommunityJoined: DomainEvent, Equatable {
    public static let eventType = "community.joined"
    public var userId: UUID

    public init(userId: UUID) {
        self.userId = userId
    }
}

/// A member left the community.
public struct CommunityLeft: DomainEvent, Equatable {
    public static let eventType = "community.left"
    public var userId: UUID

    public init(userId: UUID) {
        self.userId = userId
    }
}
