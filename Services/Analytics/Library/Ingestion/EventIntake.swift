import Foundation
import Models
import ServiceKit

/// Reads one client event from JSON, with no I/O: every rule of what a client may send, applied
/// against what the caller looked up (the allowed names, the months the store holds) so a batch of
/// 500 costs one lookup. An item's errors are named as the client spelled the field, under the
/// item's place (`events[3].name`), so the valid items of a batch are kept and the client sees
/// exactly which to fix.
struct EventIntake: Sendable {
    /// Who sent it: the token's user (never the body's), with where and how from.
    var userID: UUID?
    var receivedAt: Date
    var maximumAge: TimeInterval
    var allowedNames: Set<String>
    var months: EventMonths
    var agent: UserAgent
    var ipPrefix: String?

    static let fields: Set<String> = [
        "id", "name", "anonymous_id", "user_id", "session_id", "timestamp", "page_url", "referrer", "utm_source", "utm_medium",
        "utm_campaign", "utm_term", "utm_content", "properties",
    ]
    static let propertiesMaximumBytes = 8 * 1024
    static let propertiesMaximumDepth = 5
    /// Beyond 2^53 a JSON number no longer round-trips through a double: keeping it would store a
    /// different number from the one sent.
    static let largestExactNumber = 9_007_199_254_740_991.0

    /// The event, or the item's errors with `prefix` before each field (`events[3].`), made only
    /// for an item with errors.
    func read(_ item: JSONValue, prefix: @autoclosure () -> String = "", newID: () -> UUID) -> Result<RecordedEvent, Rejection> {
        guard case .object = item else {
            let prefix = prefix()
            return .failure(Rejection([.init(field: prefix.isEmpty ? "body" : String(prefix.dropLast()), message: "must be a JSON object")]))
        }
        // `BodyFields` only throws for a non-object, ruled out above.
        guard var body = try? BodyFields(item, allowed: Self.fields) else { return .failure(Rejection([])) }
        let id = body.uuid("id") ?? newID()
        let name = self.name(&body)
        let anonymousID = body.text("anonymous_id", max: 64)
        self.checkUser(&body)
        if self.userID == nil, anonymousID == nil, body.value("anonymous_id") == nil {
            body.add("anonymous_id", "is required when not signed in: an id the client keeps for this visitor")
        }
        let occurredAt = self.occurredAt(&body)
        let event = RecordedEvent(
            id: id, name: name ?? "", origin: "client", occurredAt: occurredAt ?? self.receivedAt, receivedAt: self.receivedAt,
            userID: self.userID, anonymousID: anonymousID, sessionID: body.text("session_id", max: 64),
            pageURL: body.text("page_url", max: 2048), referrer: body.text("referrer", max: 2048),
            utm: .init(
                source: body.text("utm_source", max: 200), medium: body.text("utm_medium", max: 200),
                campaign: body.text("utm_campaign", max: 200), term: body.text("utm_term", max: 200), content: body.text("utm_content", max: 200)
            ),
            deviceType: self.agent.deviceType, os: self.agent.os, browser: self.agent.browser, ipPrefix: self.ipPrefix,
            properties: self.properties(&body)
        )
        guard body.errors.isEmpty else {
            let prefix = prefix()
            return .failure(Rejection(body.errors.all.map { .init(field: prefix + $0.field, message: $0.message) }))
        }
        return .success(event)
    }

    private func name(_ body: inout BodyFields) -> String? {
        guard let name = body.text("name", max: 64, required: true) else { return nil }
        if name.contains(".") {
            body.add("name", "names with a dot are the services' own event types; a client cannot send them")
        } else if !self.allowedNames.contains(name) {
            body.add("name", "is not an allowed event name (GET /v1/analytics/event-names lists them; staff add more)")
        }
        return name
    }

    /// The user comes from the token: a body `user_id` may only repeat it.
    private func checkUser(_ body: inout BodyFields) {
        guard body.value("user_id") != nil else { return }
        let claimed = body.uuid("user_id")
        if self.userID == nil {
            body.add("user_id", "is taken from the access token; send events signed in, or leave it out")
        } else if let claimed, claimed != self.userID {
            body.add("user_id", "does not match the signed-in user; leave it out")
        }
    }

    /// The client's clock, clamped to ours when ahead of it (a wrong clock must not put events in
    /// the future of every report); too old or in a month the store does not hold is refused.
    private func occurredAt(_ body: inout BodyFields) -> Date? {
        guard let value = body.value("timestamp") else { return self.receivedAt }
        guard case .string(let text) = value, let date = Self.timestamp(text) else {
            body.add("timestamp", "must be an RFC 3339 timestamp such as 2025-01-01T12:00:00Z")
            return nil
        }
        let clamped = min(date, self.receivedAt)
        if clamped < self.receivedAt.addingTimeInterval(-self.maximumAge) {
            body.add("timestamp", "is more than \(Int(self.maximumAge / 86_400)) days old; such events are no longer taken")
            return nil
        }
        if !self.months.contains(clamped) {
            body.add("timestamp", "falls in a month the event store does not hold")
            return nil
        }
        return clamped
    }

    private func properties(_ body: inout BodyFields) -> JSONValue {
        guard let value = body.value("properties") else { return .object([:]) }
        guard case .object = value else {
            body.add("properties", "must be a JSON object")
            return .object([:])
        }
        if Self.depth(of: value) > Self.propertiesMaximumDepth {
            body.add("properties", "nests deeper than \(Self.propertiesMaximumDepth) levels")
        } else if case let size = PropertiesJSON.size(of: value), size > Self.propertiesMaximumBytes {
            body.add("properties", "is \(size) bytes as JSON; at most \(Self.propertiesMaximumBytes) are kept")
        } else if Self.hasInexactNumber(value) {
            body.add("properties", "holds a number beyond ±9007199254740991, which would not be kept exactly; send it as a string")
        }
        return value
    }

    /// The properties object itself is level 1.
    static func depth(of value: JSONValue) -> Int {
        switch value {
        case .object(let members): 1 + (members.values.map(Self.depth(of:)).max() ?? 0)
        case .array(let items): 1 + (items.map(Self.depth(of:)).max() ?? 0)
        default: 0
        }
    }

    static func hasInexactNumber(_ value: JSONValue) -> Bool {
        switch value {
        case .number(let number): !number.isFinite || abs(number) > Self.largestExactNumber
        case .object(let members): members.values.contains(where: Self.hasInexactNumber)
        case .array(let items): items.contains(where: Self.hasInexactNumber)
        default: false
        }
    }

    static func timestamp(_ text: String) -> Date? {
        guard text.utf8.count <= 40 else { return nil }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }

    struct Rejection: Error {
        var errors: [ProblemDetails.FieldError]
        init(_ errors: [ProblemDetails.FieldError]) { self.errors = errors }
    }
}

/// The months `events` has partitions for (`events_y2025m01` …): an event outside them has no
/// table to go to, so it is refused by name instead of failing the whole batch's insert.
struct EventMonths: Sendable, Equatable {
    var months: Set<Int>

    /// Read by hand, not with a regex literal: it runs on every batch, and a literal is parsed
    /// again each time (it was most of a batch's lookup).
    init(partitions: [String]) {
        self.months = Set(partitions.compactMap(Self.month(ofPartition:)))
    }

    /// `events_yYYYYmMM` as months since year 0; nil for any other name.
    static func month(ofPartition name: String) -> Int? {
        let bytes = Array(name.utf8)
        let prefix = Array("events_y".utf8)
        guard bytes.count == 15, bytes.starts(with: prefix), bytes[12] == UInt8(ascii: "m") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(8..<12), let month = number(13..<15) else { return nil }
        return year * 12 + month - 1
    }

    /// Partition bounds are UTC months (the cluster runs in UTC): the civil date of the UTC day.
    func contains(_ date: Date) -> Bool {
        let (year, month, _) = CivilDate.fromDays(Int64((date.timeIntervalSince1970 / 86_400).rounded(.down)))
        return self.months.contains(Int(year) * 12 + Int(month) - 1)
    }
}
