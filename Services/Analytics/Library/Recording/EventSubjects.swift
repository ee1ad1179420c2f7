import Foundation
import Models

/// Whom each domain event is about: where its payload names the user whose funnel it belongs to.
///
/// One explicit row per type the services publish (a test holds this to `EventPublishers.table`),
/// because the payloads name their person differently (`user_id`, `investor_id`, `signer_id`,
/// a property's `sponsor_id` …) and some name nobody (an offering's totals). Paths are the
/// payload's snake_case keys as they travel.
enum EventSubjects {
    /// The key path to the user's id in the payload, or `[]` for a type about no one person.
    static let table: [String: [String]] = [
        "user.created": ["user_id"],
        "user.signed_in": ["user_id"],
        "user.role_changed": ["user_id"],
        "session.revoked": ["user_id"],
        "oz_check.completed": ["user_id"],
        "developer_profile.created": ["user_id"],
        "investor_profile.created": ["user_id"],
        "investor_qualification.submitted": ["user_id"],
        "tax_calculator.used": ["user_id"],
        // The sponsor who listed or changed the property.
        "property.published": ["property", "sponsor_id"],
        "property.updated": ["property", "sponsor_id"],
        "property.offering_changed": ["property", "sponsor_id"],
        // Carries only the property's id and version.
        "property.deleted": [],
        "renovation.progress_updated": ["sponsor_id"],
        "renovation.spend_withdrawn": ["sponsor_id"],
        "property.valuation_changed": ["sponsor_id"],
        // An OZ fund's deadline ahead (issue 21): about the fund's sponsor.
        "compliance.deadline_approaching": ["sponsor_id"],
        // Totals of an offering, a distribution as a whole: about many investors at once.
        "offering.totals_changed": [],
        "distribution.completed": [],
        "investment.committed": ["investor_id"],
        "investment.funded": ["investor_id"],
        "distribution.paid": ["investor_id"],
        "statement.sent": ["investor_id"],
        "k1.delivered": ["investor_id"],
        "media.photo_added": ["uploaded_by"],
        "media.photo_removed": [],
        "media.primary_photo_changed": [],
        "media.document_version_added": ["owner_id"],
        "media.document_shared": ["shared_by"],
        "media.document_share_revoked": ["revoked_by"],
        // The signer's journey: they were asked, they answered.
        "media.signature_requested": ["signer_id"],
        "media.signature_answered": ["signer_id"],
        "media.document_signed": ["signer_id"],
        // Seed 000's "speak to the team" and "join our community", whose routes land with
        // communications: recognised by name now.
        "team_contact.requested": ["user_id"],
        "community.joined": ["user_id"],
        "community.left": ["user_id"],
    ]

    /// The user `payload` of an event of `type` is about. A type not in the table yet (published
    /// after this was written) is taken to name its user `user_id`, the suite's usual key, so its
    /// events still join a funnel.
    static func user(of type: String, in payload: JSONValue) -> UUID? {
        let path = Self.table[type] ?? ["user_id"]
        guard !path.isEmpty else { return nil }
        var value: JSONValue? = payload
        for key in path { value = value?[key] }
        guard case .string(let text)? = value else { return nil }
        return UUID(uuidString: text)
    }
}
