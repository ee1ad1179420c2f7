import Foundation
import Logging
import PostgresNIO

/// Reads a user's feed for their stream: where to start, and the rows after a sequence number.
struct LiveFeedReader: Sendable {
    let postgres: PostgresClient

    struct Row: Sendable, Equatable {
        var seq: Int64
        var kind: String
        /// The payload as Postgres renders jsonb: compact, one line.
        var payload: String
    }

    /// The user's last sequence number (0 before their first item) and the oldest one still kept.
    func position(of user: UUID, logger: Logger) async throws -> LiveResume.Position {
        let rows = try await self.postgres.query(
            """
            SELECT coalesce((SELECT last_seq FROM communications.live_heads WHERE user_id = \(user)), 0),
                   (SELECT min(seq) FROM communications.live_items WHERE user_id = \(user))
            """,
            logger: logger
        )
        for try await (head, oldest) in rows.decode((Int64, Int64?).self) {
            return LiveResume.Position(head: head, oldestKept: oldest)
        }
        return LiveResume.Position(head: 0, oldestKept: nil)
    }

    /// The rows a NOTIFY announced (each user's new head), in one query on `connection` (the
    /// listener's own, so it does not wait for the pool the streams use).
    func rows(at heads: [(user: UUID, seq: Int64)], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: [Row]] {
        let rows = try await connection.query(
            """
            SELECT i.user_id, i.seq, i.kind, i.payload::text
            FROM unnest(\(heads.map(\.user))::uuid[], \(heads.map(\.seq))::bigint[]) AS h (user_id, seq)
            JOIN communications.live_items i ON i.user_id = h.user_id AND i.seq = h.seq
            """,
            logger: logger
        )
        var result: [UUID: [Row]] = [:]
        for try await (user, seq, kind, payload) in rows.decode((UUID, Int64, String, String).self) {
            result[user, default: []].append(Row(seq: seq, kind: kind, payload: payload))
        }
        return result
    }

    /// Up to `limit` rows after `seq`, in order.
    func rows(of user: UUID, after seq: Int64, limit: Int, logger: Logger) async throws -> [Row] {
        let rows = try await self.postgres.query(
            """
            SELECT seq, kind, payload::text FROM communications.live_items
            WHERE user_id = \(user) AND seq > \(seq) ORDER BY seq LIMIT \(limit)
            """,
            logger: logger
        )
        var result: [Row] = []
        for try await (seq, kind, payload) in rows.decode((Int64, String, String).self) {
            result.append(Row(seq: seq, kind: kind, payload: payload))
        }
        return result
    }
}

/// Where a stream starts, from what the client last saw and what the feed still holds: pure.
enum LiveResume {
    struct Position: Sendable, Equatable {
        var head: Int64
        var oldestKept: Int64?
    }

    struct Start: Sendable, Equatable {
        /// The stream sends rows after this.
        var after: Int64
        /// Why the client cannot have everything after its id, when it cannot: `purged` (rows
        /// past retention are gone) or `unknown_id` (an id this feed never reached).
        var reset: String?
    }

    static func start(requested: Int64?, position: Position) -> Start {
        guard let requested else { return Start(after: position.head, reset: nil) }
        if requested > position.head { return Start(after: position.head, reset: "unknown_id") }
        guard let oldest = position.oldestKept else {
            return requested < position.head ? Start(after: position.head, reset: "purged") : Start(after: requested, reset: nil)
        }
        if oldest > requested + 1 { return Start(after: oldest - 1, reset: "purged") }
        return Start(after: requested, reset: nil)
    }
}
