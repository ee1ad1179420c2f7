/// A payload that can travel as an event. `eventType` is the dotted name subscribers route on.
public protocol DomainEvent: Codable, Sendable {
    static var eventType: String { get }
}

/// Which services receive which events: the suite's one subscription map, reviewed in one place.
/// `analytics` records the funnel, so it receives every event.
public enum EventSubscriptions {
    public static let table: [String: [ServiceName]] = [
        "user.created": [.analytics],
        "user.signed_in": [.analytics],
        "user.role_changed": [.analytics],
        "session.revoked": [.analytics],
        // auth derives roles from what users do elsewhere (seed 000 role logic).
        "oz_check.completed": [.auth, .analytics],
        "developer_profile.created": [.auth, .analytics],
        "investor_profile.created": [.auth, .analytics],
        // investments keeps offerings in step with their properties.
        "property.published": [.investments, .analytics],
        "property.updated": [.investments, .analytics],
        "property.offering_changed": [.investments, .analytics],
        "property.deleted": [.investments, .analytics],
        "renovation.progress_updated": [.analytics],
        // investments: the funnel's money steps; communications tells the investor.
        "investment.committed": [.communications, .analytics],
        "investment.funded": [.communications, .analytics],
        // properties shows each listing's amount raised and investor count.
        "offering.totals_changed": [.properties, .analytics],
        "distribution.completed": [.analytics],
        "distribution.paid": [.communications],
        "statement.sent": [.analytics],
        "investor_qualification.submitted": [.analytics],
        "tax_calculator.used": [.analytics],
        // Listing media and documents (properties): analytics follows what listings show.
        "media.photo_added": [.analytics],
        "media.photo_removed": [.analytics],
        "media.primary_photo_changed": [.analytics],
        "media.document_version_added": [.analytics],
        "media.document_shared": [.analytics],
        "media.document_share_revoked": [.analytics],
        "media.signature_requested": [.analytics],
        "media.signature_answered": [.analytics],
        // Emails go to communications only: their variables carry one-time links and codes, which
        // no other service needs to see.
        "email.requested": [.communications],
    ]

    public static func subscribers(of eventType: String) -> [String] {
        (Self.table[eventType] ?? [.analytics]).map(\.rawValue)
    }
}
