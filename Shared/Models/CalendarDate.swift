import Foundation

/// A day on the proleptic Gregorian calendar, without a time or zone: what tax law, offerings and
/// statements mean by a date, and what an Opportunity Zone designation's window is made of.
/// Shared by investments and properties through the models package. Travels as `YYYY-MM-DD` (ARCHITECTURE.md) and binds to Postgres as
/// text cast to `date`. Day arithmetic goes through a day number (days since 1970-01-01), using
/// Howard Hinnant's civil-date algorithms, so no time zone or DST can shift a day.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day) else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public init(dayNumber: Int) {
        let (year, month, day) = CivilDate.fromDays(Int64(dayNumber))
        self.year = Int(year)
        self.month = Int(month)
        self.day = Int(day)
    }

    /// Days since 1970-01-01.
    public var dayNumber: Int {
        let y = self.month <= 2 ? self.year - 1 : self.year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (self.month > 2 ? self.month - 3 : self.month + 9) + 2) / 5 + self.day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public func adding(days: Int) -> CalendarDate { CalendarDate(dayNumber: self.dayNumber + days) }

    /// The same month and day `years` later; 29 February becomes 28 February in a common year.
    public func adding(years: Int) -> CalendarDate {
        let year = self.year + years
        return CalendarDate(year: year, month: self.month, day: min(self.day, Self.daysIn(month: self.month, year: year)))
            ?? self
    }

    public func days(until other: CalendarDate) -> Int { other.dayNumber - self.dayNumber }

    /// Whole years from `self` to `other`, counted by anniversaries (a 5-year hold is reached on the
    /// fifth anniversary, not after 5 × 365 days).
    public func wholeYears(until other: CalendarDate) -> Int {
        var years = other.year - self.year
        if (other.month, other.day) < (self.month, self.day) { years -= 1 }
        return years
    }

    /// The UTC day of `now` (the service's clock, `ServiceDependencies.clock`).
    public static func day(of now: Date) -> CalendarDate {
        CalendarDate(dayNumber: Int((now.timeIntervalSince1970 / 86_400).rounded(.down)))
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public var description: String {
        let y = String(self.year)
        let m = String(self.month)
        let d = String(self.day)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + (m.count == 1 ? "0" : "") + m + "-" + (d.count == 1 ? "0" : "") + d
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool { lhs.dayNumber < rhs.dayNumber }
}

extension CalendarDate: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let text = try? container.decode(String.self), let date = CalendarDate(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a date such as 2026-12-31 (YYYY-MM-DD)")
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.description)
    }
}
