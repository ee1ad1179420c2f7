import Hummingbird
import Metrics

/// Answers 503 problem+json with `Retry-After` while the database is unreachable, instead of a
/// 500 or a request that hangs until PostgresNIO's own breaker trips a minute later.
///
/// While the database is known to be down a request is refused before it starts. A request that
/// meets a connection error itself opens the breaker for everyone. A request already in flight when
/// the probe finds the database gone is cancelled by `RequestBound` (its wait for a connection ends
/// at once) and answered 503 here. The probes, metrics and OpenAPI document need no database and
/// are let through.
public struct DatabaseOutageMiddleware<Context: TractContext>: RouterMiddleware {
    let availability: DatabaseAvailability

    public init(availability: DatabaseAvailability) {
        self.availability = availability
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if OperationsController.needsNoDatabase(request.uri.path) { return try await next(request, context) }
        guard self.availability.isAvailable else { throw self.refused() }
        do {
            return try await next(request, context)
        } catch let error where DatabaseAvailability.isOutage(error) {
            self.availability.markUnavailable(because: error, logger: context.logger)
            throw self.refused()
        } catch  where !self.availability.isAvailable {
            // Cancelled (or failed) because the database went away meanwhile: the outage's answer.
            throw self.refused()
        }
    }

    private func refused() -> Problem {
        Counter(label: "tract_database_unavailable_responses_total").increment()
        return self.availability.problem
    }
}
