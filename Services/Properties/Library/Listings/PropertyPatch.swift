import Foundation
import Models
import ServiceKit

/// `PATCH /v1/properties/{id}`: the keys sent replace the stored values (`null` clears one); the
/// result is validated as a whole, so rules across fields (minimum ≤ maximum) hold whichever of
/// them the patch touched. Pure: merge and validation need no database.
struct PropertyPatch: Sendable {
    let patch: JSONValue

    /// Columns that always have a value; `null` is refused rather than quietly defaulted.
    static let required: Set = [
        "property_name", "address_line1", "city", "state", "zip_code", "total_units", "total_buildings", "status",
        "visibility", "investment_open", "amenities", "features", "utilities_included",
    ]

    /// The keys are checked at once (the kit's `BodyFields`), before the stored listing is read.
    init(body: JSONValue) throws {
        try BodyFields(body, allowed: Set(PropertyFields.columns), required: Self.required).check()
        self.patch = body
    }

    /// The stored fields with the changes applied (the kit's `BodyFields.merging`), validated, with
    /// the status move checked.
    func apply(to property: Property, currentYear: Int) throws -> PropertyFields {
        var merged = try BodyFields.merging(self.patch, over: try JSONValue(encoding: property.fields), writable: PropertyFields.columns)
        // Moving the point moves the tract unless the sponsor names it: let it be found again.
        if case .object(let changes) = self.patch, changes["latitude"] != nil || changes["longitude"] != nil, changes["oz_tract_geoid"] == nil,
            case .object(var object) = merged
        {
            object["oz_tract_geoid"] = nil
            merged = .object(object)
        }
        let fields = try BodyFields(merged, allowed: Set(PropertyFields.columns), required: Self.required).decode(PropertyFields.self)
        var errors = FieldErrors()
        errors.add(contentsOf: fields.problems(currentYear: currentYear))
        let from = property.status
        let to = fields.status ?? from
        if !from.canMove(to: to) {
            let allowed = from.next.map(\.rawValue).sorted()
            errors.add(
                "status",
                "cannot move from \(from.rawValue) to \(to.rawValue)"
                    + (allowed.isEmpty ? "; \(from.rawValue) is final" : "; next can be: \(allowed.joined(separator: ", "))")
            )
        }
        try errors.check()
        return fields
    }
}

extension PropertyFields {
    /// What a new listing starts with where the sponsor said nothing.
    func withDefaults() -> PropertyFields {
        var fields = self
        fields.status = fields.status ?? .prospect
        fields.visibility = fields.visibility ?? .private
        fields.investmentOpen = fields.investmentOpen ?? false
        fields.totalBuildings = fields.totalBuildings ?? 1
        fields.amenities = fields.amenities ?? []
        fields.features = fields.features ?? .object([:])
        fields.utilitiesIncluded = fields.utilitiesIncluded ?? []
        return fields
    }
}
