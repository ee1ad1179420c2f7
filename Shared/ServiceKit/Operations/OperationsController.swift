import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PostgresNIO

/// `GET /health/live`, `GET /health/ready`, `GET /metrics` and `GET /openapi.json`: the same on
/// every service, so probes and scrapers need no per-service setup.
struct OperationsController: Sendable {
    let postgres: PostgresClient
    let migrator: Migrator
    let openAPIDocument: ByteBuffer
    let readinessTimeout: Duration
    let availability: DatabaseAvailability

    struct Health: ResponseEncodable {
        var status: String
        var checks: [String: String]
    }

    /// `GET /health/live`'s answer, `Health(status: "ok", checks: [:])` as the response encoder writes
    /// it: the same bytes every time, so not encoded per probe.
    static let live = ByteBuffer(string: #"{"checks":{},"status":"ok"}"#)

    /// The paths above: none of them needs the database to answer (readiness asks it itself,
    /// with its own deadline), so the outage guard lets them through.
    static func needsNoDatabase(_ path: String) -> Bool {
        path.hasPrefix("/health/") || path == "/metrics" || path == "/openapi.json"
    }

    var endpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .get("health/live") { _, _ in
                Response(
                    status: .ok,
                    headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(Self.live.readableBytes)],
                    body: .init(byteBuffer: Self.live)
                )
            }
            .get("health/ready") { _, context in try await self.readiness(logger: context.logger) }
            .get("metrics") { _, _ in
                let text = PrometheusMetrics.render()
                return Response(
                    status: .ok,
                    headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: text))
                )
            }
            .get("openapi.json") { _, _ in
                Response(
                    status: .ok,
                    headers: [.contentType: "application/json; charset=utf-8"],
                    body: .init(byteBuffer: self.openAPIDocument)
                )
            }
    }

    /// Ready means: Postgres answers within the timeout and every migration this build knows is
    /// applied with an unchanged checksum. Anything else is a 503 saying which check failed.
    func readiness(logger: Logger) async throws -> Health {
        // The probe already found the database gone: say so now rather than wait out the timeout.
        guard self.availability.isAvailable else { throw Problem.serviceUnavailable("The database is not reachable.") }
        let outcome: Result<Migrator.Status, any Error> = await withTaskGroup(of: Result<Migrator.Status, any Error>?.self) { group in
            group.addTask {
                do {
                    try await self.postgres.query("SELECT 1", logger: logger)
                    return .success(try await self.migrator.status())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: self.readinessTimeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(Problem.serviceUnavailable("The database did not answer in time."))
        }
        switch outcome {
        case .success(.upToDate):
            return Health(status: "ready", checks: ["database": "ok", "migrations": "ok"])
        case .success(.pending(let pending)):
            throw Problem.serviceUnavailable("Migrations not applied yet: \(pending.joined(separator: ", ")).")
        case .failure(let error as MigrationError):
            throw Problem.serviceUnavailable("\(error)")
        case .failure(let problem as Problem):
            throw problem
        case .failure(let error):
            logger.warning("readiness check failed", metadata: ["error": .string("\(error)")])
            throw Problem.serviceUnavailable("The database is not reachable.")
        }
    }
}
