import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// Every report analytics answers, behind one interface (README "Reports"): the staff JSON and
/// CSV routes and the dashboard call these and nothing else, so the store under them (one
/// Postgres today; Citus or ClickHouse later) can change without touching a caller.
struct AnalyticsReports: Sendable {
    let postgres: PostgresClient
    /// "Now": which periods and activation windows are complete yet.
    let clock: ServiceClock

    init(postgres: PostgresClient, clock: ServiceClock = .system) {
        self.postgres = postgres
        self.clock = clock
    }

    /// An ordered funnel (see `FunnelQuery` for what counts); refuses a malformed request with 422.
    func funnel(_ request: FunnelRequest, logger: Logger) async throws -> FunnelReport {
        try await self.funnel(request, probeLimit: FunnelQuery.probeLimit, rollupMinimumDays: FunnelQuery.rollupMinimumDays, logger: logger)
    }

    /// The funnel with a given switch between hash joins and per-actor probes, and the fewest
    /// rolled-up days worth reading from the rollup (tests run every form).
    func funnel(_ request: FunnelRequest, probeLimit: Int, rollupMinimumDays: Int, logger: Logger) async throws -> FunnelReport {
        try await self.funnelProblems(request, logger: logger).check()
        let counts = try await self.postgres.transaction(logger: logger) { connection in
            for setting in FunnelQuery.settings { try await connection.query(setting, logger: logger) }
            let query = try await FunnelQuery.prepare(
                request, probeLimit: probeLimit, rollupMinimumDays: rollupMinimumDays, on: connection, logger: logger)
            var counts: [(step: Int, bucket: String?, actors: Int)] = []
            let rows = try await connection.query(query.statement(), logger: logger)
            for try await (step, bucket, actors) in rows.decode((Int, String?, Int64).self) {
                counts.append((step, bucket, Int(actors)))
            }
            return counts
        }
        return FunnelQuery.report(steps: request.steps, counts: counts, breakdown: request.breakdown != nil)
    }

    /// What is wrong with a funnel request, every field named: its shape, and client names not on
    /// the allow-list (`event_names`) — a misspelt step would otherwise answer a funnel of zeros
    /// that looks like a finding.
    func funnelProblems(_ request: FunnelRequest, logger: Logger) async throws -> FieldErrors {
        var errors = FieldErrors()
        let clientNames = request.steps.filter { !$0.contains(".") && EventNameRules.isEventName($0) }
        if !clientNames.isEmpty {
            var known: Set<String> = []
            let rows = try await self.postgres.query("SELECT name FROM analytics.event_names WHERE name = ANY(\(clientNames))", logger: logger)
            for try await name in rows.decode(String.self) { known.insert(name) }
            for (index, name) in request.steps.enumerated() where clientNames.contains(name) && !known.contains(name) {
                errors.add("steps[\(index)]", "is not an allowed event name (see the event names admin route)")
            }
        }
        errors.add(contentsOf: FunnelQuery.problems(request).all)
        return errors
    }

    /// Seed 001's investment funnel, for one offering (every step's `offering_id`) or for all,
    /// broken down by offering. The window is the longest a funnel allows (90 days): people take
    /// weeks between a first look and funding.
    func investmentFunnel(offeringID: UUID?, range: DayRange, logger: Logger) async throws -> FunnelReport {
        let request = FunnelRequest(
            steps: InvestmentFunnel.steps,
            windowSeconds: FunnelQuery.windowRange.upperBound,
            range: range,
            filters: offeringID.map { [PropertyFilter(key: "offering_id", value: $0.uuidString.lowercased())] } ?? [],
            breakdown: offeringID == nil ? "offering_id" : nil
        )
        return try await self.funnel(request, logger: logger)
    }

    /// Retention by first-seen cohort, from the daily activity rollup (see `RetentionQuery`).
    func retention(_ request: RetentionRequest, logger: Logger) async throws -> RetentionReport {
        try RetentionQuery.problems(request).check()
        let query = RetentionQuery(request: request, today: ReportDays.dayNumber(self.clock.now))
        var cells: [(cohort: Int, offset: Int, actors: Int)] = []
        let rows = try await self.postgres.query(query.statement(), logger: logger)
        for try await (cohort, offset, actors) in rows.decode((Date, Int, Int64).self) {
            cells.append((ReportDays.dayNumber(cohort), offset, Int(actors)))
        }
        return query.report(cells)
    }

    /// The rollup's days in the range, oldest first (days the rollup has not reached are absent).
    func dailyMetrics(range: DayRange, logger: Logger) async throws -> [DailyMetrics] {
        try ReportRange.problems(range).check()
        return try await MetricsRollup.read(range: range, on: self.postgres, logger: logger)
    }

    /// `user.created` per UTC day, every day of the range (0 when none), from the events.
    func signUps(range: DayRange, logger: Logger) async throws -> [DailyCount] {
        try ReportRange.problems(range).check()
        let rows = try await self.postgres.query(
            """
            SELECT d.day::date, count(e.id)::int8
            FROM generate_series((\(range.from) AT TIME ZONE 'UTC')::date, (\(range.to) AT TIME ZONE 'UTC')::date - 1, interval '1 day') AS d(day)
            LEFT JOIN analytics.events e
                ON e.name = 'user.created' AND e.occurred_at >= \(range.from) AND e.occurred_at < \(range.to)
                AND (e.occurred_at AT TIME ZONE 'UTC')::date = d.day::date
            GROUP BY d.day ORDER BY d.day
            """,
            logger: logger
        )
        var days: [DailyCount] = []
        for try await (day, count) in rows.decode((Date, Int64).self) {
            days.append(DailyCount(day: ReportDays.name(day), count: Int(count)))
        }
        return days
    }

    /// Sources by first touch, from the rollup's sessions (as fresh as the last rollup): visitors
    /// whose first session in the range came from each source (utm_source, else the referrer's
    /// host, else `direct`), how many of them signed up in the range, and all sessions per source.
    func topSources(range: DayRange, limit: Int, logger: Logger) async throws -> [SourceCount] {
        try ReportRange.problems(range).check()
        let limit = min(max(limit, 1), 100)
        let rows = try await self.postgres.query(
            """
            WITH in_range AS (
                SELECT actor, started_at, source FROM analytics.sessions
                WHERE started_at >= \(range.from) AND started_at < \(range.to)
            ), first_touch AS (
                SELECT DISTINCT ON (actor) actor, source FROM in_range ORDER BY actor, started_at
            ), signed_up AS (
                SELECT DISTINCT actor FROM analytics.events
                WHERE name = 'user.created' AND occurred_at >= \(range.from) AND occurred_at < \(range.to)
            ), visitors AS (
                SELECT f.source, count(*)::int8 AS visitors, count(s.actor)::int8 AS sign_ups
                FROM first_touch f LEFT JOIN signed_up s ON s.actor = f.actor
                GROUP BY f.source
            )
            SELECT v.source, v.visitors, v.sign_ups, (SELECT count(*) FROM in_range i WHERE i.source = v.source)::int8
            FROM visitors v
            ORDER BY v.visitors DESC, v.source COLLATE "C"
            LIMIT \(limit)
            """,
            logger: logger
        )
        var sources: [SourceCount] = []
        for try await (source, visitors, signUps, sessions) in rows.decode((String, Int64, Int64, Int64).self) {
            sources.append(SourceCount(source: source, visitors: Int(visitors), signUps: Int(signUps), sessions: Int(sessions)))
        }
        return sources
    }

    /// `oz_check.completed` per state (the tract GEOID's first two digits, a state FIPS code),
    /// most checks first; checks without a known tract are left out.
    func ozChecksByState(range: DayRange, logger: Logger) async throws -> [StateCount] {
        try ReportRange.problems(range).check()
        let rows = try await self.postgres.query(
            """
            SELECT left(properties ->> 'tract_geoid', 2) AS fips, count(*)::int8,
                count(*) FILTER (WHERE properties ->> 'designated' = 'true')::int8
            FROM analytics.events
            WHERE name = 'oz_check.completed' AND occurred_at >= \(range.from) AND occurred_at < \(range.to)
                AND properties ->> 'tract_geoid' ~ '^[0-9]{2}'
            GROUP BY 1
            """,
            logger: logger
        )
        var states: [StateCount] = []
        for try await (fips, checks, designated) in rows.decode((String, Int64, Int64).self) {
            guard let state = StateFIPS.usps[fips] else { continue }
            states.append(StateCount(state: state, checks: Int(checks), designated: Int(designated)))
        }
        return states.sorted { $0.checks != $1.checks ? $0.checks > $1.checks : $0.state < $1.state }
    }
}

/// Seed 001 `investment_funnel`: viewed a listing → opened its details → downloaded its
/// documents → committed → funded.
enum InvestmentFunnel {
    static let steps = ["listing_viewed", "listing_details_opened", "documents_downloaded", "investment.committed", "investment.funded"]
}
