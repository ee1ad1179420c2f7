import Foundation
import S3
import ServiceKit
import TestSupport
import Testing

@testable import PropertiesService

/// `MEDIA_*` and `S3_*` from the environment: the filesystem by default, S3 only when its settings
/// are complete and usable, and a bad one stops start-up with one line naming the variable.
@Suite struct MediaSettingsTests {
    static let s3: [String: String] = [
        "MEDIA_STORAGE": "s3",
        "S3_ENDPOINT": "https://s3.eu-west-2.amazonaws.com",
        "S3_REGION": "eu-west-2",
        "S3_BUCKET": "tract-media",
        "S3_ACCESS_KEY_ID": "AKIDTRACTEXAMPLE",
        "S3_SECRET_ACCESS_KEY": "tract/secret+key",
    ]

    static func settings(_ values: [String: String]) throws -> MediaSettings {
        try MediaSettings.fromEnvironment(EnvironmentReader(values))
    }

    static func refusal(_ values: [String: String]) -> ConfigurationError? {
        do {
            _ = try Self.settings(values)
            return nil
        } catch {
            return error as? ConfigurationError
        }
    }

    @Test func theFileSystemIsTheDefault() throws {
        let settings = try Self.settings([:])
        #expect(settings.backend == .filesystem(root: URL(fileURLWithPath: ".data/media", isDirectory: true)))
        #expect(settings.maxUploadBytes == 25 << 20)
        #expect(settings.signedURLLifetime == .seconds(300))
    }

    @Test func s3FromItsVariables() throws {
        var values = Self.s3
        values["S3_SESSION_TOKEN"] = "session-token"
        values["MEDIA_SIGNED_URL_SECONDS"] = "60"
        values["S3_TIMEOUT_SECONDS"] = "120"
        let settings = try Self.settings(values)
        #expect(
            settings.backend
                == .s3(
                    MediaSettings.S3Settings(
                        endpoint: URL(string: "https://s3.eu-west-2.amazonaws.com")!, region: "eu-west-2", bucket: "tract-media",
                        credentials: SigV4Credentials(
                            accessKeyID: "AKIDTRACTEXAMPLE", secretAccessKey: "tract/secret+key", sessionToken: "session-token"
                        ),
                        timeout: .seconds(120)
                    )
                )
        )
        #expect(settings.signedURLLifetime == .seconds(60))
        // The region defaults to S3's own default, the timeout to the client's.
        values["S3_REGION"] = nil
        values["S3_TIMEOUT_SECONDS"] = nil
        guard case .s3(let defaulted) = try Self.settings(values).backend else {
            Issue.record("MEDIA_STORAGE=s3 without S3_REGION is not s3")
            return
        }
        #expect(defaulted.region == "us-east-1")
        #expect(defaulted.timeout == .seconds(30))
    }

    @Test func eachRequiredS3VariableIsNamedWhenMissing() {
        for name in ["S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] {
            var values = Self.s3
            values[name] = "  "
            #expect(Self.refusal(values) == ConfigurationError(variable: name, reason: "is required with MEDIA_STORAGE=s3"))
        }
    }

    @Test func unusableValuesAreRefusedNamingTheVariable() {
        let cases: [(name: String, value: String)] = [
            ("MEDIA_STORAGE", "gcs"),
            ("S3_ENDPOINT", "s3.amazonaws.com"),
            ("S3_ENDPOINT", "ftp://s3.example.com"),
            ("S3_ENDPOINT", "https://s3.example.com/?bucket=x"),
            ("S3_REGION", "EU West 2"),
            ("S3_BUCKET", "Tract_Media"),
            ("S3_BUCKET", "ab"),
            ("MEDIA_MAX_UPLOAD_BYTES", String((5 << 30) + 1)),
            ("MEDIA_SIGNED_URL_SECONDS", "604801"),
            ("S3_TIMEOUT_SECONDS", "0"),
        ]
        for (name, value) in cases {
            var values = Self.s3
            values[name] = value
            let refusal = Self.refusal(values)
            #expect(refusal?.variable == name, "\(name)=\(value): \(String(describing: refusal))")
            #expect(refusal?.description.contains(value) == true || name == "MEDIA_MAX_UPLOAD_BYTES", "\(String(describing: refusal))")
        }
        // The filesystem backend has no one-PUT limit.
        #expect(Self.refusal(["MEDIA_MAX_UPLOAD_BYTES": String((5 << 30) + 1)]) == nil)
    }

    /// Issue 11 #11: the tour hosts are a setting, with a documented default, refused when malformed.
    @Test func tourHostsComeFromTheirVariable() throws {
        #expect(try Self.settings([:]).tourHosts.hosts.contains("my.matterport.com"))
        #expect(try Self.settings(["MEDIA_TOUR_HOSTS": "tours.example.com, Kuula.co"]).tourHosts.hosts == ["tours.example.com", "kuula.co"])
        #expect(Self.refusal(["MEDIA_TOUR_HOSTS": "https://kuula.co"])?.variable == "MEDIA_TOUR_HOSTS")
        let hosts = TourHosts()
        #expect(hosts.problem(with: "https://my.matterport.com/show/?m=SxQL3iGyoDo") == nil)
        #expect(hosts.problem(with: "http://my.matterport.com/show/?m=SxQL3iGyoDo") != nil)
        #expect(hosts.problem(with: "https://my.matterport.com.evil.example/x") != nil)
        #expect(hosts.problem(with: "https://user@my.matterport.com/x") != nil)
        #expect(hosts.problem(with: "https://kuula.co/share/x\"onload=\"alert(1)") != nil)
    }

    @Test func theSecretIsNeverPrinted() throws {
        let settings = try Self.settings(Self.s3)
        #expect(!String(describing: settings).contains("tract/secret+key"))
        #expect(!String(reflecting: settings).contains("tract/secret+key"))
    }

    /// Every variable the service reads is in `--help` and the README's configuration table.
    @Test func everySettingIsDocumented() throws {
        let readme = try String(contentsOf: RepositoryScripts.root.appendingPathComponent("README.md"), encoding: .utf8)
        let names = [
            "CENSUS_GEOCODER_URL", "RATE_LIMIT_OZ_CHECK_PER_MIN_PER_IP", "MEDIA_STORAGE", "MEDIA_STORAGE_PATH",
            "MEDIA_MAX_UPLOAD_BYTES", "MEDIA_SIGNED_URL_SECONDS", "MEDIA_TOUR_HOSTS", "S3_ENDPOINT", "S3_REGION", "S3_BUCKET",
            "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_SESSION_TOKEN", "S3_TIMEOUT_SECONDS",
        ]
        let help = Set(PropertiesEntryPoint.settingsHelp.split(whereSeparator: \.isWhitespace).map(String.init))
        for name in names {
            #expect(help.contains(name), "--help lists \(name)")
            #expect(readme.contains("`\(name)`"), "README lists \(name)")
        }
    }
}
