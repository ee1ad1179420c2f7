import Foundation
import ServiceKit

/// The days the dashboard shows: `?from=YYYY-MM-DD&to=YYYY-MM-DD`, both days included (what a
/// person means picking dates in a form), by default the 30 days ending today (UTC). Reports take
/// the half-open `DayRange` [first, last + 1 day).
struct DashboardRange: Equatable, Sendable {
    /// The first and last day shown, at 00:00 UTC.
    let first: Date
    let last: Date

    static let defaultDays = 30
    /// A year and a day: any longer and the daily chart stops being readable.
    static let maximumDays = 366
    static let day: TimeInterval = 86_400

    init(first: Date, last: Date) {
        self.first = first
        self.last = last
    }

    /// From the query's `from` and `to`; 422 naming each bad field.
    init(from: String?, to: String?, today: Date) throws {
        var errors = FieldErrors()
        let today = Self.startOfDay(today)
        let last = Self.parse(to, field: "to", errors: &errors) ?? today
        let first = Self.parse(from, field: "from", errors: &errors) ?? last.addingTimeInterval(-Double(Self.defaultDays - 1) * Self.day)
        if errors.isEmpty {
            if first > last {
                errors.add("from", "must be on or before to")
            } else if Int((last.timeIntervalSince(first) / Self.day).rounded()) + 1 > Self.maximumDays {
                errors.add("to", "a range is at most \(Self.maximumDays) days")
            }
        }
        try errors.check()
        self.init(first: first, last: last)
    }

    /// The last `days` days ending `today`.
    static func last(_ days: Int, endingOn today: Date) -> DashboardRange {
        let end = self.startOfDay(today)
        return DashboardRange(first: end.addingTimeInterval(-Double(days - 1) * self.day), last: end)
    }

    var days: Int { Int((self.last.timeIntervalSince(self.first) / Self.day).rounded()) + 1 }

    /// [first, last + 1 day): what `AnalyticsReports` is asked for.
    var dayRange: DayRange { DayRange(from: self.first, to: self.last + Self.day) }

    /// The same number of days just before, for "change vs the previous period".
    var previous: DashboardRange {
        DashboardRange(first: self.first.addingTimeInterval(-Double(self.days) * Self.day), last: self.first.addingTimeInterval(-Self.day))
    }

    /// Every day shown, `yyyy-MM-dd`.
    var dayKeys: [String] { (0..<self.days).map { Self.key(self.first + Double($0) * Self.day) } }

    var query: String { "from=\(Self.key(self.first))&to=\(Self.key(self.last))" }

    static func key(_ date: Date) -> String {
        let parts = Self.calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// "Mar 4" for `2026-03-04` (and the key itself when it is not a date).
    static func shortLabel(_ key: String) -> String {
        let parts = key.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]) else { return key }
        return "\(Self.months[parts[1] - 1]) \(parts[2])"
    }

    /// "Mar 4, 2026".
    static func longLabel(_ date: Date) -> String {
        let parts = Self.calendar.dateComponents([.year, .month, .day], from: date)
        return "\(Self.months[(parts.month ?? 1) - 1]) \(parts.day ?? 1), \(parts.year ?? 0)"
    }

    /// The Gregorian calendar in UTC: report days are UTC days.
    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar
    }()

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func startOfDay(_ date: Date) -> Date { Self.calendar.startOfDay(for: date) }

    private static func parse(_ text: String?, field: String, errors: inout FieldErrors) -> Date? {
        // Sent but empty (`?to=`) is refused like any other text that is not a day.
        guard let text else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (2000...2100).contains(year),
            let date = Self.calendar.date(from: DateComponents(year: year, month: month, day: day)),
            Self.key(date) == text
        else {
            errors.add(field, "must be a date, YYYY-MM-DD")
            return nil
        }
        return date
    }
}
