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
