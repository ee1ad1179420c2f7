import Foundation
import ServiceKit

/// What webinars and events, and bounce intake, read from the environment (issue 17, part C fills
/// this in).
struct WebinarSettings: Sendable {
    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> WebinarSettings {
        WebinarSettings()
    }

    static let help = ""
}
