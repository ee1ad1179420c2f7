import Foundation

/// Events `properties` publishes about listings, so `investments` can keep offerings in step and
/// `analytics` can follow the catalogue. Each carries the fields those followers read, so none of
/// them needs a call back.
///
/// Deliveries run in parallel and are retried, so they arrive in any order: `version` is the
/// property row's version (raised by every change of the row, under its lock), and a follower
/// applies a snapshot only when it is not older than what it holds. Nil in events written before
/// versions existed.
public struct PropertySnapshot: Codable, Sendable, Equatable {
    public var propertyId: UUID
    public var slug: String
    public var propertyName: String
    public var status: String
    public var visibility: String
    public var city: String
    public var state: String
    public var propertyType: String?
    public var propertyClass: String?
    public var inOz: Bool
    public var ozTractGeoid: String?
    public var investmentOpen: Bool
    public var minimumInvestment: Money?
    public var maximumInvestment: Money?
    public var targetRaise: Money?
    public var sponsorId: UUID
    public var version: Int64?

    public init(
        propertyId: UUID, slug: String, propertyName: String, status: String, visibility: String, city: String,
        state: String, propertyType: String?, propertyClass: String?, inOz: Bool, ozTractGeoid: String?,
        investmentOpen: Bool, minimumInvestment: Money?, maximumInvestment: Money?, targetRaise: Money?, sponsorId: UUID,
        version: Int64? = nil
    ) {
        self.propertyId = propertyId
        self.slug = slug
        self.propertyName = propertyName
        self.status = status
        self.visibility = visibility
        self.city = city
        self.state = state
        self.propertyType = propertyType
        self.propertyClass = propertyClass
        self.inOz = inOz
        self.ozTractGeoid = ozTractGeoid
        self.investmentOpen = investmentOpen
        self.minimumInvestment = minimumInvestment
        self.maximumInvestment = maximumInvestment
        self.targetRaise = targetRaise
        self.sponsorId = sponsorId
        self.version = version
    }
}

/// A property became visible to investors (out of `prospect`, not private).
public struct PropertyPublished: DomainEvent, Equatable {
    public static let eventType = "property.published"
    public var property: PropertySnapshot

    public init(property: PropertySnapshot) {
        self.property = property
    }
}

/// A property changed; `changedFields` names the columns that did.
public struct PropertyUpdated: DomainEvent, Equatable {
    public static let eventType = "property.updated"
    public var property: PropertySnapshot
    public var changedFields: [String]

    public init(property: PropertySnapshot, changedFields: [String]) {
        self.property = property
        self.changedFields = changedFields
    }
}

/// The offering terms changed: investment open or closed, minimum, maximum or target raise.
public struct PropertyOfferingChanged: DomainEvent, Equatable {
    public static let eventType = "property.offering_changed"
    public var property: PropertySnapshot
    public var changedFields: [String]

    public init(property: PropertySnapshot, changedFields: [String]) {
        self.property = property
        self.changedFields = changedFields
    }
}

/// A property was deleted (soft): followers stop offering it. `version` is the row's version after
/// the deletion (see `PropertySnapshot.version`), so no older snapshot brings the property back.
public struct PropertyDeleted: DomainEvent, Equatable {
    public static let eventType = "property.deleted"
    public var propertyId: UUID
    public var version: Int64?

    public init(propertyId: UUID, version: Int64? = nil) {
        self.propertyId = propertyId
        self.version = version
    }
}
