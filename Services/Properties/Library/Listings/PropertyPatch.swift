import Foundation
import Models
import ServiceKit

/// `PATCH /v1/properties/{id}`: the keys sent replace the stored values (`null` clears one); the
/// result is validated as a whole, so rules across fields (minimum ≤ maximum) hold whichever of
/// them the patch touched. Pure: merge and validation need no database.
struct PropertyPatch: Sendable {
    let changes: [String: JSONValue]

    /// Columns that always have a value; `null` is refused rather than quietly defaulted.
    static let required: Set = [
        "property_name", "address_line1", "city", "state", "zip_code", "total_units", "total_buildings", "status",
        "visibility", "investment_open", "amenities", "features", "utilities_included",
    ]

    init(body: JSONValue) throws {
        guard case .object(let changes) = body else { throw Problem.validation(field: "body", "must be a JSON object") }
        let writable = Set(PropertyFields.columns)
        var errors = FieldErrors()
        for (key, value) in changes.sorted(by: { $0.key < $1.key }) {
            if !writable.contains(key) {
                errors.add(key, "is not a field you can change")
            } else if value == .null, Self.required.contains(key) {
                errors.add(key, "must not be null")
            }
        }
        guard errors.all.isEmpty else { throw Problem.validation(errors.all) }
        self.changes = changes
    }

    /// The stored fields with the changes applied, validated, with the status move checked.
    func apply(to property: Property, currentYear: Int) throws -> PropertyFields {
        guard case .object(var merged) = try JSONValue(encoding: property.fields) else {
            throw Problem.badRequest("The stored property could not be read.")
        }
        for (key, value) in self.changes { merged[key] = value }
        // Moving the point moves the tract unless the sponsor names it: let it be found again.
        if self.changes["latitude"] != nil || self.changes["longitude"] != nil, self.changes["oz_tract_geoid"] == nil {
            merged["oz_tract_geoid"] = nil
        }
        let fields = try RequestJSON.decode(PropertyFields.self, from: .object(merged))
        var errors = fields.problems(currentYear: currentYear)
        let from = property.status, to = fields.status ?? from
        if !from.canMove(to: to) {
            let allowed = from.next.map(\.rawValue).sorted()
            errors.append(.init(
                field: "status",
                message: "cannot move from \(from.rawValue) to \(to.rawValue)"
                    + (allowed.isEmpty ? "; \(from.rawValue) is final" : "; next can be: \(allowed.joined(separator: ", "))")
            ))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
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
