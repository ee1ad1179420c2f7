import Foundation
import Models
import ServiceKit

/// One unit's part in a renovation project (seed 001 §2.6 `renovations.unit_renovations`): the
/// unit (of the project's property), the work, its cost and the rent before and after. Pure.
struct UnitRenovationFields: PartFields {
    var unitId: UUID
    var renovationScope: [String]?
    var startDate: String?
    var endDate: String?
    var daysVacant: Int?
    var budgetedCost: Money?
    var actualCost: Money?
    var preRenovationRent: Money?
    var postRenovationRent: Money?
    var status: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case unitId, renovationScope, startDate, endDate, daysVacant, budgetedCost, actualCost, preRenovationRent
        case postRenovationRent, status
    }
    typealias Keys = CodingKeys

    static let required: Set = ["unit_id", "renovation_scope", "status"]
    static let statuses: Set = ["pending", "in_progress", "completed"]

    func withDefaults() -> UnitRenovationFields {
        var fields = self
        fields.renovationScope = fields.renovationScope ?? []
        fields.status = fields.status ?? "pending"
        return fields
    }

    func problems(currentYear: Int) -> [ProblemDetails.FieldError] {
        var errors = FieldErrors()
        errors.list("renovation_scope", self.renovationScope)
        errors.date("start_date", self.startDate)
        errors.date("end_date", self.endDate)
        errors.ordered("end_date", self.endDate, notBefore: "start_date", self.startDate)
        errors.range("days_vacant", self.daysVacant, 0...3_650)
        errors.money("budgeted_cost", self.budgetedCost)
        errors.money("actual_cost", self.actualCost)
        errors.money("pre_renovation_rent", self.preRenovationRent)
        errors.money("post_renovation_rent", self.postRenovationRent)
        errors.oneOf("status", self.status, Self.statuses)
        return errors.all
    }
}
