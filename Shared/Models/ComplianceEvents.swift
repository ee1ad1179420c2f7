import Foundation

/// An Opportunity Zone fund's compliance deadline is near (`investments`, issue 21): a 90% asset
/// test date (26 U.S.C. §1400Z-2(d)(1)) or the end of a substantial-improvement window that is at
/// risk (Treas. Reg. §1.1400Z2(d)-2(b)(4)), 90, 30 or 7 days ahead. Addressed to the offering's
/// sponsor; communications turns it into their notification.
public struct ComplianceDeadlineApproaching: DomainEvent, Equatable {
    public static let eventType = "compliance.deadline_approaching"
    public var offeringId: UUID
    public var sponsorId: UUID
    public var offeringName: String
    /// `asset_test` or `improvement_window`.
    public var kind: String
    /// `YYYY-MM-DD`.
    public var deadline: String
    /// The threshold the alert is for: 90, 30 or 7.
    public var daysBefore: Int
    public var daysLeft: Int
    /// One sentence on where the fund stands (the test's or the tracker's reason), if known.
    public var detail: String?

    public init(
        offeringId: UUID, sponsorId: UUID, offeringName: String, kind: String, deadline: String, daysBefore: Int, daysLeft: Int,
        detail: String?
    ) {
        self.offeringId = offeringId
        self.sponsorId = sponsorId
        self.offeringName = offeringName
        self.kind = kind
        self.deadline = deadline
        self.daysBefore = daysBefore
        self.daysLeft = daysLeft
        self.detail = detail
    }
}
