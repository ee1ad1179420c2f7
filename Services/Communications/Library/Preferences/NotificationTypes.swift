/// The notification types users may set preferences for, each with its category (a preference
/// for a type of a category that cannot be turned off cannot turn it off either). Every part of
/// communications that creates notifications lists its types here.
enum NotificationTypes {
    static let categories: [String: NotificationCategory] = [
        "investment.committed": .investments,
        "investment.funded": .money,
        "distribution.paid": .money,
        "statement.sent": .documents,
        // Tax documents (Notifications/TaxDocumentNotifications.swift).
        "k1.delivered": .documents,
        "media.document_shared": .documents,
        "media.signature_requested": .legal,
        // Investing paperwork (Notifications/SigningNotices.swift): an investor signed; the signer's copy is ready.
        "media.document_signed": .documents,
        "renovation.progress_updated": .propertyUpdates,
        // OZ fund compliance (issue 21): a missed test costs the fund penalties, so it cannot be turned off.
        "compliance.deadline_approaching": .legal,
        "security.new_device_sign_in": .security,
        "staff.notice": .product,
        // Messaging and connections (Messaging/, Connections/), the community digest (Community/).
        "message.received": .messages,
        "team_request.answered": .team,
        "connection.requested": .connections,
        "connection.accepted": .connections,
        "community_digest": .community,
        // Webinars and events (Webinars/EventNotices.swift).
        "event.cancelled": .community,
        "event.waitlist_promoted": .community,
        "event.reminder": .community,
        "event.recording_available": .community,
        // Outgoing webhooks (Webhooks/): an endpoint of the user's was disabled after failing for days.
        "webhook.endpoint_disabled": .security,
        // Email campaigns (Campaigns/).
        "campaign": .marketing,
        // Accreditation decisions (Notifications/AccreditationNotices.swift): a legal matter, always told.
        "accreditation.decided": .legal,
    ]

    /// `staff.notice`, `renovation.progress_updated`: lowercase words joined by dots or underscores.
    static func isWellFormed(_ type: String) -> Bool {
        type.count <= 100 && !type.isEmpty && type.first?.isLetter == true
            && type.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" }
    }
}
