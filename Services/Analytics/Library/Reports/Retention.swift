import Foundation
import PostgresNIO
import ServiceKit

/// Retention by first-seen cohort (README "Retention"):
/// - every actor counts, signed-in or anonymous (a visitor who comes back before signing up is
///   retained too; `identify` folds their anonymous days into the user once the rollup reruns);
/// - an actor's cohort is the period (UTC day, Monday-started week, or month) of their first
///   event ever, not their first in the range;
/// - retained[k] is how many of the cohort had any event in the k-th period after it.
/// Cohorts are those whose period starts in [from's period, to). Periods that have not begun by
/// today are left off the end of a cohort's row.
///
/// It reads the rollup's tables, not the events: the cohort is an index range of
/// `actor_first_seen`, the cells each cohort actor's rows of `activity_daily`.
struct RetentionQuery: Sendable {
    static let periodRange = 0...60

    let request: RetentionRequest
    /// Today's day number.
    let today: Int

    static func problems(_ request: RetentionRequest) -> FieldErrors {
        var errors = ReportRange.problems(request.range)
        if !periodRange.contains(request.periods) { errors.add("periods", "must be from 0 to 60") }
        return errors
    }

    var firstCohort: Int { ReportDays.periodStart(ReportDays.dayNumber(self.request.range.from), self.request.period) }
    var endDay: Int { ReportDays.dayNumber(self.request.range.to.addingTimeInterval(-1)) + 1 }

    /// Rows of (cohort start, period offset, actors); offset 0 is the cohort's size.
    func statement() -> PostgresQuery {
        let unit = self.request.period.rawValue
        let from = ReportDays.date(dayNumber: self.firstCohort)
        let to = ReportDays.date(dayNumber: self.endDay)
        // The last period a cohort may report ends `periods` periods after the last cohort.
        let horizon = ReportDays.date(
            dayNumber: ReportDays.periodStart(
                after: ReportDays.periodStart(self.endDay, self.request.period), self.request.periods + 1, self.request.period))
        let periods = self.request.periods
        let (months, days): (Int, Int) =
            switch self.request.period {
            case .day: (0, periods + 1)
            case .week: (0, 7 * (periods + 1))
            case .month: (periods + 1, 0)
            }
        return """
            WITH cohort AS (
                SELECT f.actor, date_trunc(\(unit), f.first_day::timestamp)::date AS cohort
                FROM analytics.actor_first_seen f
                WHERE f.first_day >= (\(from) AT TIME ZONE 'UTC')::date AND f.first_day < (\(to) AT TIME ZONE 'UTC')::date
                    AND EXISTS (SELECT 1 FROM analytics.activity_daily a WHERE a.day = f.first_day AND a.actor = f.actor)
            ), cells AS (
                SELECT DISTINCT c.cohort, c.actor,
                    CASE \(unit)
                        WHEN 'day' THEN a.day - c.cohort
                        WHEN 'week' THEN (date_trunc('week', a.day::timestamp)::date - c.cohort) / 7
                        ELSE (extract(year FROM a.day)::int * 12 + extract(month FROM a.day)::int)
                            - (extract(year FROM c.cohort)::int * 12 + extract(month FROM c.cohort)::int)
                    END AS offset_
                FROM cohort c
                JOIN analytics.activity_daily a ON a.actor = c.actor
                    AND a.day >= c.cohort AND a.day < (\(horizon) AT TIME ZONE 'UTC')::date
                    -- Only the days the cohort's row reports: each actor reads at most `periods + 1` periods.
                    AND a.day < (c.cohort + make_interval(months => \(months)::int, days => \(days)::int))::date
            )
            SELECT cohort::timestamp AT TIME ZONE 'UTC', offset_::int8, count(*)::int8
            FROM cells WHERE offset_ <= \(periods)
            GROUP BY cohort, offset_
            """
    }

    /// The grid: every cohort period in the range (empty ones too), each row cut at today.
    func report(_ cells: [(cohort: Int, offset: Int, actors: Int)]) -> RetentionReport {
        let period = self.request.period
        var lookup: [Int: [Int: Int]] = [:]
        for cell in cells { lookup[cell.cohort, default: [:]][cell.offset] = cell.actors }
        var cohorts: [RetentionCohort] = []
        var start = self.firstCohort
        while start < self.endDay {
            let row = lookup[start] ?? [:]
            let begun = (0...self.request.periods).filter { ReportDays.periodStart(after: start, $0, period) <= self.today }
            cohorts.append(
                RetentionCohort(start: ReportDays.name(dayNumber: start), size: row[0] ?? 0, retained: begun.map { row[$0] ?? 0 })
            )
            start = ReportDays.periodStart(after: start, 1, period)
        }
        return RetentionReport(period: period, cohorts: cohorts)
    }
}
