import Foundation
import Models

/// When a sponsor hears of a compliance deadline: 90, 30 and 7 days before each 90% test date
/// (§1400Z-2(d)(1)) and before the end of a substantial-improvement window that is at risk
/// (Treas. Reg. §1.1400Z2(d)-2(b)(4)). Pure: the caller keeps which alerts were sent.
enum ComplianceAlerts {
    static let daysBefore = [90, 30, 7]

    enum Kind: String, Sendable, Codable {
        case assetTest = "asset_test"
        case improvementWindow = "improvement_window"
    }

    struct Alert: Sendable, Hashable {
        var kind: Kind
        var deadline: CalendarDate
        /// 90, 30 or 7: the threshold this alert is for.
        var daysBefore: Int
        var daysLeft: Int
    }

    /// The one alert due for a deadline on `today`: the nearest threshold already reached, so a
    /// fund set up 20 days before a test date hears "30 days" once, not "90" and "30" together.
    /// Nil when the deadline is more than 90 days away or already past.
    static func due(_ kind: Kind, deadline: CalendarDate, today: CalendarDate) -> Alert? {
        let left = today.days(until: deadline)
        guard left >= 0, let threshold = Self.daysBefore.sorted().first(where: { left <= $0 }) else { return nil }
        return Alert(kind: kind, deadline: deadline, daysBefore: threshold, daysLeft: left)
    }

    /// Every alert due on `today` for a fund: its test dates this year and next, and its
    /// improvement window when the tracker says at risk.
    static func due(calendar: QOFCalendar, improvement: SubstantialImprovementResult?, today: CalendarDate) -> [Alert] {
        var alerts: [Alert] = []
        for year in [today.year, today.year + 1] {
            for date in AssetTest.testDates(calendar, taxYearEndingIn: year) {
                if let alert = Self.due(.assetTest, deadline: date.date, today: today), !alerts.contains(alert) { alerts.append(alert) }
            }
        }
        if let improvement, improvement.status == .atRisk, let end = improvement.windowEnd,
            let alert = Self.due(.improvementWindow, deadline: end, today: today)
        {
            alerts.append(alert)
        }
        return alerts
    }
}
