import ServiceKit

/// OAuth / OIDC sign-in settings (issue 15); filled in by that part.
public struct OAuthSettings: Sendable {
    public init() {}

    static func fromEnvironment(_ environment: EnvironmentReader) throws -> OAuthSettings {
        OAuthSettings()
    }
}
