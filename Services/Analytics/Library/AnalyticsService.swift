import Foundation
import Hummingbird
import Models
import ServiceKit

/// The `analytics` service: User events, the investment funnel, metrics, activation and retention.
public enum AnalyticsEntryPoint: ServiceEntryPoint {
    public static let name = ServiceName.analytics

    public static func definition() throws -> ServiceDefinition {
        try Self.definition(reportSettings: ReportSettings.fromEnvironment())
    }

    static func definition(reportSettings settings: ReportSettings) throws -> ServiceDefinition {
        ServiceDefinition(
            name: .analytics,
            bundle: .module,
            backgroundServices: { dependencies in
                [
                    MetricsRollupSchedule(
                        rollup: MetricsRollup(postgres: dependencies.postgres, clock: dependencies.clock),
                        days: settings.rollupDays, interval: .seconds(settings.rollupIntervalSeconds), logger: dependencies.logger
                    ),
                    SegmentRefreshSchedule(
                        store: SegmentStore(postgres: dependencies.postgres, clock: dependencies.clock, ids: dependencies.ids),
                        interval: .seconds(settings.segmentRefreshSeconds), logger: dependencies.logger
                    ),
                ]
            },
            purgeTargets: [DashboardLinks.purgeTarget],
            routes: { router, dependencies in
                // The kit already serves probes, metrics, the OpenAPI document and the event inbox.
                let reports = AnalyticsReports(postgres: dependencies.postgres, clock: dependencies.clock)
                let rollup = MetricsRollup(postgres: dependencies.postgres, clock: dependencies.clock)
                router.mount(ReportController(reports: reports, rollup: rollup, clock: dependencies.clock), at: "/v1/analytics")
                let segments = SegmentStore(postgres: dependencies.postgres, clock: dependencies.clock, ids: dependencies.ids)
                router.mount(SegmentController(store: segments), at: "/v1/analytics/segments")
                router.mount(InternalSegmentController(store: segments), at: "/internal/v1/segments")
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
