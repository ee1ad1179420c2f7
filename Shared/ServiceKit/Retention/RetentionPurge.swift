import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// Deletes rows past their retention (`PurgeTarget`s), every `PURGE_INTERVAL_SECONDS`, in batches
/// of `PURGE_BATCH_SIZE` so no statement holds many locks or runs long.
///
/// Safe with replicas: each batch picks its rows `FOR UPDATE SKIP LOCKED`, so replicas purging at
/// once take disjoint rows, never wait on each other and cannot deadlock; a row a request is
/// using at that moment (an idempotency key being answered) is skipped until the next run.
public struct RetentionPurge: Service {
    let client: PostgresClient
    let targets: [PurgeTarget]
    let interval: Duration
    let batchSize: Int
    let startup: StartupGate
    let logger: Logger

    public init(
        client: PostgresClient,
        targets: [PurgeTarget],
        interval: Duration,
        batchSize: Int,
        startup: StartupGate = .opened,
        logger: Logger
    ) {
        self.client = client
        self.targets = targets
        self.interval = interval
        self.batchSize = batchSize
        self.startup = startup
        self.logger = logger
    }

    public func run() async throws {
        // The tables exist only once migrations have run.
        try await PeriodicWork(
            "retention purge", every: self.interval, firstRound: .atOnce, roundLimit: .seconds(600), startup: self.startup, logger: self.logger
        ) {
            try await self.purgeOnce()
            return false
        }.run()
    }

    /// One pass over every target; returns the rows deleted per table.
    @discardableResult
    public func purgeOnce() async throws -> [String: Int] {
        var deleted: [String: Int] = [:]
        for target in self.targets {
            var total = 0
            while !Task.isCancelled {
                let batch = try await self.purgeBatch(target)
                total += batch
                if batch < self.batchSize { break }
            }
            deleted[target.table] = total
            if total > 0 {
                Counter(label: "tract_purged_rows_total", dimensions: [("table", target.table)]).increment(by: total)
                self.logger.info("purged rows past retention", metadata: ["table": .string(target.table), "rows": .stringConvertible(total)])
            }
        }
        return deleted
    }

    private func purgeBatch(_ target: PurgeTarget) async throws -> Int {
        let seconds = target.retention.inSeconds
        let extra = target.alsoRequires.map { " AND (\($0))" } ?? ""
        let rows = try await self.client.query(
            PostgresQuery(
                unsafeSQL: """
                    WITH gone AS (
                        DELETE FROM \(target.table) WHERE ctid IN (
                            SELECT ctid FROM \(target.table)
                            WHERE \(target.timeColumn) < now() - make_interval(secs => $1)\(extra)
                            LIMIT $2
                            FOR UPDATE SKIP LOCKED
                        )
                        RETURNING 1
                    )
                    SELECT count(*)::int8 FROM gone
                    """,
                binds: {
                    var binds = PostgresBindings()
                    binds.append(seconds)
                    binds.append(self.batchSize)
                    return binds
                }()
            ),
            logger: self.logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }
}
