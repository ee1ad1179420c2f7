import Foundation
import Models
import ServiceKit

/// `/v1/market-areas`: `properties.market_areas`, by name. Market data belongs to no property:
/// signed-in users read it, admins keep it. One live area per name and state (409).
enum MarketAreas: PropertyPart {
    typealias Fields = MarketAreaFields
    static let table = "properties.market_areas"
    static let noun = "market area"
    static let amounts = ["median_household_income", "median_home_price", "median_rent"]
    static let order = Keyset(Self.table, key: "lower(x.market_name) || ' ' || coalesce(x.state, '')", type: "text", descending: false)
    static let parents = PartParents.marketData
    static var filters: [String] { ["state", "metro_area"] }

    static func conflict(index: String) -> String? {
        index == "market_areas_name" ? "A market area with this market_name and state already exists." : nil
    }
}
