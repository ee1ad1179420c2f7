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
            purgeTargets: [DashboardLinks.purgeTarget],
            routes: { router, dependencies in
                let reports = AnalyticsReports(postgres: dependencies.postgres, clock: dependencies.clock)
                let links = DashboardLinks(postgres: dependencies.postgres, clock: dependencies.clock, ids: dependencies.ids)
                router.mount(
                    DashboardController(loader: DashboardLoader(reports: reports), links: links, clock: dependencies.clock),
                    at: "/v1/analytics/dashboard"
                )
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
