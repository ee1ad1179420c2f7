import ServiceKit

/// Limits of conversations and messages, from the environment.
///
/// | Variable | Default | |
/// |---|---|---|
/// | `MESSAGE_MAX_CHARACTERS` | `4000` | a message body's length limit |
/// | `MESSAGE_EDIT_WINDOW_SECONDS` | `900` | how long after sending its sender may edit a message |
/// | `MESSAGE_MAX_ATTACHMENTS` | `10` | media documents one message may reference |
/// | `CONVERSATION_MAX_MEMBERS` | `50` | members of a group conversation, its creator included |
/// | `CONNECTION_MAX_PENDING` | `100` | connection requests one user may have waiting for an answer |
struct MessagingSettings: Sendable {
    var maxCharacters = 4000
    var editWindowSeconds = 900
    var maxAttachments = 10
    var maxMembers = 50
    var maxPendingRequests = 100

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> MessagingSettings {
        MessagingSettings(
            maxCharacters: try environment.integer("MESSAGE_MAX_CHARACTERS", default: 4000, range: 1...100_000),
            editWindowSeconds: try environment.integer("MESSAGE_EDIT_WINDOW_SECONDS", default: 900, range: 0...604_800),
            maxAttachments: try environment.integer("MESSAGE_MAX_ATTACHMENTS", default: 10, range: 0...50),
            maxMembers: try environment.integer("CONVERSATION_MAX_MEMBERS", default: 50, range: 2...1000),
            maxPendingRequests: try environment.integer("CONNECTION_MAX_PENDING", default: 100, range: 1...10_000)
        )
    }
}
