import Foundation
import Models
import ServiceKit

/// A market a property sits in (seed 001 §2.8 `market.market_areas`): demographics and housing
/// figures from a named source as of a date. Pure.
struct MarketAreaFields: PartFields {
    var marketName: String
    var state: String?
    var metroArea: String?
    var population: Int?
    var populationGrowthRate: Double?
    var medianHouseholdIncome: Money?
    var unemploymentRate: Double?
    var medianHomePrice: Money?
    var medianRent: Money?
    var vacancyRate: Double?
    var dataDate: String?
    var dataSource: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case marketName, state, metroArea, population, populationGrowthRate, medianHouseholdIncome, unemploymentRate
        case medianHomePrice, medianRent, vacancyRate, dataDate, dataSource
    }
    typealias Keys = CodingKeys

    static let required: Set = ["market_name"]

    func problems(currentYear: Int) -> [ProblemDetails.FieldError] {
        var errors = FieldErrors()
        errors.text("market_name", self.marketName, max: 100, required: true)
        if let state = self.state, state.count != 2 || !TractGEOID.stateCodes.contains(state) {
            errors.add("state", "must be a two-letter USPS code of a state, DC or territory, in capitals (e.g. AL)")
        }
        errors.text("metro_area", self.metroArea, max: 100)
        errors.range("population", self.population, 0...2_000_000_000)
        errors.percent("population_growth_rate", self.populationGrowthRate, -100...100)
        errors.money("median_household_income", self.medianHouseholdIncome)
        errors.percent("unemployment_rate", self.unemploymentRate, 0...100)
        errors.money("median_home_price", self.medianHomePrice)
        errors.money("median_rent", self.medianRent)
        errors.percent("vacancy_rate", self.vacancyRate, 0...100)
        errors.date("data_date", self.dataDate)
        errors.text("data_source", self.dataSource, max: 50)
        return errors.all
    }
}
