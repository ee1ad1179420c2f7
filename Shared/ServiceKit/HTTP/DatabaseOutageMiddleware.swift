import Hummingbird
import Metrics

/// Answers 503 problem+json with `Retry-After` while the database is unreachable, instead of a
/// 500 or a request that hangs until PostgresNIO's own breaker trips a minute later.
///
/// While the database is known to be down a request is refused before it starts. A request that
/// started before is run beside a watch on `availability`: when the probe finds the database gone,
/// the request is cancelled (its wait for a connection ends at once) and answered 503. A request
/// that meets a connection error itself opens the breaker for everyone. The probes, metrics and
/// OpenAPI document need no database and are let through.
public struct DatabaseOutageMiddleware<Context: TractContext>: RouterMiddleware {
    let availability: DatabaseAvailability

    public init(availability: DatabaseAvailability) {
        self.availability = availability
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if OperationsController.needsNoDatabase(request.uri.path) { return try await next(request, context) }
        guard self.availability.isAvailable else { throw self.refused() }
        do {
            // The group waits for both children before it returns, so `next` and `context` never
            // outlive this call: handing them to the child task is safe though the compiler
            // cannot see it.
            return try await withoutActuallyEscaping(next) { next in
                let work = UnsafeTransfer((next, context))
                return try await withThrowingTaskGroup(of: Response?.self) { group in
                    group.addTask { try await work.value.0(request, work.value.1) }
                    group.addTask {
                        await self.availability.untilUnavailable()
                        return nil
                    }
                    defer { group.cancelAll() }
                    guard let response = try await group.next() ?? nil else { throw self.refused() }
                    return response
                }
            }
        } catch let error where DatabaseAvailability.isOutage(error) {
            self.availability.markUnavailable(because: error, logger: context.logger)
            throw self.refused()
        }
    }

    private func refused() -> Problem {
        Counter(label: "tract_database_unavailable_responses_total").increment()
        return self.availability.problem
    }
}

/// A value handed to a child task that cannot outlive its parent's scope.
private struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
