import Foundation
import Logging
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// The daily rollup (seed 003 `recompute_metrics_daily`): for each UTC day, `activity_daily` and
/// `funnel_firsts` from the events, then that day's `metrics_daily` row. Whole days are deleted and rewritten in one
/// transaction, so a rerun gives the same rows; a transaction-level advisory lock keeps two
/// replicas (or a staff rerun and the schedule) from interleaving.
///
/// Definitions (README "Daily metrics"):
/// - activation: a user who signed up (`user.created`) that day and within 7 days after did one of
///   `activationEvents` — completed an entry point's action or committed money. NULL until the
///   7 days are over, or when nobody signed up.
/// - retention rate: of the signed-in users active 7 days before, the share active again on any
///   of the 7 days ending that day. NULL when nobody was active 7 days before.
struct MetricsRollup: Sendable {
    static let activationEvents = [
        "oz_check.completed", "investor_profile.created", "tax_calculator.used", "investment.committed", "documents_downloaded",
    ]
    /// The advisory lock's key: the rollup's name, hashed by Postgres.
    static let lockName = "analytics.metrics_rollup"

    let postgres: PostgresClient
    let clock: ServiceClock

    /// Recomputes the days of `range`; `wait` false skips (returning false) when another replica
    /// holds the lock, as the scheduled run does.
    @discardableResult
    func recompute(range: DayRange, wait: Bool = true, logger: Logger) async throws -> Bool {
        let from = ReportDays.date(dayNumber: ReportDays.dayNumber(range.from))
        let to = ReportDays.date(dayNumber: ReportDays.dayNumber(range.to.addingTimeInterval(-1)) + 1)
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            if wait {
                try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(Self.lockName)))", logger: logger)
            } else {
                let rows = try await connection.query("SELECT pg_try_advisory_xact_lock(hashtext(\(Self.lockName)))", logger: logger)
                var taken = false
                for try await value in rows.decode(Bool.self) { taken = value }
                guard taken else { return false }
            }
            try await connection.query(
                "DELETE FROM analytics.activity_daily WHERE day >= (\(from) AT TIME ZONE 'UTC')::date AND day < (\(to) AT TIME ZONE 'UTC')::date",
                logger: logger
            )
            try await connection.query(
                """
                INSERT INTO analytics.activity_daily (day, actor, events)
                SELECT (occurred_at AT TIME ZONE 'UTC')::date, actor, count(*)
                FROM analytics.events WHERE occurred_at >= \(from) AND occurred_at < \(to)
                GROUP BY 1, 2
                """,
                logger: logger
            )
            try await connection.query(
                """
                INSERT INTO analytics.actor_first_seen (actor, first_day)
                SELECT actor, min(day) FROM analytics.activity_daily
                WHERE day >= (\(from) AT TIME ZONE 'UTC')::date AND day < (\(to) AT TIME ZONE 'UTC')::date
                GROUP BY actor
                ON CONFLICT (actor) DO UPDATE SET first_day = least(actor_first_seen.first_day, excluded.first_day)
                """,
                logger: logger
            )
            try await Self.rewriteFunnelFirsts(from: from, to: to, now: now, on: connection, logger: logger)
            try await Self.rewriteSessions(from: from, to: to, on: connection, logger: logger)
            try await connection.query(
                """
                INSERT INTO analytics.metrics_daily
                    (day, active_users, visitors, sign_ups, sign_ups_by_source, activation_rate, retention_rate, computed_at)
                SELECT d.day, activity.users, activity.visitors, coalesce(signups.total, 0), coalesce(signups.by_source, '{}'),
                    CASE WHEN coalesce(signups.total, 0) > 0 AND d.day + 8 <= (\(now) AT TIME ZONE 'UTC')::date
                        THEN round(signups.activated::numeric / signups.total, 4) END,
                    CASE WHEN returned.base > 0 THEN round(returned.back::numeric / returned.base, 4) END,
                    \(now)
                FROM (
                    SELECT g::date AS day
                    FROM generate_series((\(from) AT TIME ZONE 'UTC')::date, (\(to) AT TIME ZONE 'UTC')::date - 1, interval '1 day') AS g
                ) AS d
                CROSS JOIN LATERAL (
                    SELECT count(*) FILTER (WHERE a.actor NOT LIKE 'anon:%')::int AS users, count(*)::int AS visitors
                    FROM analytics.activity_daily a WHERE a.day = d.day
                ) AS activity
                LEFT JOIN LATERAL (
                    SELECT sum(n)::int AS total, sum(activated)::int AS activated, jsonb_object_agg(source, n) AS by_source
                    FROM (
                        SELECT coalesce(nullif(u.properties ->> 'first_auth_source', ''), 'unknown') AS source, count(*) AS n,
                            count(*) FILTER (WHERE EXISTS (
                                SELECT 1 FROM analytics.events x
                                WHERE x.user_id = u.user_id AND x.name = ANY(\(Self.activationEvents))
                                    AND x.occurred_at > u.occurred_at AND x.occurred_at <= u.occurred_at + interval '7 days'
                            )) AS activated
                        FROM analytics.events u
                        WHERE u.name = 'user.created'
                            AND u.occurred_at >= d.day::timestamp AT TIME ZONE 'UTC'
                            AND u.occurred_at < (d.day + 1)::timestamp AT TIME ZONE 'UTC'
                        GROUP BY 1
                    ) AS by_source
                ) AS signups ON true
                CROSS JOIN LATERAL (
                    SELECT count(*)::int AS base,
                        count(*) FILTER (WHERE EXISTS (
                            SELECT 1 FROM analytics.activity_daily n
                            WHERE n.actor = b.actor AND n.day > d.day - 7 AND n.day <= d.day
                        ))::int AS back
                    FROM analytics.activity_daily b WHERE b.day = d.day - 7 AND b.actor NOT LIKE 'anon:%'
                ) AS returned
                ON CONFLICT (day) DO UPDATE SET
                    active_users = excluded.active_users, visitors = excluded.visitors, sign_ups = excluded.sign_ups,
                    sign_ups_by_source = excluded.sign_ups_by_source, activation_rate = excluded.activation_rate,
                    retention_rate = excluded.retention_rate, computed_at = excluded.computed_at
                """,
                logger: logger
            )
            return true
        }
    }

    /// Each actor's first event of each name per day of [from, to) (`funnel_firsts`), and the
    /// days marked as made at `now` (`funnel_days`).
    static func rewriteFunnelFirsts(from: Date, to: Date, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "DELETE FROM analytics.funnel_firsts WHERE day >= (\(from) AT TIME ZONE 'UTC')::date AND day < (\(to) AT TIME ZONE 'UTC')::date",
            logger: logger
        )
        try await connection.query(
            """
            INSERT INTO analytics.funnel_firsts (name, actor, day, first_at)
            SELECT name, actor, (occurred_at AT TIME ZONE 'UTC')::date, min(occurred_at)
            FROM analytics.events WHERE occurred_at >= \(from) AND occurred_at < \(to)
            GROUP BY 1, 2, 3
            """,
            logger: logger
        )
        try await connection.query(
            """
            INSERT INTO analytics.funnel_days (day, computed_at)
            SELECT g::date, \(now) FROM generate_series((\(from) AT TIME ZONE 'UTC')::date, (\(to) AT TIME ZONE 'UTC')::date - 1, interval '1 day') AS g
            ON CONFLICT (day) DO UPDATE SET computed_at = excluded.computed_at
            """,
            logger: logger
        )
    }

    static func read(range: DayRange, on postgres: PostgresClient, logger: Logger) async throws -> [DailyMetrics] {
        let rows = try await postgres.query(
            """
            SELECT day::timestamp AT TIME ZONE 'UTC', active_users, visitors, sign_ups, sign_ups_by_source::text,
                activation_rate::float8, retention_rate::float8
            FROM analytics.metrics_daily
            WHERE day >= (\(range.from) AT TIME ZONE 'UTC')::date AND day < (\(range.to) AT TIME ZONE 'UTC')::date
            ORDER BY day
            """,
            logger: logger
        )
        var days: [DailyMetrics] = []
        for try await (day, users, visitors, signUps, bySource, activation, retention) in rows.decode(
            (Date, Int32, Int32, Int32, String, Double?, Double?).self)
        {
            days.append(
                DailyMetrics(
                    day: ReportDays.name(day), activeUsers: Int(users), visitors: Int(visitors), signUps: Int(signUps),
                    signUpsBySource: (try? JSONDecoder().decode([String: Int].self, from: Data(bySource.utf8))) ?? [:],
                    activationRate: activation, retentionRate: retention
                )
            )
        }
        return days
    }
}

/// Reruns the rollup for the last `days` days (today included) every `interval`. Replicas skip a
/// run another holds the lock for. A failed run (migrations not applied yet) is retried within 10 s.
struct MetricsRollupSchedule: Service {
    let rollup: MetricsRollup
    let days: Int
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // Before migrations have run, or with the database away, it tries again soon, not in an interval.
        try await PeriodicWork(
            "metrics rollup", every: self.interval, firstRound: .atOnce, roundLimit: .seconds(1800), retryAfterFailure: .seconds(10),
            logger: self.logger
        ) {
            let today = ReportDays.dayNumber(self.rollup.clock.now)
            let range = DayRange(from: ReportDays.date(dayNumber: today - self.days + 1), to: ReportDays.date(dayNumber: today + 1))
            try await self.rollup.recompute(range: range, wait: false, logger: self.logger)
            return false
        }.run()
    }
}
