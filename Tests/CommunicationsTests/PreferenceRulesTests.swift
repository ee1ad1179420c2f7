import Crypto
import Foundation
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// The pure rules under preferences: quiet hours in the user's zone, digest times, where a
/// notification goes, and the unsubscribe token.
@Suite struct PreferenceRulesTests {
    static func date(_ text: String) -> Date { (try? Date(text, strategy: .iso8601)) ?? .distantPast }

    static let newYork = NotificationSchedule(
        timeZone: TimeZone(identifier: "America/New_York")!, quietHoursEnabled: true, quietStart: 22 * 60, quietEnd: 7 * 60,
        quietDays: [1, 2, 3, 4, 5], digestHour: 18, digestWeekday: 5)

    @Test(arguments: [
        // Monday 23:00 in New York (a quiet day): held until Tuesday 07:00 New York.
        ("2026-12-08T04:00:00Z", "2026-12-08T12:00:00Z"),
        // Tuesday 02:30: still Monday night's window.
        ("2026-12-08T07:30:00Z", "2026-12-08T12:00:00Z"),
        // Saturday 03:00: Friday night's window ends Saturday morning though Saturday is not a quiet day.
        ("2026-12-12T08:00:00Z", "2026-12-12T12:00:00Z"),
        // Summer time: Monday 23:30 EDT is 03:30Z; the end is 07:00 EDT, 11:00Z.
        ("2026-06-09T03:30:00Z", "2026-06-09T11:00:00Z"),
    ])
    func quietHoursSpanningMidnightEndInTheUsersZone(now: String, end: String) {
        #expect(Self.newYork.quietHoursEnd(containing: Self.date(now)) == Self.date(end))
    }

    @Test(arguments: [
        "2026-12-08T02:59:00Z",  // Monday 21:59 in New York: before the window
        "2026-12-08T12:00:00Z",  // Tuesday 07:00: the window has ended
        "2026-12-13T04:00:00Z",  // Saturday 23:00: Saturday is not a quiet day
        "2026-12-14T08:00:00Z",  // Sunday night 03:00 Monday: Sunday's window does not exist
    ])
    func outsideQuietHoursMailGoesNow(now: String) {
        #expect(Self.newYork.quietHoursEnd(containing: Self.date(now)) == nil)
    }

    @Test func aDaytimeWindowAndDisabledQuietHours() {
        var lunch = Self.newYork
        lunch.quietStart = 12 * 60
        lunch.quietEnd = 13 * 60
        #expect(lunch.quietHoursEnd(containing: Self.date("2026-12-08T17:30:00Z")) == Self.date("2026-12-08T18:00:00Z"))
        #expect(lunch.quietHoursEnd(containing: Self.date("2026-12-08T18:00:00Z")) == nil)
        lunch.quietHoursEnabled = false
        #expect(lunch.quietHoursEnd(containing: Self.date("2026-12-08T17:30:00Z")) == nil)
    }

    @Test func digestsGoAtTheUsersHour() {
        // Monday 15:00 New York (20:00Z): daily at 18:00 → Tuesday 18:00 New York; weekly on Friday.
        let monday = Self.date("2026-12-07T20:00:00Z")
        #expect(Self.newYork.nextDigest(after: monday, weekly: false) == Self.date("2026-12-07T23:00:00Z"))
        #expect(Self.newYork.nextDigest(after: Self.date("2026-12-07T23:00:00Z"), weekly: false) == Self.date("2026-12-08T23:00:00Z"))
        #expect(Self.newYork.nextDigest(after: monday, weekly: true) == Self.date("2026-12-11T23:00:00Z"))
    }

    @Test func locksAndCriticalPriorityOverrideTheUsersChoices() {
        let now = Self.date("2026-12-08T04:00:00Z")  // in New York's quiet hours
        var settings = UserNotificationSettings(schedule: Self.newYork)
        settings.categories[.propertyUpdates] = ChannelChoice(email: false, inApp: false, frequency: .instant)
        settings.categories[.security] = ChannelChoice(email: false, inApp: false, frequency: .instant)
        settings.categories[.documents] = ChannelChoice(email: true, inApp: true, frequency: .daily)
        settings.eventTypes["media.document_shared"] = ChannelChoice(email: true, inApp: true, frequency: .instant)
        func plan(_ category: NotificationCategory, _ type: String, _ priority: NotificationPriority = .normal) -> DeliveryPlan {
            DeliveryPlan.plan(category: category, type: type, priority: priority, hasEmail: true, settings: settings, now: now)
        }
        // Muted: nothing on either channel.
        #expect(plan(.propertyUpdates, "renovation.progress_updated") == DeliveryPlan(inApp: false, email: nil))
        // Critical: at once, muted or not, quiet hours or not.
        #expect(plan(.propertyUpdates, "renovation.progress_updated", .critical) == DeliveryPlan(inApp: true, email: .at(now)))
        // A locked category cannot be muted (quiet hours still apply to its non-critical mail).
        #expect(plan(.security, "security.notice") == DeliveryPlan(inApp: true, email: .at(Self.date("2026-12-08T12:00:00Z"))))
        // Daily digest for the category; the event type's own choice wins.
        #expect(plan(.documents, "statement.sent") == DeliveryPlan(inApp: true, email: .digest(Self.date("2026-12-08T23:00:00Z"))))
        #expect(plan(.documents, "media.document_shared") == DeliveryPlan(inApp: true, email: .at(Self.date("2026-12-08T12:00:00Z"))))
        // No email form: in the app only.
        #expect(
            DeliveryPlan.plan(category: .product, type: "x", priority: .normal, hasEmail: false, settings: settings, now: now)
                == DeliveryPlan(inApp: true, email: nil))
    }

    @Test func aDraftTooLongForItsColumnsIsCutNotRefused() {
        let draft = NotificationDraft(
            userID: UUID(), type: "message.received", category: .messages, title: String(repeating: "é", count: 300), message: "m",
            actionURL: "/" + String(repeating: "a", count: 600), dedupeKey: "k")
        let fitted = Notifier.fitted(draft)
        #expect(fitted.title.count == 255 && fitted.title.hasSuffix("…"))
        #expect(fitted.actionURL == nil)
        #expect(Notifier.fitted(fitted) == fitted)
    }

    @Test func anUnsubscribeTokenIsSignedAndExpires() throws {
        let key = SymmetricKey(size: .bits256)
        let now = Self.date("2026-12-07T15:00:00Z")
        let user = UUID()
        let token = UnsubscribeToken(userID: user, category: "property_updates", expiresAt: now.addingTimeInterval(86400))
        let signed = token.signed(with: key)
        #expect(try UnsubscribeToken.verify(signed, key: key, now: now).userID == user)
        #expect(throws: UnsubscribeToken.Refusal.expired) { try UnsubscribeToken.verify(signed, key: key, now: now.addingTimeInterval(86401)) }
        #expect(throws: UnsubscribeToken.Refusal.invalid) { try UnsubscribeToken.verify(signed, key: SymmetricKey(size: .bits256), now: now) }
        // Another user's id in the payload, the signature kept: refused.
        let forged = UnsubscribeToken(userID: UUID(), category: "property_updates", expiresAt: token.expiresAt).signed(with: key)
        let spliced = String(forged.split(separator: ".")[0]) + "." + String(signed.split(separator: ".")[1])
        #expect(throws: UnsubscribeToken.Refusal.invalid) { try UnsubscribeToken.verify(spliced, key: key, now: now) }
        // A locked category is never offered, so a token naming one is not ours.
        let security = UnsubscribeToken(userID: user, category: "security", expiresAt: token.expiresAt).signed(with: key)
        #expect(throws: UnsubscribeToken.Refusal.invalid) { try UnsubscribeToken.verify(security, key: key, now: now) }
        for garbage in ["", ".", "abc", "a.b.c", String(repeating: "x", count: 500)] {
            #expect(throws: UnsubscribeToken.Refusal.invalid) { try UnsubscribeToken.verify(garbage, key: key, now: now) }
        }
    }
}

/// Every variable notifications read is in `--help` and the README's configuration table.
@Suite struct NotificationSettingsTests {
    static let names = [
        "PUBLIC_URL", "NOTIFICATION_DELIVERY_INTERVAL_MS", "NOTIFICATION_DELIVERY_BATCH", "NOTIFICATION_DELIVERY_CONCURRENCY",
        "NOTIFICATION_MAX_ATTEMPTS",
        "NOTIFICATION_RETENTION_DAYS", "UNSUBSCRIBE_SIGNING_KEY", "UNSUBSCRIBE_LINK_DAYS",
    ]

    @Test func everySettingIsDocumented() throws {
        let readme = try String(contentsOf: RepositoryScripts.root.appendingPathComponent("README.md"), encoding: .utf8)
        let help = Set(CommunicationsEntryPoint.settingsHelp.split(whereSeparator: \.isWhitespace).map(String.init))
        for name in Self.names {
            #expect(help.contains(name), "--help lists \(name)")
            #expect(readme.contains("`\(name)`"), "README lists \(name)")
        }
    }

    @Test func settingsAreReadAndCheckedFromTheEnvironment() throws {
        let key = Data(repeating: 3, count: 32).base64EncodedString()
        let settings = try NotificationSettings.fromEnvironment(
            EnvironmentReader([
                "NOTIFICATION_DELIVERY_INTERVAL_MS": "250", "UNSUBSCRIBE_SIGNING_KEY": key, "UNSUBSCRIBE_LINK_DAYS": "30",
                "PUBLIC_URL": "https://tract.example",
            ]))
        #expect(settings.deliveryInterval == .milliseconds(250))
        #expect(settings.unsubscribeKey != nil)
        #expect(settings.unsubscribeLinkLifetime == .seconds(30 * 86400))
        #expect(settings.link("/documents/1") == "https://tract.example/documents/1")
        #expect(throws: ConfigurationError.self) {
            try NotificationSettings.fromEnvironment(EnvironmentReader(["UNSUBSCRIBE_SIGNING_KEY": "c2hvcnQ="]))
        }
    }
}
