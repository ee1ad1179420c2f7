import Foundation

/// When a user may be mailed, in their own time zone (seed 004 §1.3 `notification_quiet_hours`):
/// quiet hours by day of week and the hour (and weekday) of their digests. Pure: no I/O.
struct NotificationSchedule: Sendable, Equatable {
    var timeZone: TimeZone
    var quietHoursEnabled: Bool
    /// Minutes after local midnight.
    var quietStart: Int
    var quietEnd: Int
    /// The days a window starts on, 0 = Sunday … 6 = Saturday.
    var quietDays: Set<Int>
    var digestHour: Int
    /// 0 = Sunday … 6 = Saturday, for weekly digests.
    var digestWeekday: Int
    /// The IANA name as the user gave it (Foundation on Linux calls UTC "GMT").
    var zoneName: String? = nil

    var timeZoneName: String { self.zoneName ?? self.timeZone.identifier }

    /// The seed's defaults: UTC, quiet hours off (22:00–08:00 every day once turned on), digests at 08:00 on Monday.
    static let standard = NotificationSchedule(
        timeZone: TimeZone(identifier: "UTC") ?? .gmt, quietHoursEnabled: false, quietStart: 22 * 60, quietEnd: 8 * 60,
        quietDays: Set(0...6), digestHour: 8, digestWeekday: 1, zoneName: "UTC"
    )

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = self.timeZone
        return calendar
    }

    /// When the quiet window holding `now` ends, or nil when `now` is not in one. A window starts
    /// on one of `quietDays` at `quietStart` and ends at `quietEnd`, the next day when `quietEnd`
    /// is not after `quietStart` (22:00–07:00), so a window begun on Friday night still holds on
    /// Saturday morning even if Saturday is not a quiet day.
    func quietHoursEnd(containing now: Date) -> Date? {
        guard self.quietHoursEnabled, self.quietStart != self.quietEnd else { return nil }
        let calendar = self.calendar
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: now)
        guard let hour = parts.hour, let minute = parts.minute, let weekday = parts.weekday else { return nil }
        let today = weekday - 1
        let yesterday = (today + 6) % 7
        let minuteOfDay = hour * 60 + minute
        let startOfToday = calendar.startOfDay(for: now)
        if self.quietStart < self.quietEnd {
            guard self.quietDays.contains(today), (self.quietStart..<self.quietEnd).contains(minuteOfDay) else { return nil }
            return self.localTime(self.quietEnd, on: startOfToday)
        }
        if self.quietDays.contains(today), minuteOfDay >= self.quietStart {
            guard let tomorrow = calendar.date(byAdding: .day, value: 1, to: startOfToday) else { return nil }
            return self.localTime(self.quietEnd, on: tomorrow)
        }
        if self.quietDays.contains(yesterday), minuteOfDay < self.quietEnd {
            return self.localTime(self.quietEnd, on: startOfToday)
        }
        return nil
    }

    /// The next digest time strictly after `now`: the digest hour each day, or on the digest
    /// weekday for weekly ones.
    func nextDigest(after now: Date, weekly: Bool) -> Date {
        var wanted = DateComponents(hour: self.digestHour, minute: 0, second: 0)
        if weekly { wanted.weekday = self.digestWeekday + 1 }
        return self.calendar.nextDate(after: now, matching: wanted, matchingPolicy: .nextTime)
            ?? now.addingTimeInterval(weekly ? 7 * 86400 : 86400)
    }

    /// `minutes` after local midnight of the day starting at `day` (DST shifts move it to the next valid time).
    private func localTime(_ minutes: Int, on day: Date) -> Date? {
        let calendar = self.calendar
        var parts = calendar.dateComponents([.year, .month, .day], from: day)
        parts.hour = minutes / 60
        parts.minute = minutes % 60
        return calendar.date(from: parts)
    }
}
