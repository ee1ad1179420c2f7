import Foundation
import Models
import ServiceKit

/// An event's fields as a host sends them (create, or a PATCH laid over the stored event), checked
/// as a whole so rules across fields hold whichever of them changed. Pure: no I/O, `now` is given.
struct EventForm: Sendable, Equatable {
    static let kinds: Set<String> = ["webinar", "in_person", "hybrid"]
    /// The fields a host may set; `property_id` only when creating (an event does not move between offerings).
    static let writable = ["title", "description", "kind", "starts_at", "ends_at", "time_zone", "venue", "virtual_url", "capacity"]
    static let derived: Set<String> = [
        "id", "host_id", "organization_id", "status", "recording_url", "registered_count", "waitlisted_count", "registration",
        "created_at", "updated_at", "published_at", "cancelled_at", "sequence",
    ]
    static let maximumTitle = 200
    static let maximumDescription = 10_000
    static let maximumVenue = 500
    static let maximumURL = 2000
    static let maximumCapacity = 100_000
    /// Longer than any conference; a typo in a year would otherwise make an event that never ends.
    static let maximumLength: TimeInterval = 14 * 86400
    /// Events are planned at most this far ahead, so a mistyped year is a 422, not a lost event.
    static let maximumLead: TimeInterval = 3 * 366 * 86400

    var title: String
    var description: String?
    var kind: String
    var startsAt: Date
    var endsAt: Date
    var timeZone: String
    var venue: String?
    var virtualURL: String?
    var capacity: Int?
    var propertyID: UUID?

    /// `creating`: `property_id` may be sent. `starts_at` must be in the future either way: an
    /// event that has started is no longer changed (`EventStore.requireChangeable`).
    static func read(_ body: JSONValue, creating: Bool, now: Date) throws -> EventForm {
        let allowed = Set(Self.writable + (creating ? ["property_id"] : []))
        var fields = try BodyFields(body, allowed: allowed, derived: Self.derived, required: ["title", "kind", "starts_at", "ends_at", "time_zone"])
        let title = fields.text("title", max: Self.maximumTitle, required: true)
        let description = fields.multilineText("description", max: Self.maximumDescription)
        let kind = fields.text("kind", max: 20, required: true)
        if let kind, !Self.kinds.contains(kind) { fields.add("kind", "must be one of: \(Self.kinds.sorted().joined(separator: ", "))") }
        let startsAt = fields.instant("starts_at")
        let endsAt = fields.instant("ends_at")
        let timeZone = fields.text("time_zone", max: 64, required: true)
        if let timeZone, !Self.isIANAZone(timeZone) {
            fields.add("time_zone", "must be an IANA time zone such as America/New_York")
        }
        let venue = fields.text("venue", max: Self.maximumVenue)
        let virtualURL = fields.text("virtual_url", max: Self.maximumURL)
        if let virtualURL, !Self.isWebURL(virtualURL) { fields.add("virtual_url", "must be an https:// (or http://) link") }
        let capacity = fields.integer("capacity", in: 1...Self.maximumCapacity)
        let propertyID = creating ? fields.uuid("property_id") : nil
        if let startsAt, let endsAt {
            if endsAt <= startsAt {
                fields.add("ends_at", "must be after starts_at")
            } else if endsAt.timeIntervalSince(startsAt) > Self.maximumLength {
                fields.add("ends_at", "must be at most 14 days after starts_at")
            }
            if startsAt <= now {
                fields.add("starts_at", "must be in the future")
            } else if startsAt.timeIntervalSince(now) > Self.maximumLead {
                fields.add("starts_at", "must be within three years")
            }
        }
        if let kind {
            if kind != "in_person", virtualURL == nil { fields.add("virtual_url", "is required for a \(kind) event") }
            if kind != "webinar", venue == nil { fields.add("venue", "is required for a \(kind) event") }
        }
        try fields.check()
        guard let title, let kind, let startsAt, let endsAt, let timeZone else { throw Problem.validation(field: "body", "is incomplete") }
        return EventForm(
            title: title, description: description, kind: kind, startsAt: startsAt, endsAt: endsAt, timeZone: timeZone, venue: venue,
            virtualURL: virtualURL, capacity: capacity, propertyID: propertyID)
    }

    /// A zone of the IANA database (what calendars and Postgres understand), not an abbreviation
    /// ("EST") or an offset Foundation would also take.
    static func isIANAZone(_ name: String) -> Bool {
        name == "UTC" || (name.contains("/") && TimeZone.knownTimeZoneIdentifiers.contains(name))
    }

    /// An absolute http(s) link with a host: what a registrant's browser can open.
    static func isWebURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["https", "http"].contains(scheme),
            let host = url.host, !host.isEmpty
        else { return false }
        return !text.contains(where: { $0.isWhitespace })
    }
}
