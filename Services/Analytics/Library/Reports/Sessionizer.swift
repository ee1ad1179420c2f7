import Foundation

/// Visits from one actor's events (the issue: 30 minutes idle or 24 hours at most). Pure: the
/// rollup feeds it each actor's events in time order, one at a time, and stores the visits it
/// closes.
///
/// - An event more than `idle` after the previous one starts a new session (exactly `idle`
///   later still continues it).
/// - An event more than `longest` after the session's first starts a new one (exactly `longest`
///   still belongs), so a tab left polling does not make one endless visit.
/// - A session's entry page and source are its first event's.
struct Sessionizer {
    static let idle: TimeInterval = 30 * 60
    static let longest: TimeInterval = 24 * 3_600

    struct Event: Equatable {
        var at: Date
        var pageURL: String?
        var utmSource: String?
        var referrer: String?
    }

    struct Session: Equatable {
        var startedAt: Date
        var endedAt: Date
        var events: Int
        var entryPage: String?
        var source: String
    }

    /// The visit the next event may continue.
    private var open: Session?

    init() {}

    /// Takes one actor's next event, in time order (equal times allowed); returns the visit it
    /// closed, if it began a new one. Fed one event at a time, so the rollup holds one visit per
    /// actor, not the actor's events.
    mutating func add(_ event: Event) -> Session? {
        if var current = self.open,
            event.at.timeIntervalSince(current.endedAt) <= Self.idle,
            event.at.timeIntervalSince(current.startedAt) <= Self.longest
        {
            current.endedAt = max(current.endedAt, event.at)
            current.events += 1
            self.open = current
            return nil
        }
        let closed = self.open
        self.open = Session(
            startedAt: event.at, endedAt: event.at, events: 1, entryPage: event.pageURL,
            source: Self.source(utmSource: event.utmSource, referrer: event.referrer))
        return closed
    }

    /// The actor's events are over: the visit still open, if any.
    mutating func finish() -> Session? {
        defer { self.open = nil }
        return self.open
    }

    /// `events` in time order (equal times allowed).
    static func sessions(_ events: [Event]) -> [Session] {
        var sessionizer = Sessionizer()
        var sessions = events.compactMap { sessionizer.add($0) }
        if let last = sessionizer.finish() { sessions.append(last) }
        return sessions
    }

    /// utm_source (lowercased), else the referrer's host without `www.`, else `direct` — the
    /// same rule as the sources report's SQL.
    static func source(utmSource: String?, referrer: String?) -> String {
        if let utm = utmSource?.lowercased(), !utm.isEmpty { return utm }
        if let referrer, let host = URL(string: referrer)?.host?.lowercased(), !host.isEmpty, referrer.contains("://") {
            return host.hasPrefix("www.") ? String(host.dropFirst(4)) : host
        }
        return "direct"
    }
}
