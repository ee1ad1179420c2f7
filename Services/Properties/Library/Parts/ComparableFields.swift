import Foundation
import Models
import ServiceKit

/// A comparable property near a listing (seed 001 §2.3 `properties.comparable_properties`): what
/// the market charges nearby, the evidence behind a listing's rents. Pure.
struct ComparableFields: PartFields {
    var compName: String
    var compAddress: String?
    var distanceMiles: Double?
    var totalUnits: Int?
    var yearBuilt: Int?
    var propertyClass: String?
    var occupancyRate: Double?
    var averageRent: Money?
    var rentPerSqft: Double?
    var dataSource: String?
    var lastUpdated: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case compName, compAddress, distanceMiles, totalUnits, yearBuilt, propertyClass, occupancyRate, averageRent
        case rentPerSqft, dataSource, lastUpdated
    }
    typealias Keys = CodingKeys

    static let required: Set = ["comp_name"]
    static let dataSources: Set = ["costar", "reis", "manual"]

    func problems(currentYear: Int) -> [ProblemDetails.FieldError] {
        var errors = FieldErrors()
        errors.text("comp_name", self.compName, max: 255, required: true)
        errors.text("comp_address", self.compAddress, max: 500)
        if let miles = self.distanceMiles, !(0...999.99).contains(miles) || !miles.hasAtMost(decimals: 2) {
            errors.add("distance_miles", "must be from 0 to 999.99 with at most two decimals")
        }
        errors.range("total_units", self.totalUnits, 1...100_000)
        errors.range("year_built", self.yearBuilt, 1700...(currentYear + 5))
        errors.oneOf("property_class", self.propertyClass, PropertyFields.classes)
        errors.percent("occupancy_rate", self.occupancyRate, 0...100)
        errors.money("average_rent", self.averageRent)
        if let rate = self.rentPerSqft, !(0..<1_000_000).contains(rate) || !rate.hasAtMost(decimals: 4) {
            errors.add("rent_per_sqft", "must be 0 or more with at most four decimals")
        }
        errors.oneOf("data_source", self.dataSource, Self.dataSources)
        errors.date("last_updated", self.lastUpdated)
        return errors.all
    }
}
