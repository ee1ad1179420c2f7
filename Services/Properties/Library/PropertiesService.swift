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

    /// What `PropertiesSettings.fromEnvironment` reads; README "Configuration" says more.
    public static let environmentHelp = """
        properties only:
          CENSUS_GEOCODER_URL         the Census Geocoder, for OZ checks by address
                                      (https://geocoding.geo.census.gov/geocoder)
          RATE_LIMIT_OZ_CHECK_PER_MIN_PER_IP
                                      public OZ checks per client address (30)
          MEDIA_STORAGE               where uploads are kept: filesystem or s3
                                      (filesystem)
          MEDIA_STORAGE_PATH          the filesystem backend's folder (.data/media)
          MEDIA_MAX_UPLOAD_BYTES      largest upload; 413 past it (26214400)
          MEDIA_SIGNED_URL_SECONDS    presigned download URLs' lifetime, s3 (300)
          S3_ENDPOINT                 S3-compatible endpoint, path-style, SigV4
                                      (required with s3), e.g.
                                      https://s3.us-east-1.amazonaws.com
          S3_REGION                   signing region (us-east-1)
          S3_BUCKET                   bucket, created at start-up when missing
                                      (required with s3)
          S3_ACCESS_KEY_ID            access key id (required with s3)
          S3_SECRET_ACCESS_KEY        secret access key (required with s3)
          S3_SESSION_TOKEN            token of temporary credentials (unset)
          S3_TIMEOUT_SECONDS          bound on one S3 call, upload included (30)
        """

    static func definition(settings: PropertiesSettings) throws -> ServiceDefinition {
        ServiceDefinition(
            name: .properties,
            bundle: .module,
            // Makes sure the S3 bucket exists before the server listens. A value of its own: the
            // storage the routes hold is plain data over the shared HTTP client, so two cost nothing.
            onStart: { dependencies in
                try await MediaRoutes.storage(for: settings.media.backend, logger: dependencies.logger).prepare()
            }
        ) { router, dependencies in
            let tracts = OZTracts(postgres: dependencies.postgres)
            OZCheckRoutes(
                tracts: tracts,
                geocoder: CensusGeocoder(baseURL: settings.censusGeocoderURL),
                profiles: DeveloperProfiles(postgres: dependencies.postgres, outbox: dependencies.outbox),
                limiter: RateLimiter(postgres: dependencies.postgres, schema: "properties"),
                checksPerIP: settings.ozChecksPerIP,
                trustsForwardedFor: dependencies.configuration.trustsForwardedFor
            ).addRoutes(to: router)
            let store = PropertyStore(postgres: dependencies.postgres, outbox: dependencies.outbox)
            PropertyRoutes(store: store).addRoutes(to: router)
            InternalPropertyRoutes(store: store).addRoutes(to: router)
            addPartRoutes(to: router, postgres: dependencies.postgres, outbox: dependencies.outbox)
            try MediaRoutes(settings: settings.media, properties: store, dependencies: dependencies).addRoutes(to: router)
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
