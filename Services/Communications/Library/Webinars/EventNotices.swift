import Foundation
import Models

/// What registrants are told about an event, as notifications (so their preferences, quiet hours
/// and digests apply, and the email channel uses the `notification` template). Pure: each draft's
/// dedupe key names the occasion, so a retried transaction tells nobody twice.
///
/// Event notices are of the `community` category: webinars and meetups are the community side of
/// the platform, and users may still set preferences per type (`NotificationTypes`).
struct EventNotices: Sendable {
    static let cancelledType = "event.cancelled"
    static let promotedType = "event.waitlist_promoted"
    static let reminderType = "event.reminder"
    static let recordingType = "event.recording_available"

    /// The base of links in mails (`PUBLIC_URL`).
    let link: @Sendable (String) -> String

    /// A reminder's lead time, which also names its column.
    enum Reminder: String, Sendable, CaseIterable {
        case dayBefore = "24h"
        case hourBefore = "1h"

        var lead: TimeInterval { self == .dayBefore ? 86400 : 3600 }
        var column: String { self == .dayBefore ? "reminder_24h_sent_at" : "reminder_1h_sent_at" }
        var words: String { self == .dayBefore ? "tomorrow" : "in an hour" }
    }

    struct Event: Sendable, Equatable {
        var id: UUID
        var title: String
        var startsAt: Date
        var sequence: Int
    }

    func cancelled(_ event: Event, users: [UUID]) -> [NotificationDraft] {
        users.map { user in
            self.draft(
                user, event, type: Self.cancelledType, title: "Cancelled: \(event.title)",
                message: "The host cancelled “\(event.title)”, planned for \(Self.when(event.startsAt)). Your registration is void.",
                priority: .high, key: "event_cancelled:\(event.id.uuidString.lowercased())")
        }
    }

    func promoted(_ event: Event, user: UUID, registration: UUID, place: Int64) -> NotificationDraft {
        self.draft(
            user, event, type: Self.promotedType, title: "You have a seat at \(event.title)",
            message: "A seat opened up and it is yours: “\(event.title)” on \(Self.when(event.startsAt)).", priority: .high,
            key: "event_promoted:\(registration.uuidString.lowercased()):\(place)")
    }

    func reminder(_ event: Event, user: UUID, registration: UUID, _ reminder: Reminder) -> NotificationDraft {
        var draft = self.draft(
            user, event, type: Self.reminderType, title: "Starting \(reminder.words): \(event.title)",
            message: "“\(event.title)” starts \(reminder.words), at \(Self.when(event.startsAt)).", priority: .high,
            key: "event_reminder_\(reminder.rawValue):\(registration.uuidString.lowercased()):\(event.sequence)")
        // A reminder is worth nothing once the event has begun (a digest would deliver it late).
        draft.expiresAt = event.startsAt
        return draft
    }

    func recording(_ event: Event, users: [UUID]) -> [NotificationDraft] {
        users.map { user in
            self.draft(
                user, event, type: Self.recordingType, title: "Recording available: \(event.title)",
                message: "The recording of “\(event.title)” is ready to watch.", priority: .normal,
                key: "event_recording:\(event.id.uuidString.lowercased())")
        }
    }

    private func draft(
        _ user: UUID, _ event: Event, type: String, title: String, message: String, priority: NotificationPriority, key: String
    ) -> NotificationDraft {
        let path = "/events/\(event.id.uuidString.lowercased())"
        return NotificationDraft(
            userID: user, type: type, category: .community, title: title, message: message, actionURL: path, priority: priority,
            email: EmailContent(templateKey: "notification", variables: ["title": title, "message": message, "link": self.link(path)]),
            dedupeKey: key)
    }

    /// `2026-03-01 15:00 UTC`: mails go to people in many zones, and the ICS file places it in theirs.
    static func when(_ date: Date) -> String {
        let text = RFC3339.string(from: date)
        return "\(text.prefix(10)) \(text.dropFirst(11).prefix(5)) UTC"
    }
}
