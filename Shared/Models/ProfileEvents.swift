import Foundation

/// Events other services publish about what a user did, which `auth` turns into roles (seed 000:
/// a developer action makes an investor a developer; both kinds of action make them `both`).

/// `properties`: the "check if your development is in an OZ" flow finished.
public struct OZCheckCompleted: DomainEvent, Equatable {
    public static let eventType = "oz_check.completed"
    public var userId: UUID
    public var tractGeoid: String?
    public var designated: Bool?

    public init(userId: UUID, tractGeoid: String?, designated: Bool?) {
        self.userId = userId
        self.tractGeoid = tractGeoid
        self.designated = designated
    }
}

/// `properties`: a developer profile was created.
public struct DeveloperProfileCreated: DomainEvent, Equatable {
    public static let eventType = "developer_profile.created"
    public var userId: UUID

    public init(userId: UUID) {
        self.userId = userId
    }
}

/// `investments`: an investor profile was created ("qualify as an investor").
public struct InvestorProfileCreated: DomainEvent, Equatable {
    public static let eventType = "investor_profile.created"
    public var userId: UUID

    public init(userId: UUID) {
        self.userId = userId
    }
}
