import Foundation

/// What a notification is about, the unit users mute (seed 004 §1.3 `category`). Three cannot be
/// turned off: a sign-in from a new device, terms and tax papers, and money moving are things a
/// user must hear of whatever they chose.
enum NotificationCategory: String, Sendable, CaseIterable, Codable {
    case security, legal, money, investments, documents
    case propertyUpdates = "property_updates"
    case messages, connections, team, community, product
    /// Email campaigns (Campaigns/): staff mail to many; email only, and always possible to turn off.
    case marketing

    /// Categories whose channels cannot be turned off (issue 14).
    static let locked: Set<NotificationCategory> = [.security, .legal, .money]

    var isLocked: Bool { Self.locked.contains(self) }
}

/// How urgent a notification is. `critical` ignores quiet hours and digests and is mailed even
/// when its category's email is off.
enum NotificationPriority: String, Sendable, CaseIterable, Codable {
    case low, normal, high, critical
}

/// The email form of a notification: a template of `EmailTemplates` and its variables. The
/// delivery worker adds `greeting_name` (from auth) when the variables lack it.
struct EmailContent: Sendable, Equatable {
    var templateKey: String
    var variables: [String: String]
    /// The address, when the creator knows it (auth's new-device mail); nil asks auth at send time.
    var to: String?

    init(templateKey: String, variables: [String: String], to: String? = nil) {
        self.templateKey = templateKey
        self.variables = variables
        self.to = to
    }
}

/// A notification to create for one user (`Notifier.notify`).
struct NotificationDraft: Sendable, Equatable {
    var userID: UUID
    /// What happened, dotted like the event that caused it (`renovation.progress_updated`); users
    /// may set preferences per type.
    var type: String
    var category: NotificationCategory
    var title: String
    var message: String
    var actionURL: String?
    var priority: NotificationPriority
    var expiresAt: Date?
    /// The email form, if this notification has one.
    var email: EmailContent?
    /// Idempotency: (userID, dedupeKey) is unique — an event's id, a message's id.
    var dedupeKey: String

    init(
        userID: UUID, type: String, category: NotificationCategory, title: String, message: String, actionURL: String? = nil,
        priority: NotificationPriority = .normal, expiresAt: Date? = nil, email: EmailContent? = nil, dedupeKey: String
    ) {
        self.userID = userID
        self.type = type
        self.category = category
        self.title = title
        self.message = message
        self.actionURL = actionURL
        self.priority = priority
        self.expiresAt = expiresAt
        self.email = email
        self.dedupeKey = dedupeKey
    }
}

/// A notification just created, as the live feed hears of it.
struct CreatedNotification: Sendable, Equatable {
    var id: UUID
    var userID: UUID
    var type: String
    var category: NotificationCategory
    var title: String
    var message: String
    var actionURL: String?
    var priority: NotificationPriority
    var createdAt: Date
}
