// swift-tools-version: 6.1
import PackageDescription

/// Swift 6 settings shared by every target (STYLE.md: strict concurrency, ExistentialAny,
/// MemberImportVisibility).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// How release executables link on Linux (issue 19, idle RSS). With `--static-swift-stdlib`, as the
/// image and `make run`/`make bench` build, the runtime and Foundation are inside the executable,
/// so their relocations are too: lld packs the relative ones (`-z pack-relative-relocs`, DT_RELR,
/// glibc 2.36+) into a few kB instead of 2 MB of `.rela.dyn` read at every start, and
/// `--no-export-dynamic` drops the 3 MB dynamic symbol table of the executable's own symbols that the
/// static runtime's link arguments ask for and nothing here looks up. Each service's idle RSS falls
/// from 44-49 MB to under 40 (docs/benchmarks.md). Debug builds (the tests) link as before.
let releaseLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(
        ["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic"],
        .when(platforms: [.linux], configuration: .release)
    )
]

/// Every service library depends on these; a service lists what it needs beyond them.
let serviceLibraryDependencies: [Target.Dependency] = [
    "Models", "ServiceKit",
    .product(name: "Hummingbird", package: "hummingbird"),
    .product(name: "PostgresNIO", package: "postgres-nio"),
    .product(name: "Logging", package: "swift-log"),
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "HTTPTypes", package: "swift-http-types"),
]

/// The five services: library target, executable, folder, and what the library and its tests need
/// beyond the common set.
let services: [(library: String, executable: String, folder: String, extra: [Target.Dependency], testExtra: [Target.Dependency])] = [
    (
        "AuthService", "auth", "Auth",
        [
            "CArgon2", "WebAuthn",
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ],
        []
    ),
    (
        "PropertiesService", "properties", "Properties",
        [
            "S3",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            // `properties import-oz-round`.
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        ["S3"]
    ),
    (
        "InvestmentsService", "investments", "Investments",
        [
            // Inflating the deflate entries of a K-1 ZIP (system zlib, which NIO's compression links already).
            "CZlib",
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Mustache", package: "swift-mustache"),
        ],
        // The investments tests start a real properties service to publish property events, and a
        // real auth for the names a statement prints.
        ["PropertiesService", "AuthService"]
    ),
    (
        "CommunicationsService", "communications", "Communications",
        [
            "SMTP",
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            // HMAC-SHA256 of one-click unsubscribe links (RFC 8058), Standard Webhooks signatures.
            .product(name: "Crypto", package: "swift-crypto"),
            // Outgoing webhooks: one client per attempt, pinned to the address the SSRF guard checked.
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            // Webhook attempts by outcome and the delivery queue's depth on /metrics.
            .product(name: "Metrics", package: "swift-metrics"),
        ],
        // The messaging tests start a real properties service ("ask the sponsor", attachments); a
        // segment campaign's test a real analytics (the segment) and auth (the addresses).
        ["SMTP", "SMTPSink", "PropertiesService", "AnalyticsService", "AuthService"]
    ),
    (
        "AnalyticsService", "analytics", "Analytics",
        [
            // `analytics demo-events` (make run's demo data); the dashboard links' token hashes.
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Crypto", package: "swift-crypto"),
        ],
        // The analytics tests start real auth, investments and properties services to publish their events.
        ["AuthService", "InvestmentsService", "PropertiesService"]
    ),
]

/// What every test target may use: the kit, the harness and the packages tests talk through.
let testDependencies: [Target.Dependency] = [
    "ServiceKit", "TestSupport", "Models",
    .product(name: "Hummingbird", package: "hummingbird"),
    .product(name: "HummingbirdTesting", package: "hummingbird"),
    .product(name: "HTTPTypes", package: "swift-http-types"),
    .product(name: "PostgresNIO", package: "postgres-nio"),
    .product(name: "JWTKit", package: "jwt-kit"),
    .product(name: "Crypto", package: "swift-crypto"),
    .product(name: "AsyncHTTPClient", package: "async-http-client"),
    .product(name: "Logging", package: "swift-log"),
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
]

var targets: [Target] = [
    .target(
        name: "Models",
        path: "Shared/Models",
        swiftSettings: swiftSettings
    ),
    .target(
        name: "ServiceKit",
        dependencies: [
            "Models",
            "CMalloc",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            // PostgresNIO's own pool, which it links anyway: for its error type (`DatabaseAvailability`).
            .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            // Spans (the kit's own around requests, internal calls and event deliveries) and their
            // OTLP/HTTP export when OTEL_EXPORTER_OTLP_ENDPOINT is set.
            .product(name: "Tracing", package: "swift-distributed-tracing"),
            .product(name: "OTel", package: "swift-otel"),
        ],
        path: "Shared/ServiceKit",
        resources: [.copy("Resources")],
        swiftSettings: swiftSettings
    ),
    .systemLibrary(
        name: "CMalloc",
        path: "Shared/CMalloc"
    ),
    .systemLibrary(
        name: "CZlib",
        path: "Shared/CZlib",
        providers: [.apt(["zlib1g-dev"])]
    ),
    .systemLibrary(
        name: "CArgon2",
        path: "Shared/CArgon2",
        pkgConfig: "libargon2",
        providers: [.apt(["libargon2-dev"])]
    ),
    // Hand-written protocol code that no available package provides (ARCHITECTURE.md, "Layout"):
    // knows nothing of Tract, so it could be published alone.
    .target(
        name: "SMTP",
        dependencies: [
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ],
        path: "Shared/SMTP",
        swiftSettings: swiftSettings
    ),
    // A strict CBOR decoder (RFC 8949, definite lengths only) for WebAuthn; no package provides one.
    .target(
        name: "CBOR",
        path: "Shared/CBOR",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "CBORTests",
        dependencies: ["CBOR"],
        path: "Tests/CBORTests",
        swiftSettings: swiftSettings
    ),
    // WebAuthn Level 3 relying-party verification (attestation, assertions, COSE keys): knows
    // nothing of Tract; auth's passkey routes and stores are built on it.
    .target(
        name: "WebAuthn",
        dependencies: [
            "CBOR",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CryptoExtras", package: "swift-crypto"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ],
        path: "Shared/WebAuthn",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "WebAuthnTests",
        dependencies: testDependencies + ["WebAuthn", "CBOR"],
        path: "Tests/WebAuthnTests",
        exclude: ["Fixtures"],
        swiftSettings: swiftSettings
    ),
    // A fast SMTP server in NIO that only counts what it accepts: the campaign tests' and
    // benchmark's sink, where Python's aiosmtpd would be the bottleneck.
    .target(
        name: "SMTPSink",
        dependencies: [
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ],
        path: "Tests/SMTPSink",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "SMTPTests",
        dependencies: testDependencies + ["SMTP", "SMTPSink", .product(name: "NIOSSL", package: "swift-nio-ssl")],
        path: "Tests/SMTPTests",
        swiftSettings: swiftSettings
    ),
    // AWS Signature V4 and a minimal path-style S3 client, hand-written for the same reason (no
    // S3 package is on the allowed list); the properties service keeps media through it.
    .target(
        name: "S3",
        dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ],
        path: "Shared/S3",
        exclude: ["README.md"],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "S3Tests",
        dependencies: testDependencies + ["S3"],
        path: "Tests/S3Tests",
        exclude: ["generate-sigv4-vectors.py"],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "TestSupport",
        dependencies: [
            "ServiceKit", "Models", "S3",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            // ReferenceTOTP: the tests' own RFC 6238 (HMAC-SHA-1).
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        path: "Tests/TestSupport",
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "ServiceKitTests",
        dependencies: testDependencies,
        path: "Tests/ServiceKitTests",
        resources: [.copy("Resources")],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "SystemTests",
        dependencies: testDependencies + ["S3", "SMTPSink"],
        path: "Tests/SystemTests",
        swiftSettings: swiftSettings
    ),
]

for service in services {
    targets.append(
        .target(
            name: service.library,
            dependencies: serviceLibraryDependencies + service.extra,
            path: "Services/\(service.folder)/Library",
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        )
    )
    targets.append(
        .executableTarget(
            name: service.executable,
            dependencies: [.target(name: service.library), "ServiceKit"],
            path: "Services/\(service.folder)/Executable",
            swiftSettings: swiftSettings,
            linkerSettings: releaseLinkerSettings
        )
    )
    targets.append(
        .testTarget(
            name: "\(service.folder)Tests",
            dependencies: testDependencies + [.target(name: service.library)] + service.testExtra,
            path: "Tests/\(service.folder)Tests",
            // Properties: the test CSV of a made-up designation round for `import-oz-round`.
            exclude: service.folder == "Properties" ? ["Fixtures"] : [],
            swiftSettings: swiftSettings
        )
    )
}

// `make bench`: built in release by scripts/bench.sh, never run by the tests.
targets.append(
    .executableTarget(
        name: "auth-bench",
        dependencies: [
            "AuthService", "WebAuthn",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ],
        path: "Benchmarks/AuthBench",
        swiftSettings: swiftSettings,
        linkerSettings: releaseLinkerSettings
    )
)

targets.append(
    .executableTarget(
        name: "kit-bench",
        dependencies: [
            "ServiceKit", "Models",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ],
        path: "Benchmarks/KitBench",
        swiftSettings: swiftSettings,
        linkerSettings: releaseLinkerSettings
    )
)

// The plain Hummingbird + PostgresNIO service `make bench` measures the kit against (issue 19).
targets.append(
    .executableTarget(
        name: "reference-service",
        dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ],
        path: "Benchmarks/ReferenceService",
        swiftSettings: swiftSettings,
        linkerSettings: releaseLinkerSettings
    )
)

targets.append(
    .executableTarget(
        name: "investments-bench",
        dependencies: ["InvestmentsService"],
        path: "Benchmarks/InvestmentsBench",
        swiftSettings: swiftSettings,
        linkerSettings: releaseLinkerSettings
    )
)

targets.append(
    .executableTarget(
        name: "ingest-bench",
        dependencies: [
            "AnalyticsService", "ServiceKit",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ],
        path: "Benchmarks/IngestBench",
        swiftSettings: swiftSettings,
        linkerSettings: releaseLinkerSettings
    )
)

targets.append(
    .executableTarget(
        name: "live-latency-bench",
        dependencies: [
            "CommunicationsService", "ServiceKit", "Models",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ],
        path: "Benchmarks/LiveLatency",
        swiftSettings: swiftSettings,
        linkerSettings: releaseLinkerSettings
    )
)

targets.append(
    .executableTarget(
        name: "messaging-bench",
        dependencies: [
            "ServiceKit", "Models",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ],
        path: "Benchmarks/Messaging",
        swiftSettings: swiftSettings,
        linkerSettings: releaseLinkerSettings
    )
)

targets.append(
    .executableTarget(
        name: "analytics-funnel-bench",
        dependencies: ["AnalyticsService"],
        path: "Benchmarks/AnalyticsFunnel",
        exclude: ["generate-events.sql"],
        swiftSettings: swiftSettings,
        linkerSettings: releaseLinkerSettings
    )
)

// `make bench` BENCH_ONLY=fanout: one renovation update fanned out to 10,000 investors' notifications.
targets.append(
    .executableTarget(
        name: "notification-fanout-bench",
        dependencies: ["CommunicationsService"],
        path: "Benchmarks/NotificationFanout",
        swiftSettings: swiftSettings,
        linkerSettings: releaseLinkerSettings
    )
)

// `make bench` BENCH_ONLY=campaign: a campaign's mails per second to a local SMTP sink, beside the sink's own ceiling.
targets.append(
    .executableTarget(
        name: "campaign-bench",
        dependencies: [
            "CommunicationsService", "SMTP", "SMTPSink", "ServiceKit",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ],
        path: "Benchmarks/CampaignBench",
        swiftSettings: swiftSettings,
        linkerSettings: releaseLinkerSettings
    )
)

let package = Package(
    name: "tract",
    platforms: [.macOS(.v15)],
    products: services.map { .executable(name: $0.executable, targets: [$0.executable]) },
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // TOTP (RFC 6238) for auth's MFA.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        // X.509 for WebAuthn `packed` attestation certificates (jwt-kit already builds it).
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        // DER parsing of those certificates (swift-certificates already builds it; named so the
        // WebAuthn module may import it under MemberImportVisibility).
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // Span export over OTLP/HTTP only: the default traits also build gRPC, minutes of CI for
        // nothing Tract uses.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        // The tracing API (Hummingbird already builds it; named so the kit may import it).
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    ],
    targets: targets
)
