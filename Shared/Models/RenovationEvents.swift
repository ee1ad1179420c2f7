import Foundation

/// A renovation project has a new or corrected progress update (`properties`). Carries the update's
/// figures and where the project stands after it, so followers (analytics, investor updates) need
/// no call back.
public struct RenovationProgressUpdated: DomainEvent, Equatable {
    public static let eventType = "renovation.progress_updated"
    public var progressUpdateId: UUID
    public var projectId: UUID
    public var propertyId: UUID
    public var sponsorId: UUID
    /// `YYYY-MM-DD`.
    public var updateDate: String
    public var completionPercentage: Int?
    public var unitsCompleted: Int?
    public var spentToDate: Money?
    /// The project's completion after this update: the latest update's that states one.
    public var projectCompletionPercentage: Int
    public var projectStatus: String

    public init(
        progressUpdateId: UUID, projectId: UUID, propertyId: UUID, sponsorId: UUID, updateDate: String,
        completionPercentage: Int?, unitsCompleted: Int?, spentToDate: Money?, projectCompletionPercentage: Int,
        projectStatus: String
    ) {
        self.progressUpdateId = progressUpdateId
        self.projectId = projectId
        self.propertyId = propertyId
        self.sponsorId = sponsorId
        self.updateDate = updateDate
        self.completionPercentage = completionPercentage
        self.unitsCompleted = unitsCompleted
        self.spentToDate = spentToDate
        self.projectCompletionPercentage = projectCompletionPercentage
        self.projectStatus = projectStatus
    }
}

/// Renovation spend a sponsor took back (`properties`): one progress update deleted, or, with no
/// `progressUpdateId`, a whole project deleted with its updates. Followers that add up spend
/// (investments' substantial-improvement tracker, issue 21) drop what it reported; a withdrawal
/// is final, so an update delivered after it does not bring the spend back.
public struct RenovationSpendWithdrawn: DomainEvent, Equatable {
    public static let eventType = "renovation.spend_withdrawn"
    public var projectId: UUID
    public var propertyId: UUID
    public var sponsorId: UUID
    /// The deleted update; nil when the whole project was deleted.
    public var progressUpdateId: UUID?

    public init(projectId: UUID, propertyId: UUID, sponsorId: UUID, progressUpdateId: UUID?) {
        self.projectId = projectId
        self.propertyId = propertyId
        self.sponsorId = sponsorId
        self.progressUpdateId = progressUpdateId
    }
}
