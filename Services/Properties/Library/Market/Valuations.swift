import Foundation
import Models
import ServiceKit

/// `/v1/properties/{id}/valuations`: `properties.property_valuations`, newest valuation date first.
enum Valuations: PropertyPart {
    typealias Fields = ValuationFields
    static let table = "properties.property_valuations"
    static let noun = "valuation"
    static let amounts = ["valuation_amount", "noi_used"]
    static let order = Keyset(Self.table, key: "x.valuation_date", type: "date", descending: true)
    static var filters: [String] { ["valuation_type"] }
}
