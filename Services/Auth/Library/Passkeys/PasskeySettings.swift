import ServiceKit

/// Passkeys (WebAuthn) settings (issue 15); filled in by that part.
public struct PasskeySettings: Sendable {
    public init() {}

    static func fromEnvironment(_ environment: EnvironmentReader) throws -> PasskeySettings {
        PasskeySettings()
    }
}
