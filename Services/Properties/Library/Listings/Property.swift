import Foundation
import Models
import ServiceKit

/// A property as stored and as the API shows it: what its sponsor wrote plus what the service
/// derives and owns. Read from `properties.property_document(p)`, which builds this JSON in SQL.
struct Property: Codable, Sendable, Equatable {
    var id: UUID
    var slug: String
    var fields: PropertyFields
    var inOz: Bool
    var amountRaised: Money
    var investorCount: Int
    var sponsorId: UUID
    var organizationId: String?
    var createdAt: Date
    var updatedAt: Date

    private enum CodingKeys: String, CodingKey {
        case id, slug, inOz, amountRaised, investorCount, sponsorId, organizationId, createdAt, updatedAt
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.id = try container.decode(UUID.self, forKey: .id)
        self.slug = try container.decode(String.self, forKey: .slug)
        self.fields = try PropertyFields(from: decoder)
        self.inOz = try container.decode(Bool.self, forKey: .inOz)
        self.amountRaised = try container.decode(Money.self, forKey: .amountRaised)
        self.investorCount = try container.decode(Int.self, forKey: .investorCount)
        self.sponsorId = try container.decode(UUID.self, forKey: .sponsorId)
        self.organizationId = try container.decodeIfPresent(String.self, forKey: .organizationId)
        self.createdAt = try container.decode(Date.self, forKey: .createdAt)
        self.updatedAt = try container.decode(Date.self, forKey: .updatedAt)
    }

    /// One flat object: the written fields beside the derived ones.
    func encode(to encoder: any Encoder) throws {
        try self.fields.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.id, forKey: .id)
        try container.encode(self.slug, forKey: .slug)
        try container.encode(self.inOz, forKey: .inOz)
        try container.encode(self.amountRaised, forKey: .amountRaised)
        try container.encode(self.investorCount, forKey: .investorCount)
        try container.encode(self.sponsorId, forKey: .sponsorId)
        try container.encodeIfPresent(self.organizationId, forKey: .organizationId)
        try container.encode(self.createdAt, forKey: .createdAt)
        try container.encode(self.updatedAt, forKey: .updatedAt)
    }

    var status: PropertyStatus { self.fields.status ?? .prospect }
    var visibility: PropertyVisibility { self.fields.visibility ?? .private }

    /// Listed for investors: out of `prospect` and visible beyond its sponsor.
    var isPublished: Bool { self.status != .prospect && self.visibility != .private }
}
