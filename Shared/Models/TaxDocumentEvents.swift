import Foundation

/// A sponsor delivered an investor's Schedule K-1 for a tax year (`investments`); `corrected` when
/// it supersedes one delivered before. Communications tells the investor it is ready; the file
/// itself never travels in an event.
public struct K1Delivered: DomainEvent, Equatable {
    public static let eventType = "k1.delivered"
    public var k1Id: UUID
    public var offeringId: UUID
    public var offeringName: String
    public var investorId: UUID
    public var taxYear: Int
    public var corrected: Bool

    public init(k1Id: UUID, offeringId: UUID, offeringName: String, investorId: UUID, taxYear: Int, corrected: Bool) {
        self.k1Id = k1Id
        self.offeringId = offeringId
        self.offeringName = offeringName
        self.investorId = investorId
        self.taxYear = taxYear
        self.corrected = corrected
    }
}
