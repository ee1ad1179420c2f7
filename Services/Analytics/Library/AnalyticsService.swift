import Foundation
import Hummingbird
import Models
import ServiceKit

/// The `analytics` service: User events, the investment funnel, metrics, activation and retention.
public enum AnalyticsEntryPoint: ServiceEntryPoint {
    public static let name = ServiceName.analytics

    public static func definition() throws -> ServiceDefinition {
        ServiceDefinition(
            name: .analytics,
            bundle: .module,
            routes: { _, _ in
                // The service's own controllers arrive with its issue, mounted here at literal paths
                // (`router.mount(controller, at: "/v1/analytics/…")`);
                // the kit already serves probes, metrics, the OpenAPI document and the event inbox.
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
