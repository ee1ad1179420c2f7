import Foundation
import Models
import ServiceKit

/// `/v1/properties/{id}/comparables`: `properties.comparable_properties`, nearest first (then
/// those without a distance, in the order they were added).
enum Comparables: PropertyPart {
    typealias Fields = ComparableFields
    static let table = "properties.comparable_properties"
    static let noun = "comparable property"
    static let amounts = ["average_rent"]
    // Text order must be number order: zero-padded to numeric(5,2)'s width, missing ones last.
    static let order = Keyset(Self.table, key: "coalesce(to_char(x.distance_miles, 'FM000.00'), 'z')", type: "text", descending: false)
    static var filters: [String] { ["data_source", "property_class"] }
}
