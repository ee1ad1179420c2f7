import Foundation
import Hummingbird
import Models
import ServiceKit

/// The `analytics` service: User events, the investment funnel, metrics, activation and retention.
public enum AnalyticsEntryPoint: ServiceEntryPoint {
    public static let name = ServiceName.analytics

    public static func definition() throws -> ServiceDefinition {
        try Self.definition(
            ingestion: IngestionSettings.fromEnvironment(),
            partitions: PartitionSettings.fromEnvironment(),
            reports: ReportSettings.fromEnvironment()
        )
    }

    static func definition(
        ingestion: IngestionSettings,
        partitions: PartitionSettings = PartitionSettings(),
        reports: ReportSettings = ReportSettings()
    ) throws -> ServiceDefinition {
        @Sendable func maintenance(_ dependencies: ServiceDependencies) -> PartitionMaintenance {
            PartitionMaintenance(postgres: dependencies.postgres, settings: partitions, clock: dependencies.clock, logger: dependencies.logger)
        }
        return ServiceDefinition(
            name: .analytics,
            bundle: .module,
            // Every domain event received becomes an events row (Recording/).
            eventHandlers: { dependencies in DomainEventRecorder(clock: dependencies.clock).eventHandlers() },
            // Partitions from the retention's first month to months ahead exist before the server listens.
            onStart: { dependencies in await maintenance(dependencies).passLoggingFailure() },
            backgroundServices: { dependencies in
                [
                    maintenance(dependencies),
                    // Daily metrics and sessions for the last days, and segment memberships, kept fresh.
                    MetricsRollupSchedule(
                        rollup: MetricsRollup(postgres: dependencies.postgres, clock: dependencies.clock),
                        days: reports.rollupDays, interval: .seconds(reports.rollupIntervalSeconds), logger: dependencies.logger
                    ),
                    SegmentRefreshSchedule(
                        store: SegmentStore(postgres: dependencies.postgres, clock: dependencies.clock, ids: dependencies.ids),
                        interval: .seconds(reports.segmentRefreshSeconds), logger: dependencies.logger
                    ),
                ]
            },
            purgeTargets: [
                .rateLimitBuckets(schema: ServiceName.analytics.schemas[0], longestRefill: ingestion.anonymousRequestsPerIP.refillTime),
                partitions.eventIDPurge,
                DashboardLinks.purgeTarget,
            ],
            personalData: AnalyticsPersonalData.tables,
            routes: { router, dependencies in
                let postgres = dependencies.postgres

                // Ingestion from clients: events, batches, identify; the allowed event names.
                let ingestionController = IngestionController(
                    store: IngestionStore(postgres: postgres),
                    limiter: RateLimiter(postgres: postgres, schema: dependencies.schema),
                    settings: ingestion,
                    trustedProxies: dependencies.configuration.trustedProxies,
                    clock: dependencies.clock,
                    ids: dependencies.ids
                )
                router.mount(ingestionController, at: "/v1/analytics")
                router.mount(EventNameController(postgres: postgres, clock: dependencies.clock), at: "/v1/analytics/event-names")
                // A user's journeys, interests and events (Journeys/).
                router.mount(JourneyController(postgres: postgres), at: "/v1/analytics/users")
                // Staff reports (funnels, retention, metrics, sources, OZ checks) as JSON or CSV.
                let reportQueries = AnalyticsReports(postgres: postgres, clock: dependencies.clock)
                let rollup = MetricsRollup(postgres: postgres, clock: dependencies.clock)
                router.mount(ReportController(reports: reportQueries, rollup: rollup, clock: dependencies.clock), at: "/v1/analytics")
                // Segments: staff define them; communications reads members for campaigns.
                let segments = SegmentStore(postgres: postgres, clock: dependencies.clock, ids: dependencies.ids)
                router.mount(SegmentController(store: segments), at: "/v1/analytics/segments")
                router.mount(InternalSegmentController(store: segments), at: "/internal/v1/segments")
                // The staff dashboard (HTML, inline SVG) and its one-use links.
                let links = DashboardLinks(postgres: postgres, clock: dependencies.clock, ids: dependencies.ids)
                router.mount(
                    DashboardController(loader: DashboardLoader(reports: reportQueries), links: links, clock: dependencies.clock),
                    at: "/v1/analytics/dashboard"
                )
            }
        )
    }
}

/// Builds the `analytics` application with ingestion settings of the caller's choosing (tests).
func buildApplication(
    _ configuration: ServiceConfiguration,
    ingestion: IngestionSettings,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(configuration, definition: try AnalyticsEntryPoint.definition(ingestion: ingestion), overrides: overrides)
}

/// Builds the `analytics` application; `main` and the tests both call this.
public func buildApplication(
    _ configuration: ServiceConfiguration,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(configuration, definition: try AnalyticsEntryPoint.definition(), overrides: overrides)
}
