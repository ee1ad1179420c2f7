/// Roles a user can hold (seed 000 `current_role`, seed 001 staff roles). Tokens carry them in the
/// `roles` claim; `both` is not a role of its own but investor and developer together.
public enum Role: String, Codable, Sendable, CaseIterable {
    case investor
    case developer
    case sponsor
    case admin
}

/// OAuth scopes that guard routes. User tokens carry `user`; service tokens from the
/// client-credentials grant carry `service` and, per client, the scopes `ServiceGrants` gives it:
/// each `/internal/` route requires its own, so one service's secret opens only what it needs.
public enum Scope {
    public static let user = "user"
    public static let service = "service"
    /// `POST /internal/events` on every service (which types: `EventPublishers`).
    public static let publishEvents = "events:publish"
    /// `GET /internal/v1/users/{id}` in auth: a user's email address and name.
    public static let readUsers = "internal:users.read"
    /// `GET /internal/v1/properties/{id}` in properties.
    public static let readProperties = "internal:properties.read"
    /// `GET /internal/v1/documents/{id}` in properties: whether a user may read a media document.
    public static let readDocuments = "internal:documents.read"
    /// `GET`/`POST /internal/v1/documents/{id}/signing` in properties: a document's current version
    /// and a user's signature on it; signing it for the user (issue 22, investing paperwork).
    public static let signDocuments = "internal:documents.sign"
    /// `POST /internal/v1/emails` in communications.
    public static let sendEmails = "internal:emails.send"
    /// `GET /internal/v1/segments/{id}/members` in analytics: a segment's users, for campaigns.
    public static let readSegments = "internal:segments.read"
    /// `GET /internal/v1/users/{id}/export` on every service: the service's rows about a user, for
    /// auth's data export (issue 16, privacy).
    public static let exportUsers = "internal:users.export"
    /// `POST /internal/v1/users/{id}/erasure` on every service: account deletion.
    public static let eraseUsers = "internal:users.erase"
    /// `POST /internal/v1/api-tokens/introspect` in auth: who a personal API token acts for.
    public static let introspectAPITokens = "internal:api-tokens.introspect"
}
