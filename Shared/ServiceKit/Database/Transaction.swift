import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `body` in a transaction and rethrows the body's own error.
    ///
    /// PostgresNIO wraps whatever the body throws in `PostgresTransactionError`; unwrapping it here
    /// lets a `Problem` thrown mid-transaction (a failed validation, a conflict) reach the client as
    /// itself, after the rollback, instead of as a 500.
    public func transaction<Result>(
        logger: Logger,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        do {
            return try await self.withTransaction(logger: logger, isolation: isolation, body)
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError { throw closureError }
            throw error
        }
    }
}
