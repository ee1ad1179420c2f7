import Foundation
import Hummingbird
import Models
import ServiceKit

/// `GET /v1/properties`: what the query string asks for, checked (pure, unit-tested). Every
/// problem names its parameter.
struct PropertySearch: Sendable, Equatable {
    enum Sort: String, Sendable, CaseIterable {
        /// Newest listing first (ids are UUIDv7, so id order is creation order).
        case newest
        case oldest
        /// By name, A to Z.
        case name
        /// Nearest first; needs `near`.
        case distance
        /// Best match first among bounded candidates (the newest 500 word matches and the newest 100
        /// listings named within a typo of the query); needs `q`.
        case relevance
    }

    struct Point: Sendable, Equatable {
        var lat: Double
        var lng: Double
    }

    static let maximumQueryLength = 200
    static let maximumRadiusKm = 500.0
    static let defaultRadiusKm = 25.0

    var states: [String] = []
    var city: String?
    var types: [String] = []
    var classes: [String] = []
    var statuses: [PropertyStatus] = []
    var investmentOpen: Bool?
    var ozOnly = false
    var priceMin: Money?
    var priceMax: Money?
    var raiseMin: Money?
    var raiseMax: Money?
    var minUnits: Int?
    var query: String?
    var near: Point?
    var radiusKm = PropertySearch.defaultRadiusKm
    var sort: Sort = .newest
    /// `?limit=` and `?cursor=`, in the sort's order (the kit's pager).
    var page = PageRequest(order: Sort.newest.keyset())

    init() {}

    init(_ parameters: Parameters) throws {
        var errors = FieldErrors()
        func value(_ name: String) -> String? {
            parameters[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        }
        func list(_ name: String) -> [String] {
            value(name)?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } ?? []
        }
        func money(_ name: String) -> Money? {
            guard let text = value(name) else { return nil }
            guard let amount = Money(text), amount >= .zero else {
                errors.add(name, "must be an amount such as 250000 or 250000.00")
                return nil
            }
            return amount
        }
        func flag(_ name: String) -> Bool? {
            switch value(name) {
            case nil: return nil
            case "true": return true
            case "false": return false
            default:
                errors.add(name, "must be true or false")
                return nil
            }
        }

        self.states = list("state").map { $0.uppercased() }
        if let unknown = self.states.first(where: { !TractGEOID.stateCodes.contains($0) }) {
            errors.add("state", "\(unknown) is not a USPS state code")
        }
        self.city = value("city")
        if let city = self.city, city.count > 100 { errors.add("city", "must be at most 100 characters") }
        self.types = list("type")
        if let unknown = self.types.first(where: { !PropertyFields.propertyTypes.contains($0) }) {
            errors.add("type", "\(unknown) is not one of: \(PropertyFields.propertyTypes.sorted().joined(separator: ", "))")
        }
        self.classes = list("class").map { $0.uppercased() }
        if let unknown = self.classes.first(where: { !PropertyFields.classes.contains($0) }) {
            errors.add("class", "\(unknown) is not one of A, B, C, D")
        }
        for status in list("status") {
            if let known = PropertyStatus(rawValue: status) {
                self.statuses.append(known)
            } else {
                errors.add("status", "\(status) is not one of: \(PropertyStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        self.investmentOpen = flag("investment_open")
        self.ozOnly = flag("oz") ?? false
        self.priceMin = money("price_min")
        self.priceMax = money("price_max")
        self.raiseMin = money("raise_min")
        self.raiseMax = money("raise_max")
        if let low = self.priceMin, let high = self.priceMax, low > high { errors.add("price_min", "must not be more than price_max") }
        if let low = self.raiseMin, let high = self.raiseMax, low > high { errors.add("raise_min", "must not be more than raise_max") }
        if let text = value("min_units") {
            if let units = Int(text), units >= 1 { self.minUnits = units } else { errors.add("min_units", "must be a whole number of at least 1") }
        }
        self.query = value("q")?.trimmingCharacters(in: .whitespacesAndNewlines)
        if self.query?.isEmpty == true { self.query = nil }
        if let query = self.query, query.count > Self.maximumQueryLength {
            errors.add("q", "must be at most \(Self.maximumQueryLength) characters")
        }
        if let near = value("near") {
            let parts = near.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            if parts.count == 2, (-90...90).contains(parts[0]), (-180...180).contains(parts[1]) {
                self.near = Point(lat: parts[0], lng: parts[1])
            } else {
                errors.add("near", "must be latitude,longitude such as 32.46,-86.47")
            }
        }
        if let text = value("radius_km") {
            if let radius = Double(text), radius > 0, radius <= Self.maximumRadiusKm {
                self.radiusKm = radius
            } else {
                errors.add("radius_km", "must be a number of kilometres above 0 and at most \(Int(Self.maximumRadiusKm))")
            }
            if self.near == nil { errors.add("radius_km", "needs near") }
        }
        // Nearest first for a map search, else newest first — also with `q`, which filters: on a
        // catalogue where a common word matches a third of the listings, ranking every match costs
        // far more than finding the newest ones (docs/benchmarks.md); `sort=relevance` asks for it.
        let defaultSort: Sort = self.near != nil ? .distance : .newest
        if let text = value("sort") {
            if let sort = Sort(rawValue: text) {
                self.sort = sort
                if sort == .distance, self.near == nil { errors.add("sort", "distance needs near") }
                if sort == .relevance, self.query == nil { errors.add("sort", "relevance needs q") }
            } else {
                errors.add("sort", "must be one of: \(Sort.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        } else {
            self.sort = defaultSort
        }
        do {
            _ = try PageRequest.parseLimit(from: parameters)
        } catch let problem as Problem {
            errors.add("limit", problem.errors.first?.message ?? "is not valid")
        }
        try errors.check()
        self.page = try PageRequest(parameters, order: self.sort.keyset())
    }
}

extension PropertySearch.Sort {
    /// The sort's order for the kit's pager, over the listing row `x`: one `Keyset` per sort, the
    /// id as tie-break. Distance and relevance compare an expression of the request (`distance`,
    /// `rank`, with their bound values); a listing without a location sorts last.
    func keyset(distance: String = "0", rank: String = "0") -> Keyset {
        switch self {
        case .newest: Keyset(self.rawValue, key: "x.id", type: "uuid", descending: true)
        case .oldest: Keyset(self.rawValue, key: "x.id", type: "uuid", descending: false)
        case .name: Keyset(self.rawValue, key: "lower(x.property_name)", type: "text", descending: false)
        case .distance: Keyset(self.rawValue, key: "coalesce(\(distance), 'Infinity'::float8)", type: "float8", descending: false)
        case .relevance: Keyset(self.rawValue, key: "coalesce(\(rank), 0)::real", type: "real", descending: true)
        }
    }
}
