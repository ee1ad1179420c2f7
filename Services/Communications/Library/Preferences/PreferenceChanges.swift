import Foundation
import Models
import ServiceKit

/// A `PATCH /v1/communications/preferences` body, checked and laid over what the user had: keys
/// sent replace, keys left out stay. Pure: no I/O.
///
/// ```json
/// {"time_zone": "America/New_York", "digest_hour": 18, "digest_weekday": 5,
///  "quiet_hours": {"enabled": true, "start": "22:00", "end": "07:00", "days_of_week": [0, 1, 2, 3, 4, 5, 6]},
///  "categories": {"property_updates": {"email": true, "in_app": true, "frequency": "daily"}},
///  "event_types": {"renovation.progress_updated": {"email": false}}}
/// ```
struct PreferenceChanges: Sendable, Equatable {
    var schedule: NotificationSchedule
    var categories: [NotificationCategory: ChannelChoice] = [:]
    var eventTypes: [String: (category: NotificationCategory, choice: ChannelChoice)] = [:]

    static func == (left: PreferenceChanges, right: PreferenceChanges) -> Bool {
        left.schedule == right.schedule && left.categories == right.categories
            && left.eventTypes.mapValues(\.choice) == right.eventTypes.mapValues(\.choice)
    }

    static func read(_ value: JSONValue, over stored: UserNotificationSettings) throws -> PreferenceChanges {
        var fields = try BodyFields(value, allowed: ["time_zone", "digest_hour", "digest_weekday", "quiet_hours", "categories", "event_types"])
        var changes = PreferenceChanges(schedule: stored.schedule)
        if let zone = fields.value("time_zone") {
            if case .string(let name) = zone, name.count <= 100, let timeZone = TimeZone(identifier: name) {
                changes.schedule.timeZone = timeZone
                changes.schedule.zoneName = name
            } else {
                fields.add("time_zone", "must be an IANA time zone such as America/New_York")
            }
        }
        if let hour = fields.integer("digest_hour", in: 0...23) { changes.schedule.digestHour = hour }
        if let weekday = fields.integer("digest_weekday", in: 0...6) { changes.schedule.digestWeekday = weekday }
        if let quiet = fields.value("quiet_hours") { Self.readQuietHours(quiet, into: &changes.schedule, fields: &fields) }
        if let categories = fields.value("categories") {
            guard case .object(let entries) = categories else {
                fields.add("categories", "must be an object keyed by category")
                try fields.check()
                return changes
            }
            for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
                guard let category = NotificationCategory(rawValue: name) else {
                    fields.add("categories.\(name)", "is not a category: \(NotificationCategory.allCases.map(\.rawValue).joined(separator: ", "))")
                    continue
                }
                let choice = Self.readChoice(
                    entry, over: stored.categories[category] ?? .standard, at: "categories.\(name)", locked: category, fields: &fields)
                changes.categories[category] = choice
            }
        }
        if let types = fields.value("event_types") {
            guard case .object(let entries) = types else {
                fields.add("event_types", "must be an object keyed by event type")
                try fields.check()
                return changes
            }
            for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
                guard let category = NotificationTypes.categories[name] else {
                    fields.add(
                        "event_types.\(name)", "is not a notification type: \(NotificationTypes.categories.keys.sorted().joined(separator: ", "))")
                    continue
                }
                let stored = stored.eventTypes[name] ?? stored.categories[category] ?? .standard
                let choice = Self.readChoice(entry, over: stored, at: "event_types.\(name)", locked: category, fields: &fields)
                changes.eventTypes[name] = (category, choice)
            }
        }
        try fields.check()
        return changes
    }

    /// One `{"email", "in_app", "frequency"}` entry; a locked category's channels may not be turned off.
    static func readChoice(
        _ value: JSONValue, over stored: ChannelChoice, at path: String, locked category: NotificationCategory, fields: inout BodyFields
    )
        -> ChannelChoice
    {
        guard case .object(let entry) = value else {
            fields.add(path, "must be an object with email, in_app and frequency")
            return stored
        }
        var choice = stored
        for (key, value) in entry.sorted(by: { $0.key < $1.key }) {
            switch (key, value) {
            case ("email", .bool(let on)): choice.email = on
            case ("in_app", .bool(let on)): choice.inApp = on
            case ("frequency", .string(let text)) where NotificationFrequency(rawValue: text) != nil:
                choice.frequency = NotificationFrequency(rawValue: text) ?? .instant
            case ("email", _), ("in_app", _): fields.add("\(path).\(key)", "must be true or false")
            case ("frequency", _): fields.add("\(path).\(key)", "must be instant, daily or weekly")
            default: fields.add("\(path).\(key)", "is not a field you can set")
            }
        }
        if category.isLocked {
            if entry["email"] == .bool(false) {
                fields.add(
                    "\(path).email",
                    "\(category.rawValue) notifications cannot be turned off: they concern your account's safety, legal papers or your money")
            }
            if entry["in_app"] == .bool(false) {
                fields.add(
                    "\(path).in_app",
                    "\(category.rawValue) notifications cannot be turned off: they concern your account's safety, legal papers or your money")
            }
        }
        return choice
    }

    static func readQuietHours(_ value: JSONValue, into schedule: inout NotificationSchedule, fields: inout BodyFields) {
        guard case .object(let entry) = value else {
            fields.add("quiet_hours", "must be an object with enabled, start, end and days_of_week")
            return
        }
        for (key, value) in entry.sorted(by: { $0.key < $1.key }) {
            switch (key, value) {
            case ("enabled", .bool(let on)): schedule.quietHoursEnabled = on
            case ("start", .string(let text)) where Self.minutes(text) != nil: schedule.quietStart = Self.minutes(text) ?? 0
            case ("end", .string(let text)) where Self.minutes(text) != nil: schedule.quietEnd = Self.minutes(text) ?? 0
            case ("days_of_week", .array(let days)):
                let numbers = days.compactMap { day -> Int? in
                    guard case .number(let number) = day, let whole = Int(exactly: number), (0...6).contains(whole) else { return nil }
                    return whole
                }
                if numbers.count == days.count, Set(numbers).count == numbers.count {
                    schedule.quietDays = Set(numbers)
                } else {
                    fields.add("quiet_hours.days_of_week", "must list distinct days, 0 (Sunday) to 6 (Saturday)")
                }
            case ("enabled", _): fields.add("quiet_hours.enabled", "must be true or false")
            case ("start", _), ("end", _): fields.add("quiet_hours.\(key)", "must be a time of day as HH:MM (00:00 to 23:59)")
            case ("days_of_week", _): fields.add("quiet_hours.days_of_week", "must list distinct days, 0 (Sunday) to 6 (Saturday)")
            default: fields.add("quiet_hours.\(key)", "is not a field you can set")
            }
        }
        if schedule.quietStart == schedule.quietEnd {
            fields.add("quiet_hours.end", "must differ from start")
        }
    }

    /// `HH:MM` as minutes after midnight.
    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard text.count == 5, parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour),
            (0...59).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }

    static func clock(_ minutes: Int) -> String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }
}
