import Foundation
import Hummingbird
import Models
import ServiceKit

/// The `analytics` service: User events, the investment funnel, metrics, activation and retention.
public enum AnalyticsEntryPoint: ServiceEntryPoint {
    public static let name = ServiceName.analytics

    public static func definition() throws -> ServiceDefinition {
        let partitions = try PartitionSettings.fromEnvironment()
        @Sendable func maintenance(_ dependencies: ServiceDependencies) -> PartitionMaintenance {
            PartitionMaintenance(postgres: dependencies.postgres, settings: partitions, clock: dependencies.clock, logger: dependencies.logger)
        }
        return ServiceDefinition(
            name: .analytics,
            bundle: .module,
            eventHandlers: { dependencies in DomainEventRecorder(clock: dependencies.clock).eventHandlers() },
            // Partitions from the retention's first month to months ahead exist before the server listens.
            onStart: { dependencies in await maintenance(dependencies).passLoggingFailure() },
            backgroundServices: { dependencies in [maintenance(dependencies)] },
            purgeTargets: [partitions.eventIDPurge],
            routes: { router, dependencies in
                // The kit already serves probes, metrics, the OpenAPI document and the event inbox.
                router.mount(JourneyController(postgres: dependencies.postgres), at: "/v1/analytics/users")
            }
        )
    }
}

/// Builds the `analytics` application; `main` and the tests both call this.
public func buildApplication(
    _ configuration: ServiceConfiguration,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(configuration, definition: try AnalyticsEntryPoint.definition(), overrides: overrides)
}
