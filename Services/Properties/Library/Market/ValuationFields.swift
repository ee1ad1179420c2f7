import Foundation
import Models
import ServiceKit

/// A valuation of a property (seed 001 §2.8 `market.property_valuations`): an appraisal, broker
/// opinion, model or internal mark as of a date, with how it was reached. Pure.
struct ValuationFields: PartFields {
    var valuationDate: String
    var valuationType: String?
    var valuationAmount: Money?
    var valuationMethod: String?
    var capRateUsed: Double?
    var noiUsed: Money?
    var comparableSales: JSONValue?
    var appraiserName: String?
    var appraiserLicense: String?
    var reportUrl: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case valuationDate, valuationType, valuationAmount, valuationMethod, capRateUsed, noiUsed, comparableSales
        case appraiserName, appraiserLicense, reportUrl
    }
    typealias Keys = CodingKeys

    static let required: Set = ["valuation_date", "comparable_sales"]
    static let types: Set = ["appraisal", "bpo", "automated", "internal"]
    static let methods: Set = ["income", "sales_comp", "cost"]

    func withDefaults() -> ValuationFields {
        var fields = self
        fields.comparableSales = fields.comparableSales ?? .array([])
        return fields
    }

    func problems(currentYear: Int) -> [ProblemDetails.FieldError] {
        var errors = FieldErrors()
        errors.date("valuation_date", self.valuationDate)
        errors.oneOf("valuation_type", self.valuationType, Self.types)
        errors.money("valuation_amount", self.valuationAmount)
        errors.oneOf("valuation_method", self.valuationMethod, Self.methods)
        errors.percent("cap_rate_used", self.capRateUsed, 0...100)
        errors.json("comparable_sales", self.comparableSales, array: true)
        errors.text("appraiser_name", self.appraiserName, max: 255)
        errors.text("appraiser_license", self.appraiserLicense, max: 100)
        errors.url("report_url", self.reportUrl)
        return errors.all
    }
}
