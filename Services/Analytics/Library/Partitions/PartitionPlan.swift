import Foundation

/// Which monthly partitions of `events` should exist and which are past retention, from "now"
/// alone (no I/O). Months are UTC calendar months, as `ensure_event_partitions` makes them.
struct PartitionPlan: Equatable, Sendable {
    /// The first month to keep: the month `retentionMonths` before now's.
    var firstMonth: Date
    /// How many months from `firstMonth` through `monthsAhead` after now's.
    var months: Int
    /// Events before this are past retention: a partition whose end is at or before it is detached.
    var cutoff: Date

    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    init(now: Date, retentionMonths: Int, monthsAhead: Int) {
        let calendar = Self.utc
        let month = calendar.date(from: calendar.dateComponents([.year, .month], from: now)) ?? now
        self.cutoff = calendar.date(byAdding: .month, value: -retentionMonths, to: now) ?? now
        let cutoffMonth = calendar.dateComponents([.year, .month], from: self.cutoff)
        self.firstMonth = calendar.date(from: cutoffMonth) ?? month
        self.months = retentionMonths + monthsAhead + 1
    }

    /// The month a partition named `events_yYYYYmMM` starts, or nil for any other name.
    static func month(ofPartition name: String) -> Date? {
        guard name.count == 15, name.hasPrefix("events_y"), name.dropFirst(12).first == "m",
            let year = Int(name.dropFirst(8).prefix(4)), let month = Int(name.suffix(2)), (1...12).contains(month)
        else { return nil }
        return Self.utc.date(from: DateComponents(year: year, month: month, day: 1))
    }

    /// Whether every event `name` can hold is older than the cutoff (its month ends by then).
    func isPastRetention(_ name: String) -> Bool {
        guard let start = Self.month(ofPartition: name), let end = Self.utc.date(byAdding: .month, value: 1, to: start) else { return false }
        return end <= self.cutoff
    }
}
