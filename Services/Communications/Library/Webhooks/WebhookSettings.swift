import Foundation
import ServiceKit

/// What outgoing webhooks read from the environment (issue 17, part B fills this in).
struct WebhookSettings: Sendable {
    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> WebhookSettings {
        WebhookSettings()
    }

    static let help = ""
}
