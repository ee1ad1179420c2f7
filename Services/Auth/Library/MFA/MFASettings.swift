import ServiceKit

/// TOTP MFA and step-up settings (issue 15); filled in by that part.
public struct MFASettings: Sendable {
    public init() {}

    static func fromEnvironment(_ environment: EnvironmentReader) throws -> MFASettings {
        MFASettings()
    }
}
