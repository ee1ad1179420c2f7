import Foundation
import Logging
import PostgresNIO

extension MetricsRollup {
    /// Events read and sessions written this many at a time.
    static let sessionBatch = 5_000

    /// The sessions that started in [from, to), a week at a time: each actor's events from a day
    /// before (a visit may have begun the evening before) to a day after, through `Sessionizer`.
    ///
    /// The events come through a cursor, `sessionBatch` at a time, and the sessions go out in
    /// batches of the same size, so the rollup's memory does not grow with the day's traffic: it
    /// held a week's sessions (and bound them all in one insert) before, and the service grew at
    /// every rollup of a busy day (issue 19's soak).
    static func rewriteSessions(from: Date, to: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM analytics.sessions WHERE started_at >= \(from) AND started_at < \(to)", logger: logger)
        var chunkStart = from
        while chunkStart < to {
            let chunkEnd = min(to, chunkStart.addingTimeInterval(7 * ReportDays.secondsPerDay))
            try await connection.query(
                """
                DECLARE rollup_events NO SCROLL CURSOR FOR
                SELECT actor, occurred_at, page_url, utm_source, referrer FROM analytics.events
                WHERE occurred_at >= \(chunkStart.addingTimeInterval(-Sessionizer.longest))
                    AND occurred_at < \(chunkEnd.addingTimeInterval(Sessionizer.longest))
                ORDER BY actor, occurred_at
                """,
                logger: logger
            )
            var batch = SessionBatch(window: chunkStart..<chunkEnd)
            var actor: String?
            var sessionizer = Sessionizer()
            var fetched = Self.sessionBatch
            while fetched == Self.sessionBatch {
                fetched = 0
                let rows = try await connection.query("FETCH FORWARD \(unescaped: String(Self.sessionBatch)) FROM rollup_events", logger: logger)
                for try await (next, at, page, utm, referrer) in rows.decode((String, Date, String?, String?, String?).self) {
                    fetched += 1
                    if next != actor {
                        if let actor, let last = sessionizer.finish() { batch.keep(last, of: actor) }
                        actor = next
                    }
                    if let closed = sessionizer.add(Sessionizer.Event(at: at, pageURL: page, utmSource: utm, referrer: referrer)) {
                        batch.keep(closed, of: next)
                    }
                }
                if batch.count >= Self.sessionBatch { try await batch.write(on: connection, logger: logger) }
            }
            if let actor, let last = sessionizer.finish() { batch.keep(last, of: actor) }
            try await batch.write(on: connection, logger: logger)
            try await connection.query("CLOSE rollup_events", logger: logger)
            chunkStart = chunkEnd
        }
    }
}

/// Sessions waiting to be inserted: those that started inside `window` (the chunk being rewritten).
private struct SessionBatch {
    let window: Range<Date>
    private var actors: [String] = []
    private var sessions: [Sessionizer.Session] = []

    init(window: Range<Date>) {
        self.window = window
    }

    var count: Int { self.sessions.count }

    mutating func keep(_ session: Sessionizer.Session, of actor: String) {
        guard self.window.contains(session.startedAt) else { return }
        self.actors.append(actor)
        self.sessions.append(session)
    }

    /// Inserts what is kept and empties the batch.
    mutating func write(on connection: PostgresConnection, logger: Logger) async throws {
        guard !self.sessions.isEmpty else { return }
        let sessions = self.sessions
        try await connection.query(
            """
            INSERT INTO analytics.sessions (actor, started_at, ended_at, events, entry_page, source)
            SELECT a, s, e, n, nullif(p, ''), src FROM unnest(\(self.actors)::text[], \(sessions.map(\.startedAt))::timestamptz[],
                \(sessions.map(\.endedAt))::timestamptz[], \(sessions.map(\.events))::int[], \(sessions.map { $0.entryPage ?? "" })::text[],
                \(sessions.map(\.source))::text[]) AS u(a, s, e, n, p, src)
            ON CONFLICT (actor, started_at) DO NOTHING
            """,
            logger: logger
        )
        self.actors.removeAll(keepingCapacity: true)
        self.sessions.removeAll(keepingCapacity: true)
    }
}
