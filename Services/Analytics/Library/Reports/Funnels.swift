import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Funnels (README "Funnels"): whom each step of an ordered list of event names kept.
///
/// - The actor is `events.actor` (a user, or an anonymous visitor until `identify` joins them up).
/// - Step 1 is the actor's first step-1 event in the range (after the filters).
/// - Step k is the actor's first step-k event strictly after step k-1's and at most
///   `windowSeconds` after step 1 (exactly at the window counts; a second past does not). Events
///   with the same timestamp are not "in order": a step needs a later time than the one before, so
///   a repeated name (`listing_viewed` twice) means two separate events.
/// - Order is by `occurred_at`, never by arrival.
/// - Filters (`properties ->> key = value`) apply to every step's event; the breakdown is the
///   first step's event's property value.
///
/// The query is one statement with one CTE per step. Step 1 reads its name's slice of the range
/// from `events_name_time` (index only, actor included) — or, for a long range without filters or
/// breakdown, the rolled-up days from `funnel_firsts` (one btree in actor order: a streaming
/// aggregate instead of hashing every event) plus the days since from the events. Each later step
/// has two forms, and a one-time filter on the previous step's size runs one: a hash join of the
/// previous actors with the name's slice in [from, to + window) when many remain, a probe per
/// actor on `events_actor_name_time` (runtime pruning keeps it to the months of its window) when
/// at most `probeLimit` do. Every step's time bounds are constants, so partitions outside the
/// range are pruned at plan time. It runs with `FunnelQuery.settings`: enough memory to hash the
/// actors rather than sort them to disk, merge joins off (sorting half a million actors to merge
/// them cost twice the hash join on 10M events), and no JIT (its compile time is most of a
/// sub-second query).
struct FunnelQuery: Sendable {
    static let maximumFilters = 5
    static let stepRange = 2...10
    static let windowRange = 1...(90 * 86_400)

    let request: FunnelRequest
    /// Up to this many actors at a step, the next step probes per actor rather than hash-joining
    /// the next name's whole slice (see `statement`); tests set 0 and Int.max to check both forms.
    var probeLimit = FunnelQuery.probeLimit
    /// Set when the first step reads `funnel_firsts` for the rolled-up days [from, this) and the
    /// events only from here to the range's end (see `AnalyticsReports.funnel`).
    var rolledUpUntil: Date? = nil

    /// A probe costs about 10 µs (one or two months' index), a hash join about 0.7 µs per event
    /// of the name's slice: 10,000 probes (~0.1 s) beat hashing any slice over ~150k events and
    /// bound the loss on a small one (measured on 10M events, `make bench`).
    static let probeLimit = 10_000

    /// A first step without filters or breakdown reads `funnel_firsts` when the rollup has at
    /// least this many of the range's days. Its scan is in (name, actor) order over every day the
    /// rollup holds, the range's days picked out of the index: it pays when the range is most of
    /// them. On 10M events over a year, listing_viewed: 90 days ~0.4 s rolled up vs ~0.25 s live;
    /// 365 days ~0.27 s rolled up vs ~0.5 s live.
    static let rollupMinimumDays = 180

    /// The query for `request`, reading the rollup for its first step when that pays (see
    /// `rollupMinimumDays`).
    static func prepare(
        _ request: FunnelRequest, probeLimit: Int = Self.probeLimit, rollupMinimumDays: Int = Self.rollupMinimumDays,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> FunnelQuery {
        var query = FunnelQuery(request: request, probeLimit: probeLimit)
        if request.filters.isEmpty, request.breakdown == nil {
            let until = try await Self.rolledUpUntil(request.range, on: connection, logger: logger)
            if until.timeIntervalSince(request.range.from) >= Double(rollupMinimumDays) * ReportDays.secondsPerDay {
                query.rolledUpUntil = until
            }
        }
        return query
    }

    /// The end of the range's leading run of days the rollup made after they were over (in
    /// `funnel_days` computed at or after the day's end): the first day it lacks, or the range's
    /// end. Days from there on are read from the events.
    static func rolledUpUntil(_ range: DayRange, on connection: PostgresConnection, logger: Logger) async throws -> Date {
        let rows = try await connection.query(
            """
            SELECT coalesce(min(d.day), (\(range.to) AT TIME ZONE 'UTC')::date)::timestamp AT TIME ZONE 'UTC'
            FROM (
                SELECT g::date AS day
                FROM generate_series((\(range.from) AT TIME ZONE 'UTC')::date, (\(range.to) AT TIME ZONE 'UTC')::date - 1, interval '1 day') AS g
            ) d
            LEFT JOIN analytics.funnel_days m ON m.day = d.day AND m.computed_at >= (d.day + 1)::timestamp AT TIME ZONE 'UTC'
            WHERE m.day IS NULL
            """,
            logger: logger
        )
        var until = range.to
        for try await value in rows.decode(Date.self) { until = value }
        return min(until, range.to)
    }

    /// Set for the funnel's transaction only (see above); measured in `make bench`.
    static let settings: [PostgresQuery] = [
        "SET LOCAL work_mem = '64MB'", "SET LOCAL enable_mergejoin = off", "SET LOCAL jit = off",
    ]

    /// Checks the request's shape (names, window, range, filters), naming each bad field.
    static func problems(_ request: FunnelRequest) -> FieldErrors {
        var errors = FieldErrors()
        if !stepRange.contains(request.steps.count) {
            errors.add("steps", "must list 2 to 10 event names")
        }
        for (index, name) in request.steps.enumerated() where !EventNameRules.isEventName(name) {
            errors.add("steps[\(index)]", "is not an event name (a client name like listing_viewed or a domain type like investment.funded)")
        }
        if !windowRange.contains(request.windowSeconds) {
            errors.add("window", "must be from 1 second to 90 days (7776000 seconds)")
        }
        errors.add(contentsOf: ReportRange.problems(request.range).all)
        if request.filters.count > maximumFilters {
            errors.add("filter", "at most \(maximumFilters) filters")
        }
        for (index, filter) in request.filters.enumerated() where !EventNameRules.isPropertyKey(filter.key) {
            errors.add("filter[\(index)]", "the key must be a property name (letters, digits, _ and -, up to 64)")
        }
        if let breakdown = request.breakdown, !EventNameRules.isPropertyKey(breakdown) {
            errors.add("breakdown", "must be a property name (letters, digits, _ and -, up to 64)")
        }
        return errors
    }

    /// The statement and its binds. Only step numbers and placeholders are written into the text;
    /// every name, time and property goes in as a bind.
    func statement() -> PostgresQuery {
        var binds = SQLBinds()
        let from = binds.add(self.request.range.from)
        let to = binds.add(self.request.range.to)
        // Later steps may fall up to a window past the range's end; a constant bound keeps pruning.
        let laterTo = binds.add(self.request.range.to.addingTimeInterval(TimeInterval(self.request.windowSeconds)))
        let window = binds.add(self.request.windowSeconds)
        let filters = self.request.filters.map { filter in
            let key = binds.add(filter.key)
            let value = binds.add(filter.value)
            return " AND e.properties ->> \(key) = \(value)"
        }.joined()
        let bucket = self.request.breakdown.map { "e.properties ->> \(binds.add($0))" } ?? "NULL::text"

        let first = binds.add(self.request.steps[0])
        // Without a breakdown, the first time per actor is a hash aggregate (no sort of the slice);
        // with one, the first event's row is needed, which DISTINCT ON picks.
        var ctes: [String]
        if let rolledUpUntil = self.rolledUpUntil, self.request.filters.isEmpty, self.request.breakdown == nil {
            // The rolled-up days in actor order (a streaming aggregate over the primary key, which
            // the ORDER BY asks for), and the days since from the events; the earlier time wins.
            let until = binds.add(rolledUpUntil)
            ctes = [
                """
                step1 AS (
                    SELECT coalesce(r.actor, l.actor) AS actor, least(r.at, l.at) AS first_at, least(r.at, l.at) AS at, NULL::text AS bucket
                    FROM (
                        SELECT f.actor, min(f.first_at) AS at FROM analytics.funnel_firsts f
                        WHERE f.name = \(first) AND f.day >= (\(from) AT TIME ZONE 'UTC')::date AND f.day < (\(until) AT TIME ZONE 'UTC')::date
                        GROUP BY f.actor ORDER BY f.actor
                    ) r
                    FULL JOIN (
                        SELECT e.actor, min(e.occurred_at) AS at FROM analytics.events e
                        WHERE e.name = \(first) AND e.occurred_at >= \(until) AND e.occurred_at < \(to)
                        GROUP BY e.actor
                    ) l ON l.actor = r.actor
                )
                """
            ]
        } else {
            ctes = [
                self.request.breakdown == nil
                    ? """
                    step1 AS (
                        SELECT e.actor, min(e.occurred_at) AS first_at, min(e.occurred_at) AS at, NULL::text AS bucket
                        FROM analytics.events e
                        WHERE e.name = \(first) AND e.occurred_at >= \(from) AND e.occurred_at < \(to)\(filters)
                        GROUP BY e.actor
                    )
                    """
                    : """
                    step1 AS (
                        SELECT DISTINCT ON (e.actor) e.actor, e.occurred_at AS first_at, e.occurred_at AS at, \(bucket) AS bucket
                        FROM analytics.events e
                        WHERE e.name = \(first) AND e.occurred_at >= \(from) AND e.occurred_at < \(to)\(filters)
                        ORDER BY e.actor, e.occurred_at
                    )
                    """
            ]
        }
        let probeLimit = binds.add(self.probeLimit)
        for step in 2...self.request.steps.count {
            let previous = "step\(step - 1)"
            let name = binds.add(self.request.steps[step - 1])
            // The step's event for one of the previous step's actors (`p`).
            let next = """
                e.name = \(name) AND e.occurred_at >= \(from) AND e.occurred_at < \(laterTo)
                        AND e.occurred_at > p.at AND e.occurred_at <= p.first_at + \(window) * interval '1 second'\(filters)
                """
            // Two forms, one of which runs (a one-time filter on the previous step's size skips the
            // other unexecuted): many actors → a hash join over the name's slice; few → a probe per
            // actor on events_actor_name_time for the first event after its previous step, which
            // runtime partition pruning keeps to the month or two in its window.
            ctes.append(
                """
                size\(step - 1) AS (SELECT count(*) AS actors FROM \(previous)),
                step\(step) AS (
                    SELECT p.actor, p.first_at, min(e.occurred_at) AS at, p.bucket
                    FROM \(previous) p
                    JOIN analytics.events e ON e.actor = p.actor
                    WHERE \(next) AND (SELECT actors FROM size\(step - 1)) > \(probeLimit)
                    GROUP BY p.actor, p.first_at, p.bucket
                    UNION ALL
                    SELECT p.actor, p.first_at, n.at, p.bucket
                    FROM \(previous) p
                    CROSS JOIN LATERAL (
                        SELECT e.occurred_at AS at FROM analytics.events e
                        WHERE e.actor = p.actor AND \(next)
                        ORDER BY e.occurred_at LIMIT 1
                    ) n
                    WHERE (SELECT actors FROM size\(step - 1)) <= \(probeLimit)
                )
                """
            )
        }
        let counts = (1...self.request.steps.count).map { step in
            "SELECT \(step) AS step, bucket, count(*)::int8 AS actors FROM step\(step) GROUP BY bucket"
        }
        return binds.query("WITH " + ctes.joined(separator: ",\n") + "\n" + counts.joined(separator: "\nUNION ALL\n"))
    }

    /// The counts (step, bucket, actors) the statement answers, as a report.
    static func report(steps: [String], counts: [(step: Int, bucket: String?, actors: Int)], breakdown: Bool) -> FunnelReport {
        func funnel(_ rows: [(step: Int, bucket: String?, actors: Int)]) -> [FunnelStep] {
            var byStep = [Int](repeating: 0, count: steps.count)
            for row in rows { byStep[row.step - 1] += row.actors }
            return FunnelMath.steps(names: steps, actors: byStep)
        }
        guard breakdown else { return FunnelReport(steps: funnel(counts)) }
        let groups = Dictionary(grouping: counts, by: { $0.bucket })
        let values = groups.map { bucket, rows in FunnelBreakdown(value: bucket, steps: funnel(rows)) }
            // Largest first; values of the same size by name (none last), so the order is stable.
            .sorted { a, b in
                let (x, y) = (a.steps.first?.actors ?? 0, b.steps.first?.actors ?? 0)
                if x != y { return x > y }
                return (a.value ?? "\u{10FFFF}") < (b.value ?? "\u{10FFFF}")
            }
        return FunnelReport(steps: funnel(counts), breakdown: values)
    }
}

/// Conversion and drop-off from the actors at each step.
enum FunnelMath {
    static func steps(names: [String], actors: [Int]) -> [FunnelStep] {
        names.indices.map { index in
            let count = actors[index]
            let previous = index == 0 ? count : actors[index - 1]
            let first = actors[0]
            return FunnelStep(
                name: names[index],
                actors: count,
                conversionFromPrevious: index == 0 ? 1 : ratio(count, previous),
                conversionFromFirst: index == 0 ? 1 : ratio(count, first),
                dropOff: index == 0 ? 0 : previous - count
            )
        }
    }

    /// Four decimals: a rate people read, the same on every machine.
    static func ratio(_ part: Int, _ whole: Int) -> Double {
        whole == 0 ? 0 : (Double(part) / Double(whole) * 10_000).rounded() / 10_000
    }
}

/// What an event name and a property key may look like in a report's request.
enum EventNameRules {
    /// A client name (`listing_viewed`, shaped as `event_names` allows; whether staff allowed it
    /// is the database's to say) or a domain type the suite publishes (`investment.funded`).
    static func isEventName(_ name: String) -> Bool {
        name.wholeMatch(of: /[a-z][a-z0-9_]{0,63}/) != nil || EventPublishers.table[name] != nil
    }

    static func isPropertyKey(_ key: String) -> Bool {
        key.wholeMatch(of: /[A-Za-z0-9_\-]{1,64}/) != nil
    }
}

/// A report's day range: whole days, `from` before `to`, at most two years.
enum ReportRange {
    static let maximumDays = 731

    static func problems(_ range: DayRange) -> FieldErrors {
        var errors = FieldErrors()
        if range.to <= range.from {
            errors.add("to", "must be after from")
        } else if range.to.timeIntervalSince(range.from) > Double(maximumDays) * ReportDays.secondsPerDay {
            errors.add("to", "the range may cover at most \(maximumDays) days")
        }
        return errors
    }
}
