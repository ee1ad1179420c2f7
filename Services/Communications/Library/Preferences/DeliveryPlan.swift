import Foundation

/// How often a user wants mail of a kind: at once, or gathered into a daily or weekly digest.
enum NotificationFrequency: String, Sendable, CaseIterable, Codable {
    case instant, daily, weekly
}

/// A user's choice for a category (`eventType` nil) or one event type: seed 004 §1.3 rows.
struct ChannelChoice: Sendable, Equatable {
    var email: Bool
    var inApp: Bool
    var frequency: NotificationFrequency

    static let standard = ChannelChoice(email: true, inApp: true, frequency: .instant)
}

/// What a user chose that bears on their notifications: choices by category and by event type,
/// and their schedule.
struct UserNotificationSettings: Sendable, Equatable {
    var categories: [NotificationCategory: ChannelChoice] = [:]
    var eventTypes: [String: ChannelChoice] = [:]
    var schedule: NotificationSchedule = .standard

    /// The event type's choice wins over its category's; none means on, instant.
    func choice(for category: NotificationCategory, type: String) -> ChannelChoice {
        self.eventTypes[type] ?? self.categories[category] ?? .standard
    }
}

/// Where one notification goes (issue 14's rules, in one place, no I/O):
/// - a locked category (security, legal, money) is always shown and always mailed;
/// - `critical` is mailed at once, ignoring the user's mute, quiet hours and digests;
/// - otherwise the user's choice decides each channel; a daily or weekly frequency holds the email
///   for the digest; an instant email due in quiet hours waits until they end.
struct DeliveryPlan: Sendable, Equatable {
    enum Email: Sendable, Equatable {
        /// Send at this time (now, or when quiet hours end).
        case at(Date)
        /// Gather into the digest that goes out at this time.
        case digest(Date)
    }

    var inApp: Bool
    var email: Email?

    static func plan(
        category: NotificationCategory, type: String, priority: NotificationPriority, hasEmail: Bool,
        settings: UserNotificationSettings, now: Date
    ) -> DeliveryPlan {
        let choice = settings.choice(for: category, type: type)
        let critical = priority == .critical
        let inApp = choice.inApp || category.isLocked || critical
        guard hasEmail, choice.email || category.isLocked || critical else { return DeliveryPlan(inApp: inApp, email: nil) }
        if critical { return DeliveryPlan(inApp: inApp, email: .at(now)) }
        switch choice.frequency {
        case .daily: return DeliveryPlan(inApp: inApp, email: .digest(settings.schedule.nextDigest(after: now, weekly: false)))
        case .weekly: return DeliveryPlan(inApp: inApp, email: .digest(settings.schedule.nextDigest(after: now, weekly: true)))
        case .instant: return DeliveryPlan(inApp: inApp, email: .at(settings.schedule.quietHoursEnd(containing: now) ?? now))
        }
    }

    /// Whether a mail planned earlier may still go now: the user may have muted the category (or
    /// unsubscribed) since. Locked categories and critical notifications always go.
    static func stillWanted(category: NotificationCategory, type: String, critical: Bool, settings: UserNotificationSettings) -> Bool {
        critical || category.isLocked || settings.choice(for: category, type: type).email
    }
}
