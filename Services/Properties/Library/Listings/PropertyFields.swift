import Foundation
import Models
import ServiceKit

/// What a sponsor writes about a property (seed 001 §2.3): the body of `POST /v1/properties` and,
/// merged over the stored values, of `PATCH`. Derived and owned fields (id, slug, OZ status,
/// amounts raised, owner, timestamps) are not here, so a client cannot set them.
struct PropertyFields: Codable, Sendable, Equatable {
    var propertyName: String
    var propertyType: String?
    var addressLine1: String
    var addressLine2: String?
    var city: String
    var state: String
    var zipCode: String
    var latitude: Double?
    var longitude: Double?
    /// A 2010 census tract the sponsor already knows; otherwise found from the coordinates when
    /// tract boundaries are loaded.
    var ozTractGeoid: String?
    var yearBuilt: Int?
    var lastRenovated: Int?
    var totalUnits: Int
    var totalBuildings: Int?
    var totalSqft: Int?
    var lotSizeAcres: Double?
    var parkingSpaces: Int?
    var propertyClass: String?
    var propertySubtype: String?
    var purchasePrice: Money?
    var purchaseDate: String?
    var currentValuation: Money?
    var valuationDate: String?
    var targetIrr: Double?
    var targetCashOnCash: Double?
    var status: PropertyStatus?
    var acquisitionStatus: String?
    var occupancyRate: Double?
    var visibility: PropertyVisibility?
    var managementCompany: String?
    var propertyManagerName: String?
    var propertyManagerPhone: String?
    var propertyManagerEmail: String?
    var investmentOpen: Bool?
    var minimumInvestment: Money?
    var maximumInvestment: Money?
    var targetRaise: Money?
    var amenities: [String]?
    var features: JSONValue?
    var utilitiesIncluded: [String]?
    var petPolicy: String?
    var marketName: String?
    var submarketName: String?
    var walkScore: Int?
    var transitScore: Int?
    var bikeScore: Int?
    var description: String?
    var investmentThesis: String?
    var executiveSummary: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case propertyName, propertyType, addressLine1, addressLine2, city, state, zipCode, latitude, longitude
        case ozTractGeoid, yearBuilt, lastRenovated, totalUnits, totalBuildings, totalSqft, lotSizeAcres
        case parkingSpaces, propertyClass, propertySubtype, purchasePrice, purchaseDate, currentValuation
        case valuationDate, targetIrr, targetCashOnCash, status, acquisitionStatus, occupancyRate, visibility
        case managementCompany, propertyManagerName, propertyManagerPhone, propertyManagerEmail
        case investmentOpen, minimumInvestment, maximumInvestment, targetRaise, amenities, features
        case utilitiesIncluded, petPolicy, marketName, submarketName, walkScore, transitScore, bikeScore
        case description, investmentThesis, executiveSummary
    }

    /// Every writable column (the JSON key, `addressLine1` → `address_line1`), in one order, for
    /// the INSERT and UPDATE statements.
    static let columns: [String] = CodingKeys.allCases.map { snakeCase($0.rawValue) }
}

extension PropertyFields {
    static let propertyTypes = Set(PropertyType.allCases.map(\.rawValue))
    static let propertySubtypes: Set = ["garden", "mid_rise", "high_rise", "townhome", "single_family", "other"]
    static let acquisitionStatuses: Set = ["evaluating", "under_contract", "owned"]
    static let classes: Set = ["A", "B", "C", "D"]

    /// Every invalid field at once, so a form can mark them together. The same rules are CHECK
    /// constraints in 0003_properties.sql; these give the messages.
    func problems(currentYear: Int) -> [ProblemDetails.FieldError] {
        var errors = FieldErrors()
        errors.text("property_name", self.propertyName, max: 255, required: true)
        errors.oneOf("property_type", self.propertyType, Self.propertyTypes)
        errors.text("address_line1", self.addressLine1, max: 255, required: true)
        errors.text("address_line2", self.addressLine2, max: 255)
        errors.text("city", self.city, max: 100, required: true)
        if self.state.count != 2 || TractGEOID.stateCodes.contains(self.state) == false {
            errors.add("state", "must be a two-letter USPS code of a state, DC or territory, in capitals (e.g. AL)")
        }
        if self.zipCode.wholeMatch(of: /[0-9]{5}(-[0-9]{4})?/) == nil {
            errors.add("zip_code", "must be a ZIP code such as 36067 or 36067-1234")
        }
        switch (self.latitude, self.longitude) {
        case (nil, nil): break
        case (let lat?, let lng?):
            if !(-90...90).contains(lat) { errors.add("latitude", "must be between -90 and 90") }
            if !(-180...180).contains(lng) { errors.add("longitude", "must be between -180 and 180") }
        case (nil, _): errors.add("latitude", "is required with longitude")
        case (_, nil): errors.add("longitude", "is required with latitude")
        }
        if let tract = self.ozTractGeoid, TractGEOID(tract) == nil {
            errors.add("oz_tract_geoid", "must be an 11-digit 2010 census tract GEOID")
        }
        let years = 1700...(currentYear + 5)
        if let built = self.yearBuilt, !years.contains(built) {
            errors.add("year_built", "must be a year from 1700 to \(currentYear + 5)")
        }
        if let renovated = self.lastRenovated {
            if !years.contains(renovated) {
                errors.add("last_renovated", "must be a year from 1700 to \(currentYear + 5)")
            } else if let built = self.yearBuilt, renovated < built {
                errors.add("last_renovated", "must not be before year_built")
            }
        }
        errors.range("total_units", self.totalUnits, 1...100_000)
        errors.range("total_buildings", self.totalBuildings, 1...10_000)
        errors.range("total_sqft", self.totalSqft, 1...100_000_000)
        if let acres = self.lotSizeAcres, !(acres > 0 && acres < 1_000_000) { errors.add("lot_size_acres", "must be more than 0") }
        errors.range("parking_spaces", self.parkingSpaces, 0...1_000_000)
        errors.oneOf("property_class", self.propertyClass, Self.classes)
        errors.oneOf("property_subtype", self.propertySubtype, Self.propertySubtypes)
        errors.amount("purchase_price", self.purchasePrice, allowsZero: true)
        errors.date("purchase_date", self.purchaseDate)
        errors.amount("current_valuation", self.currentValuation, allowsZero: true)
        errors.date("valuation_date", self.valuationDate)
        errors.percent("target_irr", self.targetIrr, -100...100)
        errors.percent("target_cash_on_cash", self.targetCashOnCash, -100...100)
        errors.oneOf("acquisition_status", self.acquisitionStatus, Self.acquisitionStatuses)
        errors.percent("occupancy_rate", self.occupancyRate, 0...100)
        errors.text("management_company", self.managementCompany, max: 255)
        errors.text("property_manager_name", self.propertyManagerName, max: 255)
        errors.text("property_manager_phone", self.propertyManagerPhone, max: 20)
        if let email = self.propertyManagerEmail, email.count > 255 || email.wholeMatch(of: /[^@\s]+@[^@\s]+\.[^@\s]+/) == nil {
            errors.add("property_manager_email", "must be an email address")
        }
        errors.amount("minimum_investment", self.minimumInvestment)
        errors.amount("maximum_investment", self.maximumInvestment)
        errors.amount("target_raise", self.targetRaise)
        if let minimum = self.minimumInvestment, let maximum = self.maximumInvestment, minimum > maximum {
            errors.add("minimum_investment", "must not be more than maximum_investment")
        }
        if let maximum = self.maximumInvestment, let target = self.targetRaise, maximum > target {
            errors.add("maximum_investment", "must not be more than target_raise")
        }
        if self.investmentOpen == true, self.minimumInvestment == nil || self.targetRaise == nil {
            errors.add("investment_open", "needs minimum_investment and target_raise before investment opens")
        }
        errors.list("amenities", self.amenities)
        errors.list("utilities_included", self.utilitiesIncluded)
        if let features = self.features {
            if case .object(let fields) = features {
                if fields.count > 100 { errors.add("features", "has more than 100 entries") }
            } else {
                errors.add("features", "must be an object")
            }
        }
        errors.text("pet_policy", self.petPolicy, max: 255)
        errors.text("market_name", self.marketName, max: 100)
        errors.text("submarket_name", self.submarketName, max: 100)
        errors.range("walk_score", self.walkScore, 0...100)
        errors.range("transit_score", self.transitScore, 0...100)
        errors.range("bike_score", self.bikeScore, 0...100)
        errors.text("description", self.description, max: 20_000, multiline: true)
        errors.text("investment_thesis", self.investmentThesis, max: 20_000, multiline: true)
        errors.text("executive_summary", self.executiveSummary, max: 5_000, multiline: true)
        return errors.all
    }
}
