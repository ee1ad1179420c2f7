/// Roles a user can hold (seed 000 `current_role`, seed 001 staff roles). Tokens carry them in the
/// `roles` claim; `both` is not a role of its own but investor and developer together.
public enum Role: String, Codable, Sendable, CaseIterable {
    case investor
    case developer
    case sponsor
    case admin
}

/// OAuth scopes that guard routes. User tokens carry `user`; service tokens from the
/// client-credentials grant carry `service`, which `/internal/` routes require.
public enum Scope {
    public static let user = "user"
    public static let service = "service"
}
