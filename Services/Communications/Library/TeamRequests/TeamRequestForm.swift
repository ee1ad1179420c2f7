import Foundation
import Models
import SMTP
import ServiceKit

/// The "speak to the team" form (seed 000 entry point 5), read and checked with no I/O: every bad
/// field named in one 422, nothing about the requester guessed.
struct TeamRequestForm: Sendable, Equatable {
    /// The fixed list staff sort the inbox by.
    static let topics: Set<String> = ["investing", "developing", "opportunity_zones", "tax", "account", "partnership", "other"]
    static let maximumMessageLength = 4000
    static let maximumPreferredTimes = 5
    static let maximumNoteLength = 300
    /// One window a requester offers to be called in; longer than this is not a window.
    static let maximumWindow: TimeInterval = 12 * 3600
    /// How far ahead a window may be: beyond it the request will long be answered.
    static let maximumDaysAhead: TimeInterval = 180 * 86400

    struct Window: Sendable, Equatable, Encodable {
        var startsAt: Date
        var endsAt: Date
    }

    var topic: String
    var message: String
    var preferredTimes: [Window]
    var preferredTimesNote: String?
    var phone: String?
    var name: String?
    /// The anonymous visitor's address; nil when signed in (the account's address is used).
    var email: String?

    static let allowed: Set<String> = ["topic", "message", "preferred_times", "preferred_times_note", "phone", "name", "email", "consent"]

    /// `signedIn`: a user's request takes their account's address, so `email` is refused; a visitor's
    /// needs an address and `consent: true` — we write only to someone who asked us to.
    static func read(_ body: JSONValue, signedIn: Bool, now: Date) throws -> TeamRequestForm {
        var fields = try BodyFields(body, allowed: Self.allowed, required: ["topic", "message"])
        let topic = fields.text("topic", max: 40, required: true)
        if let topic, !Self.topics.contains(topic) {
            fields.add("topic", "must be one of: \(Self.topics.sorted().joined(separator: ", "))")
        }
        let message = Self.plainText(&fields, "message", max: Self.maximumMessageLength)
        let windows = Self.windows(&fields, now: now)
        let note = fields.text("preferred_times_note", max: Self.maximumNoteLength)
        let phone = Self.phone(&fields)
        let name = fields.text("name", max: 100)
        var email: String?
        if signedIn {
            if fields.value("email") != nil {
                fields.add("email", "is your account's address when you are signed in; leave it out")
            }
            if let consent = fields.value("consent"), consent != .bool(true), consent != .bool(false) {
                fields.add("consent", "must be true or false")
            }
        } else {
            email = Self.address(&fields)
            if fields.value("consent") != .bool(true) {
                fields.add("consent", "must be true: we write only to visitors who agree to be contacted about their request")
            }
        }
        try fields.check()
        guard let topic, let message else { throw Problem.validation(field: "body", "is incomplete") }
        return TeamRequestForm(
            topic: topic, message: message, preferredTimes: windows, preferredTimesNote: note, phone: phone, name: name, email: email)
    }

    /// Several lines of plain text: trimmed, 1 to `max` characters, no control characters but line
    /// breaks and tabs. It is stored and mailed as text and never rendered as HTML.
    static func plainText(_ fields: inout BodyFields, _ key: String, max: Int) -> String? {
        guard let value = fields.value(key) else {
            fields.add(key, "is required")
            return nil
        }
        guard case .string(let raw) = value else {
            fields.add(key, "must be a string")
            return nil
        }
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty || text.unicodeScalars.count > max {
            fields.add(key, "must be 1 to \(max) characters")
        } else if text.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n" && $0 != "\r" && $0 != "\t") || $0.value == 0x7F }) {
            fields.add(key, "must be plain text: no control characters other than line breaks and tabs")
        } else {
            return text
        }
        return nil
    }

    /// An address mail can be sent to (the SMTP client's own check), at most 254 characters.
    static func address(_ fields: inout BodyFields) -> String? {
        guard let value = fields.value("email") else {
            fields.add("email", "is required when you are not signed in: where the team can answer you")
            return nil
        }
        guard case .string(let raw) = value, let address = try? EmailAddress(raw.trimmingCharacters(in: .whitespaces)) else {
            fields.add("email", "must be an email address")
            return nil
        }
        return address.address
    }

    /// A phone number as people write one (`+1 (555) 010-2030`): 7 to 15 digits (E.164's most),
    /// with spaces, dots, dashes and brackets between them.
    static func phone(_ fields: inout BodyFields) -> String? {
        guard let text = fields.text("phone", max: 32) else { return nil }
        let digits = text.filter(\.isASCII).filter(\.isNumber).count
        let shape = text.wholeMatch(of: /\+?[0-9][0-9 ().\-]*[0-9]/) != nil
        guard shape, (7...15).contains(digits) else {
            fields.add("phone", "must be a phone number of 7 to 15 digits, such as +1 555 010 2030")
            return nil
        }
        return text
    }

    /// `preferred_times`: up to a few `{"starts_at", "ends_at"}` windows (RFC 3339) that end after
    /// they start, last at most 12 hours, have not ended yet and start within 180 days.
    static func windows(_ fields: inout BodyFields, now: Date) -> [Window] {
        guard let value = fields.value("preferred_times") else { return [] }
        guard case .array(let items) = value, items.count <= Self.maximumPreferredTimes else {
            fields.add("preferred_times", "must be a list of at most \(Self.maximumPreferredTimes) {\"starts_at\", \"ends_at\"} windows")
            return []
        }
        var windows: [Window] = []
        for (index, item) in items.enumerated() {
            let at = "preferred_times[\(index)]"
            guard case .object(let object) = item, Set(object.keys) == ["starts_at", "ends_at"],
                case .string(let startText)? = object["starts_at"], case .string(let endText)? = object["ends_at"]
            else {
                fields.add(at, "must be {\"starts_at\": …, \"ends_at\": …} with RFC 3339 times")
                continue
            }
            guard let start = RFC3339.date(from: startText) else {
                fields.add("\(at).starts_at", "must be an RFC 3339 time such as 2026-12-08T15:00:00Z")
                continue
            }
            guard let end = RFC3339.date(from: endText) else {
                fields.add("\(at).ends_at", "must be an RFC 3339 time such as 2026-12-08T16:00:00Z")
                continue
            }
            if end <= start || end.timeIntervalSince(start) > Self.maximumWindow {
                fields.add("\(at).ends_at", "must be after starts_at, at most 12 hours later")
            } else if end <= now {
                fields.add("\(at).ends_at", "is in the past")
            } else if start.timeIntervalSince(now) > Self.maximumDaysAhead {
                fields.add("\(at).starts_at", "must be within 180 days")
            } else {
                windows.append(Window(startsAt: start, endsAt: end))
            }
        }
        return windows
    }
}
