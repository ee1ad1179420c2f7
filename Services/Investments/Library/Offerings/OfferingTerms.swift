import Foundation
import Models
import ServiceKit

/// The body of `POST /v1/offerings`: the property and any of the terms a change may carry; terms
/// left out are taken from the property's listing.
struct NewOffering: Decodable, Sendable {
    var propertyId: UUID
    var terms: OfferingChange

    enum CodingKeys: String, CodingKey { case propertyId }

    init(from decoder: any Decoder) throws {
        self.propertyId = try decoder.container(keyedBy: CodingKeys.self).decode(UUID.self, forKey: .propertyId)
        self.terms = try OfferingChange(from: decoder)
    }
}

/// The body of `PATCH /v1/offerings/{id}`: any of these, merged over the stored terms.
struct OfferingChange: Codable, Sendable {
    var name: String?
    var status: String?
    var openDate: CalendarDate?
    var closeDate: CalendarDate?
    var minimumInvestment: Money?
    var maximumInvestment: Money?
    var targetRaise: Money?
    var shareClasses: [String]?
    var requiresAccreditation: Bool?
}

/// An offering's terms, complete, checked as a whole (pure; the table's CHECKs say the same).
struct OfferingTerms: Sendable, Equatable {
    var name: String
    var status: String
    var openDate: CalendarDate?
    var closeDate: CalendarDate?
    var minimumInvestment: Money?
    var maximumInvestment: Money?
    var targetRaise: Money?
    var shareClasses: [String]
    var requiresAccreditation: Bool

    static let statuses: Set = ["draft", "open", "closed", "cancelled"]
    static let shareClassNames: Set = ["common", "preferred", "class_a", "class_b"]

    /// Every invalid field at once; `amountRaised` is what is already committed (0 for a new one).
    func problems(amountRaised: Money = .zero) -> FieldErrors {
        var errors = FieldErrors()
        if self.name.trimmingCharacters(in: .whitespaces).isEmpty || self.name.count > 255 {
            errors.add("name", "must be 1–255 characters")
        }
        if !Self.statuses.contains(self.status) { errors.add("status", "must be one of draft, open, closed, cancelled") }
        if let open = self.openDate, let close = self.closeDate, close < open {
            errors.add("close_date", "must not be before open_date")
        }
        switch self.minimumInvestment {
        case nil: errors.add("minimum_investment", "is required (the listing has none)")
        case let minimum? where minimum <= .zero: errors.add("minimum_investment", "must be more than 0")
        default: break
        }
        if let maximum = self.maximumInvestment, let minimum = self.minimumInvestment, maximum < minimum {
            errors.add("maximum_investment", "must be at least minimum_investment")
        }
        switch self.targetRaise {
        case nil: errors.add("target_raise", "is required (the listing has none)")
        case let target?:
            if let minimum = self.minimumInvestment, target < minimum { errors.add("target_raise", "must be at least minimum_investment") }
            if target < amountRaised { errors.add("target_raise", "must not be below the \(amountRaised) already committed") }
        }
        if self.shareClasses.isEmpty || self.shareClasses.count > 10 || !self.shareClasses.allSatisfy(Self.shareClassNames.contains) {
            errors.add("share_classes", "must be 1–10 of common, preferred, class_a, class_b")
        }
        return errors
    }
}
