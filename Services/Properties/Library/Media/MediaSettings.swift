import Foundation
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
        var accessKeyID: String
        var secretAccessKey: String
    }

    var backend: Backend = .filesystem(root: URL(fileURLWithPath: ".data/media"))
    /// `MEDIA_MAX_UPLOAD_BYTES` (default 25 MiB): larger uploads get 413 before they are kept.
    /// The JSON limit (`MAX_BODY_BYTES`) does not apply to upload routes, which stream.
    var maxUploadBytes = 25 << 20
    /// `MEDIA_SIGNED_URL_SECONDS` (default 300): lifetime of presigned download URLs (S3 only).
    var signedURLLifetime: Duration = .seconds(300)

    static func fromEnvironment(_ environment: EnvironmentReader) throws -> MediaSettings {
        var settings = MediaSettings()
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
            settings.backend = .s3(
                S3Settings(
                    endpoint: endpoint,
                    region: environment.string("S3_REGION", default: "us-east-1"),
                    bucket: try required("S3_BUCKET"),
                    accessKeyID: try required("S3_ACCESS_KEY_ID"),
                    secretAccessKey: try required("S3_SECRET_ACCESS_KEY")
                )
            )
        case let other:
            throw ConfigurationError(variable: "MEDIA_STORAGE", reason: "must be filesystem or s3, got \"\(other)\"")
        }
        return settings
    }
}
