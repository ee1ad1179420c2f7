import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `body` in a transaction and rethrows the body's own error, after the rollback.
    ///
    /// PostgresNIO's `withTransaction` wraps whatever the body throws in `PostgresTransactionError`
    /// and always writes a `ROLLBACK`. Here a `Problem` thrown mid-transaction (a failed validation,
    /// a conflict) reaches the client as itself instead of as a 500; and after a connection error
    /// no `ROLLBACK` is sent: the server has already rolled back the transaction of a connection it
    /// lost, and PostgresNIO drops a query written to a closed connection without failing it, so
    /// the request would wait for that `ROLLBACK`'s answer forever.
    public func transaction<Result>(
        logger: Logger,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        try await self.withConnection(isolation: isolation) { connection in
            try await connection.query("BEGIN;", logger: logger)
            let value: Result
            do {
                value = try await body(connection)
            } catch {
                if !DatabaseAvailability.isOutage(error) { _ = try? await connection.query("ROLLBACK;", logger: logger) }
                throw error
            }
            try await connection.query("COMMIT;", logger: logger)
            return value
        }
    }
}
