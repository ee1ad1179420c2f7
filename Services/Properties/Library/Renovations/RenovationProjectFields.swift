import Foundation
import Models
import ServiceKit

/// A renovation project on a property (seed 001 §2.6 `renovations.projects`): its timeline,
/// budget, scope and the returns it promises. `completion_percentage` is not written here: it
/// follows the project's latest progress update (`RenovationProgressUpdates`). Pure.
struct RenovationProjectFields: PartFields {
    var projectName: String
    var projectType: String?
    var plannedStartDate: String?
    var actualStartDate: String?
    var plannedEndDate: String?
    var actualEndDate: String?
    var estimatedCost: Money?
    var approvedBudget: Money?
    var actualCost: Money?
    var scopeDescription: String?
    var unitsAffected: Int?
    var commonAreasAffected: [String]?
    var status: String?
    var projectedNoiIncrease: Money?
    var projectedRentIncrease: Money?
    var actualNoiIncrease: Money?
    var actualRentIncrease: Money?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case projectName, projectType, plannedStartDate, actualStartDate, plannedEndDate, actualEndDate
        case estimatedCost, approvedBudget, actualCost, scopeDescription, unitsAffected, commonAreasAffected, status
        case projectedNoiIncrease, projectedRentIncrease, actualNoiIncrease, actualRentIncrease
    }
    typealias Keys = CodingKeys

    static let required: Set = ["project_name", "common_areas_affected", "status"]
    static let projectTypes: Set = ["value_add", "maintenance", "capital_improvement"]
    static let statuses: Set = ["planning", "approved", "in_progress", "completed"]

    func withDefaults() -> RenovationProjectFields {
        var fields = self
        fields.commonAreasAffected = fields.commonAreasAffected ?? []
        fields.status = fields.status ?? "planning"
        return fields
    }

    func problems(currentYear: Int) -> [ProblemDetails.FieldError] {
        var errors = FieldErrors()
        errors.text("project_name", self.projectName, max: 255, required: true)
        errors.oneOf("project_type", self.projectType, Self.projectTypes)
        errors.date("planned_start_date", self.plannedStartDate)
        errors.date("planned_end_date", self.plannedEndDate)
        errors.ordered("planned_end_date", self.plannedEndDate, notBefore: "planned_start_date", self.plannedStartDate)
        errors.date("actual_start_date", self.actualStartDate)
        errors.date("actual_end_date", self.actualEndDate)
        errors.ordered("actual_end_date", self.actualEndDate, notBefore: "actual_start_date", self.actualStartDate)
        if self.actualEndDate != nil, self.actualStartDate == nil { errors.add("actual_end_date", "needs actual_start_date") }
        errors.money("estimated_cost", self.estimatedCost)
        errors.money("approved_budget", self.approvedBudget)
        errors.money("actual_cost", self.actualCost)
        errors.text("scope_description", self.scopeDescription, max: 20_000, multiline: true)
        errors.range("units_affected", self.unitsAffected, 0...100_000)
        errors.list("common_areas_affected", self.commonAreasAffected)
        errors.oneOf("status", self.status, Self.statuses)
        return errors.all
    }
}
