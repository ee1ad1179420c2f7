import Foundation
import Logging
import Models
import PostgresNIO

/// Something new for a user's open clients: a notification, a message, a read receipt…
/// `kind` becomes the SSE `event:` name, `payload` its `data:`.
package struct LiveItem: Sendable, Equatable {
    package var kind: String
    package var id: UUID
    package var payload: JSONValue

    package init(kind: String, id: UUID, payload: JSONValue) {
        self.kind = kind
        self.id = id
        self.payload = payload
    }
}

/// Appends items to users' feeds inside the caller's transaction. Each user has a gapless,
/// commit-ordered sequence (a per-user head row locked by the append), so a client resuming from
/// its last sequence number misses nothing; on commit, open streams on every replica are woken
/// (LISTEN/NOTIFY on `LiveFeed.channel`). Set-based: one statement per call, whatever the number
/// of users. (`package` so the live-latency benchmark appends exactly as the service does.)
///
/// Callers appending to many users in one transaction should do it in one call: the heads are
/// locked in user-id order within a call, so two calls from different transactions cannot
/// deadlock on each other's heads.
package struct LiveFeed: Sendable {
    /// The NOTIFY channel. Its payloads carry only `user:seq` pairs, never content: anyone who can
    /// LISTEN on the database learns who got something, not what.
    static let channel = "communications_live"
    /// Pairs per NOTIFY payload: 150 × ~45 bytes stays under Postgres's 8,000-byte payload limit.
    static let pairsPerNotification = 150

    package init() {}

    /// Appends `item` to each of `users`' feeds (a user listed twice gets it once).
    package func append(_ item: LiveItem, to users: [UUID], on connection: PostgresConnection, logger: Logger) async throws {
        var seen = Set<UUID>()
        let unique = users.filter { seen.insert($0).inserted }
        try await self.append(unique.map { (user: $0, item: item) }, on: connection, logger: logger)
    }

    /// The same when each user gets their own item (one notification row per user). A user listed
    /// several times gets each of their items, in the order given.
    package func append(_ items: [(user: UUID, item: LiveItem)], on connection: PostgresConnection, logger: Logger) async throws {
        guard !items.isEmpty else { return }
        let payloads = try items.map { String(decoding: try JSONEncoder.tract.encode($0.item.payload), as: UTF8.self) }
        // One statement: number the rows per user (heads bumped by each user's count, in user-id
        // order), insert them, and NOTIFY the new heads in chunks. NOTIFY is delivered at commit
        // and dropped on rollback, so a woken stream always finds the rows it was told about.
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    WITH input AS (
                        SELECT i.user_id, i.kind, i.item_id, i.payload::jsonb AS payload, i.ord
                        FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[])
                            WITH ORDINALITY AS i (user_id, kind, item_id, payload, ord)
                    ),
                    counts AS (
                        SELECT user_id, count(*) AS n FROM input GROUP BY user_id
                    ),
                    heads AS (
                        INSERT INTO communications.live_heads AS h (user_id, last_seq)
                        SELECT user_id, n FROM counts ORDER BY user_id
                        ON CONFLICT (user_id) DO UPDATE
                            SET last_seq = h.last_seq + EXCLUDED.last_seq, updated_at = now()
                        RETURNING h.user_id, h.last_seq
                    ),
                    added AS (
                        INSERT INTO communications.live_items (user_id, seq, kind, item_id, payload)
                        SELECT i.user_id,
                               h.last_seq - c.n + row_number() OVER (PARTITION BY i.user_id ORDER BY i.ord),
                               i.kind, i.item_id, i.payload
                        FROM input i JOIN heads h USING (user_id) JOIN counts c USING (user_id)
                        RETURNING 1
                    ),
                    chunks AS (
                        SELECT (row_number() OVER (ORDER BY user_id) - 1) / $5 AS chunk,
                               user_id::text || ':' || last_seq AS pair
                        FROM heads
                    )
                    SELECT pg_notify($6, string_agg(pair, ',')), (SELECT count(*) FROM added)
                    FROM chunks GROUP BY chunk
                    """,
                binds: {
                    var binds = PostgresBindings()
                    binds.append(items.map(\.user))
                    binds.append(items.map(\.item.kind))
                    binds.append(items.map(\.item.id))
                    binds.append(payloads)
                    binds.append(Self.pairsPerNotification)
                    binds.append(Self.channel)
                    return binds
                }()
            ),
            logger: logger
        )
    }
}
