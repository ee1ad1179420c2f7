import Foundation

/// When a webhook delivery is tried again, by the Standard Webhooks specification ("Retry
/// schedule", as Svix runs it): immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h
/// and 24 h after each failure, each wait stretched by up to 10% of jitter so a receiver that came
/// back is not hit by every sender in the same second. Pure: the caller passes the jitter and now.
enum WebhookRetrySchedule {
    /// The wait before each attempt: `waits[0]` before the first, `waits[n]` after the n-th failure.
    static let waits: [TimeInterval] = [0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600]
    static var maxAttempts: Int { Self.waits.count }
    static let maxJitter = 0.1

    /// What became of one attempt.
    enum Verdict: Equatable {
        case delivered
        /// 410 Gone: the receiver says the endpoint is no more; it is disabled.
        case gone
        /// Tried again at this time.
        case retry(at: Date)
        /// The schedule is spent.
        case exhausted
    }

    /// After attempt `attempt` (1-based) answered `status` (nil: no answer: refused, timed out, not
    /// connected): delivered on any 2xx, the endpoint gone on 410, else the schedule's next wait,
    /// or the receiver's `Retry-After` on 429, 502 and 504 (capped), as the spec asks.
    static func verdict(
        attempt: Int, status: Int?, retryAfter: String?, now: Date, jitter: Double, retryAfterCap: TimeInterval
    ) -> Verdict {
        if let status, (200..<300).contains(status) { return .delivered }
        if status == 410 { return .gone }
        guard attempt < Self.maxAttempts else { return .exhausted }
        if let status, [429, 502, 504].contains(status), let asked = Self.retryAfterSeconds(retryAfter, now: now) {
            return .retry(at: now.addingTimeInterval(min(asked, retryAfterCap)))
        }
        return .retry(at: now.addingTimeInterval(Self.wait(before: attempt + 1, jitter: jitter)))
    }

    /// The wait before attempt `attempt` (1-based), jitter in 0...1 scaled to `maxJitter`.
    static func wait(before attempt: Int, jitter: Double) -> TimeInterval {
        let base = Self.waits[max(0, min(attempt - 1, Self.waits.count - 1))]
        return base * (1 + Self.maxJitter * min(max(jitter, 0), 1))
    }

    /// `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date; nil when absent or neither.
    /// A date in the past is a wait of zero.
    static func retryAfterSeconds(_ value: String?, now: Date) -> TimeInterval? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if value.utf8.allSatisfy({ (48...57).contains($0) }) {
            // Past 10 digits it is more than 300 years: cap it rather than overflow.
            return value.utf8.count > 10 ? TimeInterval(Int32.max) : TimeInterval(Int(value) ?? 0)
        }
        for format in Self.httpDateFormats {
            if let date = Self.formatter(format).date(from: value) { return max(0, date.timeIntervalSince(now)) }
        }
        return nil
    }

    /// IMF-fixdate, and the two obsolete forms recipients must still accept (RFC 9110 §5.6.7).
    static let httpDateFormats = ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"]

    private static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = format
        return formatter
    }
}
