/// A payload that can travel as an event. `eventType` is the dotted name subscribers route on.
public protocol DomainEvent: Codable, Sendable {
    static var eventType: String { get }
}

/// Which services receive which events: the suite's one subscription map, reviewed in one place.
/// Keyed by subscriber, so a service that starts listening to a type edits its own entry only:
/// publishers publish a type and never name who listens (`EventPublishers` says who may publish).
public enum EventSubscriptions {
    public enum Interest: Sendable, Equatable {
        /// Every type any service publishes: `analytics` records the whole funnel.
        case everything
        case only(Set<String>)
    }

    public static let table: [ServiceName: Interest] = [
        .analytics: .everything,
        // auth derives roles from what users do elsewhere (seed 000 role logic).
        .auth: .only([
            "oz_check.completed", "developer_profile.created", "investor_profile.created",
            // The onboarding checklist (seed 004 §3, issue 16): each step is done when its event arrives.
            "accreditation.decided", "tax_calculator.used", "investment.committed", "property.published",
        ]),
        .properties: .only([
            // Each listing shows its amount raised and investor count.
            "offering.totals_changed"
        ]),
        .investments: .only([
            // Offerings are kept in step with their properties.
            "property.published", "property.updated", "property.offering_changed", "property.deleted",
            // Portfolios value positions at the property's latest valuation (issue 22).
            "property.valuation_changed",
            // OZ compliance (issue 21): renovation spend moves a fund's substantial-improvement test.
            "renovation.progress_updated", "renovation.spend_withdrawn",
        ]),
        .communications: .only([
            // Investors hear of their money's steps. Emails go to communications only: their
            // variables carry one-time links and codes, which no other service needs to see.
            "investment.committed", "investment.funded", "distribution.paid", "email.requested",
            // Notifications (issue 14): statements, documents and signatures for their users, a
            // renovation's progress for the property's investors.
            "statement.sent", "media.document_shared", "media.signature_requested", "renovation.progress_updated",
            // Outgoing webhooks (issue 17): a sponsor's endpoints hear that a distribution was paid out.
            "distribution.completed",
            // Investors hear that their K-1 is ready (issue 22).
            "k1.delivered",
            // OZ compliance (issue 21): a sponsor hears of a fund's test date or at-risk window ahead.
            "compliance.deadline_approaching",
            // Investing paperwork (issue 22): the sponsor hears that an investor signed; webhooks carry it.
            "media.document_signed",
            // Issue 22: an accreditation decision is mailed to its investor.
            "accreditation.decided",
        ]),
    ]

    /// Types no one but their addressee may see, kept from `.everything` subscribers.
    public static let confidential: Set<String> = ["email.requested", "accreditation.decided"]

    public static func subscribers(of eventType: String) -> [String] {
        ServiceName.allCases.filter { service in
            switch Self.table[service] {
            case .everything: !Self.confidential.contains(eventType)
            case .only(let types): types.contains(eventType)
            case nil: false
            }
        }.map(\.rawValue)
    }
}
