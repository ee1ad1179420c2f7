import Foundation
import ServiceKit

/// What bounce and complaint intake reads from the environment: the per-provider secrets that
/// authenticate `POST /v1/communications/bounces` (issue 17, part C fills this in).
struct BounceSettings: Sendable {
    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> BounceSettings {
        BounceSettings()
    }

    static let help = ""
}
