import Foundation

/// The UTC days before today that a batch's events fall on. Those days may already be in the
/// funnel rollup (`funnel_days`), which a late event can make stale; today's never are.
enum RollupDays {
    static func before(_ today: Date, in events: [RecordedEvent]) -> [String] {
        let startOfToday = Self.utc.startOfDay(for: today)
        let late = events.filter { $0.occurredAt < startOfToday }
        return Set(late.map { Self.day($0.occurredAt) }).sorted()
    }

    static func day(_ date: Date) -> String {
        let parts = Self.utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
