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
            purgeTargets: [.rateLimitBuckets(schema: ServiceName.properties.schemas[0], longestRefill: settings.ozChecksPerIP.refillTime)],
            personalData: PropertiesPersonalData.tables,
            routes: { router, dependencies in
                let postgres = dependencies.postgres
                let outbox = dependencies.outbox
                let clock = dependencies.clock
                let ids = dependencies.ids

                // Opportunity Zones: the public check and the caller's developer profile.
                let oz = OZCheckController(
                    tracts: OZTracts(postgres: postgres),
                    geocoder: CensusGeocoder(baseURL: settings.censusGeocoderURL),
                    profiles: DeveloperProfiles(postgres: postgres, outbox: outbox),
                    limiter: RateLimiter(postgres: postgres, schema: dependencies.schema),
                    checksPerIP: settings.ozChecksPerIP,
                    trustedProxies: dependencies.configuration.trustedProxies,
                    clock: clock
                )
                router.mount(oz, at: "/v1/oz")

                // Listings.
                let store = PropertyStore(postgres: postgres, outbox: outbox, ids: ids)
                router.mount(PropertyController(store: store, clock: clock), at: "/v1/properties")
                router.mount(InternalPropertyController(store: store), at: "/internal/v1/properties")

                // The parts of a property, and market data: one `PartController` per kind.
                func parts<Part: PropertyPart>(_: Part.Type) -> PartController<Part> {
                    PartController(store: PartStore(postgres: postgres, outbox: outbox, clock: clock, ids: ids))
                }
                router.mount(parts(Units.self), at: "/v1/properties/:id/units")
                router.mount(parts(FloorPlans.self), at: "/v1/properties/:id/floor-plans")
                router.mount(parts(Comparables.self), at: "/v1/properties/:id/comparables")
                router.mount(parts(Valuations.self), at: "/v1/properties/:id/valuations")
                router.mount(parts(RenovationProjects.self), at: "/v1/properties/:id/renovations")
                router.mount(parts(UnitRenovations.self), at: "/v1/properties/:id/renovations/:project_id/unit-renovations")
                router.mount(parts(ProgressUpdates.self), at: "/v1/properties/:id/renovations/:project_id/progress-updates")
                // Market data is for signed-in callers only: all its routes are on the authenticated collection.
                router.mount(parts(MarketAreas.self), at: "/v1/market-areas")

                // Listing media: photos, documents with their shares and signature requests, the bytes
                // of both, and videos and virtual tours.
                let media = try MediaControllers(settings: settings.media, properties: store, dependencies: dependencies)
                router.mount(media.photos, at: "/v1/properties/:id/photos")
                router.mount(media.propertyDocuments, at: "/v1/properties/:id/documents")
                router.mount(media.documents, at: "/v1/documents")
                router.mount(InternalDocumentController(documents: media.documents), at: "/internal/v1/documents")
                router.mount(media.shares, at: "/v1/documents/:id")
                router.mount(media.files, at: "/v1/media")
                // Investing paperwork (issue 22): ESIGN signatures for investments, and their signed copies.
                let signing = DocumentSigningStore(documents: media.files.documents.store, properties: store, clock: clock, ids: ids)
                router.mount(DocumentSigningController(store: signing), at: "/internal/v1/documents")
                router.mount(SignedCopyController(store: signing, gate: media.gate, delivery: media.files.delivery), at: "/v1/media/signed-copies")
                let videos = try ListingMediaController<VideoFields>(postgres: postgres, ids: ids, gate: media.gate, rules: media.listingMediaRules)
                router.mount(videos, at: "/v1/properties/:id/videos")
                let tours = try ListingMediaController<TourFields>(postgres: postgres, ids: ids, gate: media.gate, rules: media.listingMediaRules)
                router.mount(tours, at: "/v1/properties/:id/virtual-tours")
            }
        )
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
