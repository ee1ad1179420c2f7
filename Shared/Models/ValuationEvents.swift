import Foundation

/// The valuation a property is carried at: its latest live valuation that states an amount
/// (`properties.property_valuations`, newest `valuation_date`, then newest id).
public struct LatestValuation: Codable, Sendable, Equatable {
    public var valuationId: UUID
    public var amount: Money
    /// `YYYY-MM-DD`.
    public var valuationDate: String
    /// appraisal, bpo, automated or internal: where the figure comes from.
    public var valuationType: String?
    /// income, sales_comp or cost.
    public var valuationMethod: String?
    public var appraiserName: String?

    public init(
        valuationId: UUID, amount: Money, valuationDate: String, valuationType: String?, valuationMethod: String?,
        appraiserName: String?
    ) {
        self.valuationId = valuationId
        self.amount = amount
        self.valuationDate = valuationDate
        self.valuationType = valuationType
        self.valuationMethod = valuationMethod
        self.appraiserName = appraiserName
    }
}

/// A valuation of a property was recorded, corrected or removed (`properties`), and this is the
/// valuation the property is now carried at (nil when none with an amount is left). `version` is
/// the property row's version after the change, raised under the row lock, so a follower keeps the
/// event with the highest version and deliveries may arrive in any order.
public struct PropertyValuationChanged: DomainEvent, Equatable {
    public static let eventType = "property.valuation_changed"
    public var propertyId: UUID
    public var sponsorId: UUID
    public var version: Int64
    public var latest: LatestValuation?

    public init(propertyId: UUID, sponsorId: UUID, version: Int64, latest: LatestValuation?) {
        self.propertyId = propertyId
        self.sponsorId = sponsorId
        self.version = version
        self.latest = latest
    }
}
