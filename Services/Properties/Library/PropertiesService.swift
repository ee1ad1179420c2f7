import Foundation
import Hummingbird
import Models
import ServiceKit

/// The `properties` service: listings and their search, the Opportunity Zone check and
/// developer profiles; the parts of a property (units, floor plans, comparables, renovations,
/// valuations), market areas, and listing media and documents.
public enum PropertiesEntryPoint: ServiceEntryPoint {
    public static let name = ServiceName.properties

    public static func definition() throws -> ServiceDefinition {
        try Self.definition(settings: PropertiesSettings.fromEnvironment())
    }

    static func definition(settings: PropertiesSettings) throws -> ServiceDefinition {
        ServiceDefinition(
            name: .properties,
            bundle: .module,
            eventHandlers: { _ in OfferingTotals.eventHandlers() },
            // Makes sure the S3 bucket exists before the server listens. A value of its own: the
            // storage the routes hold is plain data over the shared HTTP client, so two cost nothing.
            onStart: { dependencies in
                try await MediaControllers.storage(for: settings.media.backend, logger: dependencies.logger).prepare()
            },
            purgeTargets: [.rateLimitBuckets(schema: "properties", longestRefill: settings.ozChecksPerIP.refillTime)]
        ) { router, dependencies in
            let tracts = OZTracts(postgres: dependencies.postgres)
            OZCheckRoutes(
                tracts: tracts,
                geocoder: CensusGeocoder(baseURL: settings.censusGeocoderURL),
                profiles: DeveloperProfiles(postgres: dependencies.postgres, outbox: dependencies.outbox),
                limiter: RateLimiter(postgres: dependencies.postgres, schema: "properties"),
                checksPerIP: settings.ozChecksPerIP,
                trustedProxies: dependencies.configuration.trustedProxies
            ).addRoutes(to: router)
            let store = PropertyStore(postgres: dependencies.postgres, outbox: dependencies.outbox)
            PropertyRoutes(store: store).addRoutes(to: router)
            InternalPropertyRoutes(store: store).addRoutes(to: router)
            addPartRoutes(to: router, postgres: dependencies.postgres, outbox: dependencies.outbox)
            let media = try MediaControllers(settings: settings.media, properties: store, dependencies: dependencies)
            router.addRoutes(media.photos.publicEndpoints, atPath: "/v1/properties/:id/photos")
            router.authenticated.addRoutes(media.photos.endpoints, atPath: "/v1/properties/:id/photos")
            router.addRoutes(media.propertyDocuments.publicEndpoints, atPath: "/v1/properties/:id/documents")
            router.authenticated.addRoutes(media.propertyDocuments.endpoints, atPath: "/v1/properties/:id/documents")
            router.addRoutes(media.documents.publicEndpoints, atPath: "/v1/documents")
            router.authenticated.addRoutes(media.shares.endpoints, atPath: "/v1/documents/:id")
            router.addRoutes(media.files.publicEndpoints, atPath: "/v1/media")
            ListingMediaRoutes(store: ListingMediaStore(postgres: dependencies.postgres), gate: media.gate, rules: media.listingMediaRules)
                .addRoutes(to: router)
        }
    }
}

/// What `properties` reads from the environment beyond the kit's settings.
struct PropertiesSettings: Sendable {
    /// `CENSUS_GEOCODER_URL` (default `https://geocoding.geo.census.gov/geocoder`).
    var censusGeocoderURL: URL
    /// `RATE_LIMIT_OZ_CHECK_PER_MIN_PER_IP` (default 30): the public check calls the Census
    /// geocoder for addresses, so it is limited per client address.
    var ozChecksPerIP = TokenBucket(30, per: .seconds(60))
    /// `MEDIA_*` and `S3_*`: where photos and documents are stored, and the upload limit.
    var media = MediaSettings()

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> PropertiesSettings {
        PropertiesSettings(
            censusGeocoderURL: try environment.url("CENSUS_GEOCODER_URL", default: "https://geocoding.geo.census.gov/geocoder")!,
            ozChecksPerIP: TokenBucket(
                try environment.integer("RATE_LIMIT_OZ_CHECK_PER_MIN_PER_IP", default: 30, range: 1...1_000_000),
                per: .seconds(60)
            ),
            media: try MediaSettings.fromEnvironment(environment)
        )
    }
}

/// Builds the `properties` application with settings of the caller's choosing (tests).
func buildApplication(
    _ configuration: ServiceConfiguration,
    settings: PropertiesSettings,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(configuration, definition: try PropertiesEntryPoint.definition(settings: settings), overrides: overrides)
}

/// Builds the `properties` application; `main` and the tests both call this.
public func buildApplication(
    _ configuration: ServiceConfiguration,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(configuration, definition: try PropertiesEntryPoint.definition(), overrides: overrides)
}
