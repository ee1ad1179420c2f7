import Foundation
import Models
import ServiceKit

/// A floor plan of a property (seed 001 §2.3 `properties.floor_plans`): the layout its units are
/// built to, with its rents and how many units of it there are. Pure.
struct FloorPlanFields: PartFields {
    var name: String
    var unitType: String?
    var bedrooms: Int?
    var bathrooms: Double?
    var sqftMin: Int?
    var sqftMax: Int?
    var baseRent: Money?
    var marketRent: Money?
    var totalUnits: Int?
    var availableUnits: Int?
    var floorPlanImageUrl: String?
    var floorPlanModelUrl: String?
    var virtualTourUrl: String?
    var features: JSONValue?
    var appliances: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, unitType, bedrooms, bathrooms, sqftMin, sqftMax, baseRent, marketRent, totalUnits, availableUnits
        case floorPlanImageUrl, floorPlanModelUrl, virtualTourUrl, features, appliances
    }
    typealias Keys = CodingKeys

    static let required: Set = ["name", "available_units", "features", "appliances"]
    /// Seed 001: 'studio', '1br' … '4br'; larger homes exist in the catalogue.
    static let unitTypes: Set = ["studio", "1br", "2br", "3br", "4br", "5br"]

    func withDefaults() -> FloorPlanFields {
        var fields = self
        fields.availableUnits = fields.availableUnits ?? 0
        fields.features = fields.features ?? .object([:])
        fields.appliances = fields.appliances ?? []
        return fields
    }

    func problems(currentYear: Int) -> [ProblemDetails.FieldError] {
        var errors = FieldErrors()
        errors.text("name", self.name, max: 100, required: true)
        errors.oneOf("unit_type", self.unitType, Self.unitTypes)
        errors.range("bedrooms", self.bedrooms, 0...20)
        errors.halves("bathrooms", self.bathrooms, 0...20)
        errors.range("sqft_min", self.sqftMin, 1...1_000_000)
        errors.range("sqft_max", self.sqftMax, 1...1_000_000)
        if let low = self.sqftMin, let high = self.sqftMax, low > high { errors.add("sqft_min", "must not be more than sqft_max") }
        errors.money("base_rent", self.baseRent)
        errors.money("market_rent", self.marketRent)
        errors.range("total_units", self.totalUnits, 0...100_000)
        errors.range("available_units", self.availableUnits, 0...100_000)
        if let available = self.availableUnits, let total = self.totalUnits, available > total {
            errors.add("available_units", "must not be more than total_units")
        }
        errors.url("floor_plan_image_url", self.floorPlanImageUrl)
        errors.url("floor_plan_model_url", self.floorPlanModelUrl)
        errors.url("virtual_tour_url", self.virtualTourUrl)
        errors.json("features", self.features, array: false)
        errors.list("appliances", self.appliances)
        return errors.all
    }
}
