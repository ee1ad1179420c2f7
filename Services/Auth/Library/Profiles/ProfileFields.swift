import Foundation
import Hummingbird
import Models
import ServiceKit

/// What a user writes about themselves (seed 001 §2.2 `users.profiles`): the body of
/// `GET/PATCH /v1/auth/me/profile`. `timezone` is the account's own (`users.timezone`, also set by
/// `PATCH /v1/auth/me`); the name and avatar stay on the account and are not written here.
struct ProfileFields: Codable, Sendable, Equatable {
    var slug: String?
    var headline: String?
    var bio: String?
    var company: String?
    var position: String?
    var locationCity: String?
    var locationState: String?
    var locationCountry: String?
    var timezone: String
    var websiteUrl: String?
    var linkedinUrl: String?
    var propertyTypes: [String]?
    var markets: [String]?
    var checkSizeMin: Money?
    var checkSizeMax: Money?
    var riskTolerance: String?
    /// Field group → `private`, `signed_in` or `public`; a group left out is private.
    var visibility: [String: String]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case slug, headline, bio, company, position, locationCity, locationState, locationCountry, timezone, websiteUrl
        case linkedinUrl, propertyTypes, markets, checkSizeMin, checkSizeMax, riskTolerance, visibility
    }

    /// Every key a client may send, as it spells them.
    static let keys: [String] = CodingKeys.allCases.map { snakeCase($0.rawValue) }
    /// Keys that may not be `null`: the account always has a time zone, and the visibility map is
    /// changed level by level, not cleared.
    static let required: Set<String> = ["timezone", "visibility"]

    /// Absent keys are nulls in the document (`null` = not set), so a client reads one shape.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.slug, forKey: .slug)
        try container.encode(self.headline, forKey: .headline)
        try container.encode(self.bio, forKey: .bio)
        try container.encode(self.company, forKey: .company)
        try container.encode(self.position, forKey: .position)
        try container.encode(self.locationCity, forKey: .locationCity)
        try container.encode(self.locationState, forKey: .locationState)
        try container.encode(self.locationCountry, forKey: .locationCountry)
        try container.encode(self.timezone, forKey: .timezone)
        try container.encode(self.websiteUrl, forKey: .websiteUrl)
        try container.encode(self.linkedinUrl, forKey: .linkedinUrl)
        try container.encode(self.propertyTypes, forKey: .propertyTypes)
        try container.encode(self.markets, forKey: .markets)
        try container.encode(self.checkSizeMin, forKey: .checkSizeMin)
        try container.encode(self.checkSizeMax, forKey: .checkSizeMax)
        try container.encode(self.riskTolerance, forKey: .riskTolerance)
        try container.encode(self.visibility, forKey: .visibility)
    }
}

/// The signed-in user's own profile as `GET/PATCH /v1/auth/me/profile` answer it.
struct OwnProfile: Encodable, ResponseEncodable, Sendable {
    var userId: UUID
    var fields: ProfileFields
    var updatedAt: Date?

    enum CodingKeys: String, CodingKey {
        case userId, updatedAt
    }

    func encode(to encoder: any Encoder) throws {
        try self.fields.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.userId.uuidString.lowercased(), forKey: .userId)
        try container.encode(self.updatedAt, forKey: .updatedAt)
    }
}
