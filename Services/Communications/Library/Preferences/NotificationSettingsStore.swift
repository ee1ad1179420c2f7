import Foundation
import Logging
import PostgresNIO

/// Reads users' preferences and schedules for planning and sending: two statements for any
/// number of users (a fan-out to 10,000 investors reads once, not per user).
enum NotificationSettingsStore {
    /// The settings of each of `users` who chose anything; the others are absent (the defaults).
    static func load(_ users: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: UserNotificationSettings] {
        var settings: [UUID: UserNotificationSettings] = [:]
        guard !users.isEmpty else { return settings }
        let choices = try await connection.query(
            """
            SELECT user_id, category, event_type, email_enabled, in_app_enabled, frequency
            FROM communications.notification_preferences WHERE user_id = ANY(\(users))
            """,
            logger: logger
        )
        for try await (user, categoryName, eventType, email, inApp, frequencyName) in choices.decode(
            (UUID, String, String, Bool, Bool, String).self)
        {
            guard let category = NotificationCategory(rawValue: categoryName) else { continue }
            let choice = ChannelChoice(email: email, inApp: inApp, frequency: NotificationFrequency(rawValue: frequencyName) ?? .instant)
            if eventType == PreferenceRows.wholeCategory {
                settings[user, default: UserNotificationSettings()].categories[category] = choice
            } else {
                settings[user, default: UserNotificationSettings()].eventTypes[eventType] = choice
            }
        }
        let schedules = try await connection.query(
            """
            SELECT user_id, enabled, (extract(epoch FROM start_time) / 60)::integer, (extract(epoch FROM end_time) / 60)::integer,
                   timezone, days_of_week, digest_hour::integer, digest_weekday::integer
            FROM communications.notification_quiet_hours WHERE user_id = ANY(\(users))
            """,
            logger: logger
        )
        for try await (user, enabled, start, end, zone, days, hour, weekday) in schedules.decode(
            (UUID, Bool, Int, Int, String, [Int], Int, Int).self)
        {
            settings[user, default: UserNotificationSettings()].schedule = NotificationSchedule(
                timeZone: TimeZone(identifier: zone) ?? NotificationSchedule.standard.timeZone, quietHoursEnabled: enabled,
                quietStart: start, quietEnd: end, quietDays: Set(days), digestHour: hour, digestWeekday: weekday, zoneName: zone
            )
        }
        return settings
    }
}

enum PreferenceRows {
    /// `event_type` of a row that holds a whole category's choice.
    static let wholeCategory = "*"
}
