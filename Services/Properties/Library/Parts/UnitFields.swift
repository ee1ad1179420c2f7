import Foundation
import Models
import ServiceKit

/// A unit of a property (seed 001 §2.3 `properties.units`), with the floor plan it is built to.
/// Pure.
struct UnitFields: PartFields {
    var unitNumber: String
    var floorPlanId: UUID?
    var buildingNumber: String?
    var floor: Int?
    var unitType: String?
    var bedrooms: Int?
    var bathrooms: Double?
    var sqft: Int?
    var currentRent: Money?
    var marketRent: Money?
    var lastRentIncrease: String?
    var occupancyStatus: String?
    var leaseStartDate: String?
    var leaseEndDate: String?
    var moveInDate: String?
    var noticeDate: String?
    var conditionRating: Int?
    var lastInspectionDate: String?
    var renovationStatus: String?
    var renovationCompletedDate: String?
    var appliances: [String]?
    var flooringType: String?
    var hasBalcony: Bool?
    var hasPatio: Bool?
    var viewType: String?
    var notes: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case unitNumber, floorPlanId, buildingNumber, floor, unitType, bedrooms, bathrooms, sqft, currentRent
        case marketRent, lastRentIncrease, occupancyStatus, leaseStartDate, leaseEndDate, moveInDate, noticeDate
        case conditionRating, lastInspectionDate, renovationStatus, renovationCompletedDate, appliances
        case flooringType, hasBalcony, hasPatio, viewType, notes
    }
    typealias Keys = CodingKeys

    static let required: Set = ["unit_number", "appliances", "has_balcony", "has_patio"]
    static let occupancyStatuses: Set = ["occupied", "vacant", "notice", "renovation"]
    static let renovationStatuses: Set = ["classic", "renovated", "in_progress"]

    func withDefaults() -> UnitFields {
        var fields = self
        fields.appliances = fields.appliances ?? []
        fields.hasBalcony = fields.hasBalcony ?? false
        fields.hasPatio = fields.hasPatio ?? false
        return fields
    }

    func problems(currentYear: Int) -> [ProblemDetails.FieldError] {
        var errors = FieldErrors()
        errors.text("unit_number", self.unitNumber, max: 20, required: true)
        errors.text("building_number", self.buildingNumber, max: 20)
        errors.range("floor", self.floor, -5...200)
        errors.oneOf("unit_type", self.unitType, FloorPlanFields.unitTypes)
        errors.range("bedrooms", self.bedrooms, 0...20)
        errors.halves("bathrooms", self.bathrooms, 0...20)
        errors.range("sqft", self.sqft, 1...1_000_000)
        errors.money("current_rent", self.currentRent)
        errors.money("market_rent", self.marketRent)
        errors.date("last_rent_increase", self.lastRentIncrease)
        errors.oneOf("occupancy_status", self.occupancyStatus, Self.occupancyStatuses)
        errors.date("lease_start_date", self.leaseStartDate)
        errors.date("lease_end_date", self.leaseEndDate)
        errors.ordered("lease_end_date", self.leaseEndDate, notBefore: "lease_start_date", self.leaseStartDate)
        errors.date("move_in_date", self.moveInDate)
        errors.date("notice_date", self.noticeDate)
        errors.range("condition_rating", self.conditionRating, 1...5)
        errors.date("last_inspection_date", self.lastInspectionDate)
        errors.oneOf("renovation_status", self.renovationStatus, Self.renovationStatuses)
        errors.date("renovation_completed_date", self.renovationCompletedDate)
        errors.list("appliances", self.appliances)
        errors.text("flooring_type", self.flooringType, max: 50)
        errors.text("view_type", self.viewType, max: 50)
        errors.text("notes", self.notes, max: 5_000, multiline: true)
        return errors.all
    }
}
