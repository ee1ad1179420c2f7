import Foundation
import S3
import ServiceKit

/// Where media bytes go and how large an upload may be (`MEDIA_*`, `S3_*`; README "Configuration").
struct MediaSettings: Sendable {
    enum Backend: Sendable, Equatable {
        /// `MEDIA_STORAGE=filesystem` (default): files under `MEDIA_STORAGE_PATH`.
        case filesystem(root: URL)
        /// `MEDIA_STORAGE=s3`: an S3-compatible bucket, addressed path-style.
        case s3(S3Settings)
    }

    struct S3Settings: Sendable, Equatable {
        var endpoint: URL
        var region: String
        var bucket: String
        /// `S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY` and, for temporary credentials,
        /// `S3_SESSION_TOKEN`; their `description` hides the secret.
        var credentials: SigV4Credentials
        /// `S3_TIMEOUT_SECONDS` (default 30): the bound on one S3 call, from connect to the last
        /// byte, so also how long the largest upload may take to send.
        var timeout: Duration = .seconds(30)
    }

    /// S3's limit for one PUT; larger objects need a multipart upload, which the client does not do.
    static let largestS3Upload = 5 << 30

    var backend: Backend = .filesystem(root: URL(fileURLWithPath: ".data/media"))
    /// `MEDIA_MAX_UPLOAD_BYTES` (default 25 MiB): larger uploads get 413 before they are kept.
    /// The JSON limit (`MAX_BODY_BYTES`) does not apply to upload routes, which stream.
    var maxUploadBytes = 25 << 20
    /// `MEDIA_SIGNED_URL_SECONDS` (default 300): lifetime of presigned download URLs (S3 only).
    var signedURLLifetime: Duration = .seconds(300)

    /// `MEDIA_TOUR_HOSTS` (default `TourHosts.standard`): the hosts a virtual tour's `tour_url` may
    /// point at; the service builds the embed markup from that URL.
    var tourHosts = TourHosts()

    static func fromEnvironment(_ environment: EnvironmentReader) throws -> MediaSettings {
        var settings = MediaSettings()
        if let hosts = environment.optionalString("MEDIA_TOUR_HOSTS") {
            guard let parsed = TourHosts(setting: hosts) else {
                throw ConfigurationError(variable: "MEDIA_TOUR_HOSTS", reason: "must be host names separated by commas, got \"\(hosts)\"")
            }
            settings.tourHosts = parsed
        }
        settings.maxUploadBytes = try environment.integer("MEDIA_MAX_UPLOAD_BYTES", default: 25 << 20, range: 1...(1 << 34))
        settings.signedURLLifetime = .seconds(try environment.integer("MEDIA_SIGNED_URL_SECONDS", default: 300, range: 1...604_800))
        switch environment.string("MEDIA_STORAGE", default: "filesystem") {
        case "filesystem":
            let path = environment.string("MEDIA_STORAGE_PATH", default: ".data/media")
            settings.backend = .filesystem(root: URL(fileURLWithPath: path, isDirectory: true))
        case "s3":
            func required(_ name: String) throws -> String {
                guard let value = environment.optionalString(name) else {
                    throw ConfigurationError(variable: name, reason: "is required with MEDIA_STORAGE=s3")
                }
                return value
            }
            guard let endpoint = try environment.url("S3_ENDPOINT", default: nil) else {
                throw ConfigurationError(variable: "S3_ENDPOINT", reason: "is required with MEDIA_STORAGE=s3")
            }
            // Buckets and keys are appended to the endpoint's path; a query would end up before them.
            guard endpoint.query == nil, endpoint.fragment == nil else {
                throw ConfigurationError(variable: "S3_ENDPOINT", reason: "must be a base URL without ?query or #fragment, got \"\(endpoint)\"")
            }
            let region = environment.string("S3_REGION", default: "us-east-1")
            // It is part of every signature's credential scope (`20240315/eu-west-2/s3/aws4_request`).
            guard region.wholeMatch(of: /[a-z0-9-]+/) != nil else {
                throw ConfigurationError(variable: "S3_REGION", reason: "must be a region name such as us-east-1, got \"\(region)\"")
            }
            let bucket = try required("S3_BUCKET")
            do {
                try S3Client.validate(bucket: bucket)
            } catch {
                throw ConfigurationError(
                    variable: "S3_BUCKET",
                    reason:
                        "must be an S3 bucket name (3 to 63 of a-z, 0-9, '-' and '.', starting and ending with a letter or digit), got \"\(bucket)\""
                )
            }
            guard settings.maxUploadBytes <= Self.largestS3Upload else {
                throw ConfigurationError(
                    variable: "MEDIA_MAX_UPLOAD_BYTES", reason: "must be at most \(Self.largestS3Upload) with MEDIA_STORAGE=s3 (one PUT)"
                )
            }
            settings.backend = .s3(
                S3Settings(
                    endpoint: endpoint,
                    region: region,
                    bucket: bucket,
                    credentials: SigV4Credentials(
                        accessKeyID: try required("S3_ACCESS_KEY_ID"),
                        secretAccessKey: try required("S3_SECRET_ACCESS_KEY"),
                        sessionToken: environment.optionalString("S3_SESSION_TOKEN")
                    ),
                    timeout: .seconds(try environment.integer("S3_TIMEOUT_SECONDS", default: 30, range: 1...3600))
                )
            )
        case let other:
            throw ConfigurationError(variable: "MEDIA_STORAGE", reason: "must be filesystem or s3, got \"\(other)\"")
        }
        return settings
    }
}
