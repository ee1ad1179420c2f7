import Foundation
import Logging
import PostgresNIO

/// Token buckets kept in Postgres so every replica shares them (seed 004 `rate_limit_buckets`).
/// A service that limits anything creates `rate_limit_buckets` in its schema (auth's 0001 and
/// properties' 0003 migrations) and builds one of these on it.
/// Each check is one `INSERT … ON CONFLICT … DO UPDATE`: the row lock it takes serialises
/// concurrent checks of one bucket, so 50 simultaneous attempts can never be admitted past the
/// limit, and no read-then-write race exists to exploit.
public struct RateLimiter: Sendable {
    let postgres: PostgresClient
    /// The schema holding `rate_limit_buckets`: a name from code, never from a request.
    let schema: String

    public init(postgres: PostgresClient, schema: String) {
        self.postgres = postgres
        self.schema = schema
    }

    /// Takes one token or throws 429 with `Retry-After`.
    public func take(_ action: String, for identifier: String, bucket: TokenBucket, logger: Logger) async throws {
        let (allowed, tokens) = try await self.check(action, identifier: identifier, bucket: bucket, logger: logger)
        try Self.admit(allowed, tokens: tokens, action: action, bucket: bucket, logger: logger)
    }

    /// The same on `connection`, inside the caller's transaction: a request that already holds a
    /// pooled connection must not wait for a second one (under load every holder would wait on the
    /// others), and a token taken by work that rolls back is given back with it. The bucket's row
    /// stays locked until the transaction ends, so keep such transactions short.
    public func take(
        _ action: String, for identifier: String, bucket: TokenBucket, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let rows = try await connection.query(self.upsert(action, identifier: identifier, bucket: bucket), logger: logger)
        var outcome: (Bool, Double) = (false, 0)
        for try await row in rows.decode((Bool, Double).self) { outcome = row }
        try Self.admit(outcome.0, tokens: outcome.1, action: action, bucket: bucket, logger: logger)
    }

    /// Throws 429 with `Retry-After` unless the bucket's statement allowed the action; for a
    /// statement that took its token itself (`upsertSQL` inside a larger one).
    public static func admit(_ allowed: Bool, tokens: Double, action: String, bucket: TokenBucket, logger: Logger) throws {
        guard allowed else {
            let retryAfter = Int(((1 - tokens) / bucket.perSecond).rounded(.up))
            logger.notice("rate limited", metadata: ["action": .string(action)])
            throw Problem.tooManyRequests(retryAfterSeconds: retryAfter, detail: "Too many attempts. Try again later.")
        }
    }

    public func check(_ action: String, identifier: String, bucket: TokenBucket, logger: Logger) async throws -> (Bool, Double) {
        let rows = try await self.postgres.query(self.upsert(action, identifier: identifier, bucket: bucket), logger: logger)
        for try await (allowed, tokens) in rows.decode((Bool, Double).self) { return (allowed, tokens) }
        return (false, 0)
    }

    /// One bucket's refill and take, as one statement.
    private func upsert(_ action: String, identifier: String, bucket: TokenBucket) -> PostgresQuery {
        var binds = SQLBinds()
        let sql = Self.upsertSQL(
            schema: self.schema, action: binds.add(action), identifier: binds.add(identifier), burst: binds.add(bucket.burst),
            perSecond: binds.add(bucket.perSecond))
        return binds.query(sql)
    }

    /// The bucket's refill and take as SQL over the caller's placeholders (`$1`, text, text,
    /// float8, float8), answering `allowed, tokens`: what `take` runs, and what a statement that
    /// takes its token along with its own work embeds as a CTE, so the check costs no round trip
    /// and no commit of its own. `schema` is a name from code, never from a request.
    public static func upsertSQL(schema: String, action: String, identifier: String, burst: String, perSecond: String) -> String {
        // The refill expression appears three times because SQL cannot name it once; it is the
        // same arithmetic as TokenBucket.take. `statement_timestamp()`, not `now()`: inside a
        // caller's transaction `now()` is when the transaction began, and the refill would lag.
        let refilled = "LEAST(\(burst), b.tokens + extract(epoch FROM statement_timestamp() - b.updated_at) * \(perSecond))"
        return """
            INSERT INTO \(schema).rate_limit_buckets AS b (action, identifier, tokens, allowed, updated_at)
            VALUES (\(action), \(identifier), \(burst) - 1, true, statement_timestamp())
            ON CONFLICT (action, identifier) DO UPDATE SET
                allowed = \(refilled) >= 1,
                tokens = CASE WHEN \(refilled) >= 1 THEN \(refilled) - 1 ELSE \(refilled) END,
                updated_at = statement_timestamp()
            RETURNING allowed, tokens
            """
    }
}
