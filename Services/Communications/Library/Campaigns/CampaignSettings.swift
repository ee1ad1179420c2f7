import Foundation
import ServiceKit

/// What email campaigns read from the environment (issue 17, part A fills this in).
struct CampaignSettings: Sendable {
    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> CampaignSettings {
        CampaignSettings()
    }

    static let help = ""
}
