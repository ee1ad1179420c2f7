import Foundation
import Models
import ServiceKit

/// A dated report on a renovation project (seed 001 §2.6 `renovations.progress_updates`): how far
/// it has come, what it has cost so far, what went wrong, photos. Pure.
struct ProgressUpdateFields: PartFields {
    var updateDate: String
    var completionPercentage: Int?
    var unitsCompleted: Int?
    var spentToDate: Money?
    var issuesEncountered: String?
    var changeOrders: JSONValue?
    var photoUrls: [String]?
    var videoUrl: String?
    var contractorNotes: String?
    var managerNotes: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case updateDate, completionPercentage, unitsCompleted, spentToDate, issuesEncountered, changeOrders, photoUrls
        case videoUrl, contractorNotes, managerNotes
    }
    typealias Keys = CodingKeys

    static let required: Set = ["update_date", "change_orders", "photo_urls"]

    func withDefaults() -> ProgressUpdateFields {
        var fields = self
        fields.changeOrders = fields.changeOrders ?? .array([])
        fields.photoUrls = fields.photoUrls ?? []
        return fields
    }

    func problems(currentYear: Int) -> [ProblemDetails.FieldError] {
        var errors = FieldErrors()
        errors.date("update_date", self.updateDate)
        errors.range("completion_percentage", self.completionPercentage, 0...100)
        errors.range("units_completed", self.unitsCompleted, 0...100_000)
        errors.money("spent_to_date", self.spentToDate)
        errors.text("issues_encountered", self.issuesEncountered, max: 20_000, multiline: true)
        errors.json("change_orders", self.changeOrders, array: true)
        if let photos = self.photoUrls {
            if photos.count > 100 { errors.add("photo_urls", "has more than 100 entries") }
            for (index, photo) in photos.enumerated() { errors.url("photo_urls[\(index)]", photo) }
        }
        errors.url("video_url", self.videoUrl)
        errors.text("contractor_notes", self.contractorNotes, max: 20_000, multiline: true)
        errors.text("manager_notes", self.managerNotes, max: 20_000, multiline: true)
        return errors.all
    }
}
