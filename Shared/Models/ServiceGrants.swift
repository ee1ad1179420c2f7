/// Who may publish each event type. With `EventSubscriptions.table` (who receives it) this makes the
/// (source, type) pairs the suite accepts explicit: an inbox refuses an event whose source is not a
/// publisher of its type, so one service's credentials cannot speak for another (issue 11, item 4).
/// Every type in the subscription map has a row here; `ServiceGrantsTests` holds the two together.
public enum EventPublishers {
    public static let table: [String: Set<ServiceName>] = [
        "user.created": [.auth],
        "user.signed_in": [.auth],
        "user.role_changed": [.auth],
        "session.revoked": [.auth],
        "oz_check.completed": [.properties],
        "developer_profile.created": [.properties],
        "investor_profile.created": [.investments],
        "property.published": [.properties],
        "property.updated": [.properties],
        "property.offering_changed": [.properties],
        "property.deleted": [.properties],
        "property.valuation_changed": [.properties],
        "renovation.progress_updated": [.properties],
        "renovation.spend_withdrawn": [.properties],
        "offering.totals_changed": [.investments],
        "investment.committed": [.investments],
        "investment.funded": [.investments],
        "distribution.completed": [.investments],
        "distribution.paid": [.investments],
        "statement.sent": [.investments],
        "k1.delivered": [.investments],
        "investor_qualification.submitted": [.investments],
        "tax_calculator.used": [.investments],
        "compliance.deadline_approaching": [.investments],
        "accreditation.decided": [.investments],
        "media.photo_added": [.properties],
        "media.photo_removed": [.properties],
        "media.primary_photo_changed": [.properties],
        "media.document_version_added": [.properties],
        "media.document_shared": [.properties],
        "media.document_share_revoked": [.properties],
        "media.signature_requested": [.properties],
        "media.signature_answered": [.properties],
        "media.document_signed": [.properties],
        "team_contact.requested": [.communications],
        "community.joined": [.communications],
        "community.left": [.communications],
        // auth mails links and codes; investments mails statements.
        "email.requested": [.auth, .investments],
    ]

    public static func publishers(of eventType: String) -> [String] {
        (Self.table[eventType] ?? []).map(\.rawValue).sorted()
    }
}

/// What each service client may do, derived from the tables above and the internal routes it
/// calls: the scopes auth grants in the client-credentials grant. A service gets `service` (it is a
/// service), `events:publish` if it publishes any event type, and one scope per internal route it
/// calls. Which event types it may publish is not in the token: every inbox reads that from
/// `EventPublishers` by the token's subject (the client id, which is the service's name).
public enum ServiceGrants {
    /// The internal routes' scopes and the services that call each route.
    public static let internalRoutes: [String: Set<ServiceName>] = [
        // GET /internal/v1/users/{id} in auth: investments mails statements, communications
        // notifies investors.
        Scope.readUsers: [.investments, .communications],
        // GET /internal/v1/properties/{id} in properties: investments checks a listing when an
        // offering is created; communications finds an offering's sponsor ("ask the sponsor").
        Scope.readProperties: [.investments, .communications],
        // GET /internal/v1/documents/{id} in properties: communications checks that a message's
        // sender may read the documents attached to it.
        Scope.readDocuments: [.communications],
        // GET/POST /internal/v1/documents/{id}/signing in properties: investments lists an
        // offering's documents, has its investors sign the subscription agreement and gates commits.
        Scope.signDocuments: [.investments],
        // POST /internal/v1/emails in communications: the synchronous twin of `email.requested`,
        // so exactly its publishers.
        Scope.sendEmails: EventPublishers.table[EmailRequested.eventType] ?? [],
        // GET /internal/v1/segments/{id}/members in analytics: communications sends campaigns to
        // a segment's members.
        Scope.readSegments: [.communications],
        // GET /internal/v1/users/{id}/export on every service: auth gathers a user's data export.
        Scope.exportUsers: [.auth],
        // POST /internal/v1/users/{id}/erasure on every service: auth carries out account deletion.
        Scope.eraseUsers: [.auth],
        // POST /internal/v1/api-tokens/introspect in auth: every service accepts personal API
        // tokens and asks auth about each (auth itself looks in its own table).
        Scope.introspectAPITokens: [.properties, .investments, .communications, .analytics],
    ]

    /// The scopes of `service`'s client, sorted.
    public static func scopes(of service: ServiceName) -> [String] {
        var scopes: Set<String> = [Scope.service]
        if EventPublishers.table.values.contains(where: { $0.contains(service) }) { scopes.insert(Scope.publishEvents) }
        for (scope, callers) in Self.internalRoutes where callers.contains(service) { scopes.insert(scope) }
        return scopes.sorted()
    }

    /// Whether the inbox of `subscriber` takes `eventType` from `source`: `source` publishes the
    /// type and `subscriber` is one of its subscribers.
    public static func accepts(
        _ eventType: String,
        from source: String,
        at subscriber: String,
        publishers: (String) -> [String] = EventPublishers.publishers(of:),
        subscribers: (String) -> [String] = EventSubscriptions.subscribers(of:)
    ) -> Bool {
        publishers(eventType).contains(source) && subscribers(eventType).contains(subscriber)
    }
}

/// Who opens connections to whom inside the cluster: what the deploy's NetworkPolicies allow
/// (deploy/kubernetes/callers.txt, rendered by scripts/render-deploy.sh, checked against this by
/// ServiceGrantsTests so the two cannot drift apart).
public enum ServiceCalls {
    /// The service that serves each internal route's scope.
    public static let routeOwners: [String: ServiceName] = [
        Scope.readUsers: .auth, Scope.readProperties: .properties, Scope.readDocuments: .properties,
        Scope.signDocuments: .properties,
        Scope.sendEmails: .communications, Scope.readSegments: .analytics, Scope.introspectAPITokens: .auth,
    ]

    /// Internal routes every service serves (the kit mounts them), so they have no one owner.
    public static let servedByEvery: Set<String> = [Scope.exportUsers, Scope.eraseUsers]

    /// The services that call `service`: callers of its internal routes, publishers of the event
    /// types it subscribes to (the outbox delivers by HTTP), and for auth every other service (service
    /// tokens and the JWKS). The gateway is not in here: it reaches every service.
    public static func callers(of service: ServiceName) -> Set<ServiceName> {
        var callers: Set<ServiceName> = []
        for (scope, owner) in Self.routeOwners where owner == service { callers.formUnion(ServiceGrants.internalRoutes[scope] ?? []) }
        for scope in Self.servedByEvery { callers.formUnion(ServiceGrants.internalRoutes[scope] ?? []) }
        for (type, publishers) in EventPublishers.table where EventSubscriptions.subscribers(of: type).contains(service.rawValue) {
            callers.formUnion(publishers)
        }
        if service == .auth { callers.formUnion(ServiceName.allCases) }
        callers.remove(service)
        return callers
    }
}
