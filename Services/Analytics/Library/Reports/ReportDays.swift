import Foundation

/// Days as reports speak of them: UTC calendar days named `yyyy-MM-dd`, weeks starting on Monday
/// (ISO 8601), months from the 1st. Pure arithmetic on day numbers, so no time zone or locale of
/// the machine leaks into a report.
enum ReportDays {
    static let secondsPerDay = 86_400.0

    /// Days since 1970-01-01 (UTC) of the day `date` falls in.
    static func dayNumber(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 / secondsPerDay).rounded(.down))
    }

    static func date(dayNumber: Int) -> Date {
        Date(timeIntervalSince1970: Double(dayNumber) * secondsPerDay)
    }

    /// `yyyy-MM-dd` of a day number (Howard Hinnant's civil-from-days).
    static func name(dayNumber: Int) -> String {
        let (year, month, day) = civil(dayNumber)
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    static func name(_ date: Date) -> String { name(dayNumber: dayNumber(date)) }

    /// The day number of `yyyy-MM-dd`, nil when it is not a real date.
    static func dayNumber(named text: String) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        let number = days(year: year, month: month, day: day)
        // 2026-02-30 would roll over into March: refuse it rather than guess.
        return civil(number) == (year, month, day) ? number : nil
    }

    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(_ dayNumber: Int) -> (Int, Int, Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The first day of the period `dayNumber` falls in.
    static func periodStart(_ dayNumber: Int, _ period: RetentionPeriod) -> Int {
        switch period {
        case .day: return dayNumber
        // 1970-01-01 was a Thursday: day 4 was the first Monday.
        case .week: return dayNumber - ((dayNumber - 4) % 7 + 7) % 7
        case .month:
            let (year, month, _) = civil(dayNumber)
            return days(year: year, month: month, day: 1)
        }
    }

    /// The start of the period `count` periods after the one starting at `start`.
    static func periodStart(after start: Int, _ count: Int, _ period: RetentionPeriod) -> Int {
        switch period {
        case .day: return start + count
        case .week: return start + 7 * count
        case .month:
            let (year, month, _) = civil(start)
            let index = year * 12 + (month - 1) + count
            return days(year: index / 12, month: index % 12 + 1, day: 1)
        }
    }
}
