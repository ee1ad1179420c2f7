import Foundation
import Logging
import Models

/// Everything a service reads from its environment, parsed and checked once at start-up.
/// `README.md` has the table of variables; the defaults here are what `make run` relies on.
public struct ServiceConfiguration: Sendable {
    public var service: ServiceName
    /// `HOST` (default `127.0.0.1`; containers set `0.0.0.0`).
    public var host: String
    /// `PORT` (default: the service's port, 8081–8085).
    public var port: Int
    /// `DATABASE_URL` (default: the local cluster on 55432 as the service's own role).
    public var database: DatabaseURL
    /// `DATABASE_POOL_SIZE` (default 10): the most connections one replica opens.
    public var databasePoolSize: Int
    /// `DATABASE_TIMEOUT_MS` (default 2000): the longest a request waits for a database connection
    /// before the service answers 503 — the probe's deadline and the connect timeout. Keep it well
    /// below the gateway's proxy timeout.
    public var databaseTimeout: Duration
    /// `DATABASE_PROBE_INTERVAL_MS` (default 1000): how often each replica asks the database
    /// whether it is there (`SELECT 1`), to notice an outage and the end of one.
    public var databaseProbeInterval: Duration
    /// `LOG_LEVEL` (default `info`).
    public var logLevel: Logger.Level
    /// `MAX_BODY_BYTES` (default 1 MiB): larger JSON bodies get 413.
    public var maxBodyBytes: Int
    /// `TRUSTED_PROXIES` (default none): the addresses or CIDR blocks of the proxies (the
    /// gateway) whose `X-Forwarded-For` names the client. From anyone else the header is ignored;
    /// otherwise any caller could pick the address its rate limits are counted against.
    public var trustedProxies: TrustedProxies
    /// `READINESS_TIMEOUT_MS` (default 2000): how long `/health/ready` waits for Postgres before
    /// answering 503. Keep it below the probe's own `timeoutSeconds`.
    public var readinessTimeout: Duration
    /// `PEER_TIMEOUT_MS` (default 5000): the most one call to another service may take — internal
    /// requests, event deliveries and the JWKS fetch — before it counts as failed (and, where safe,
    /// is retried).
    public var peerTimeout: Duration
    /// `REQUEST_TIMEOUT_MS` (default 60000, the gateway's read timeout): the longest a request may
    /// take to start its response before the service answers 503 in its place (`RequestBound`).
    public var requestTimeout: Duration
    /// `MEMORY_TRIM_INTERVAL_MS` (default 30000; 0: never): how often the allocator's free pages are
    /// handed back to the system (`MemoryTrim`).
    public var memoryTrimInterval: Duration
    public var identity: IdentityConfiguration
    public var events: EventConfiguration
    public var retention: RetentionConfiguration
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, and
    /// `OTEL_SDK_DISABLED` not true: spans are exported over OTLP/HTTP (`TraceExport`). Off by default.
    public var exportsTraces: Bool

    public init(
        service: ServiceName,
        host: String = "127.0.0.1",
        port: Int? = nil,
        database: DatabaseURL,
        databasePoolSize: Int = 10,
        databaseTimeout: Duration = .seconds(2),
        databaseProbeInterval: Duration = .seconds(1),
        logLevel: Logger.Level = .info,
        maxBodyBytes: Int = 1 << 20,
        trustedProxies: TrustedProxies = .none,
        readinessTimeout: Duration = .seconds(2),
        peerTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(60),
        memoryTrimInterval: Duration = .seconds(30),
        identity: IdentityConfiguration = .init(),
        events: EventConfiguration = .init(),
        retention: RetentionConfiguration = .init(),
        exportsTraces: Bool = false
    ) {
        self.service = service
        self.host = host
        self.port = port ?? service.defaultPort
        self.database = database
        self.databasePoolSize = databasePoolSize
        self.databaseTimeout = databaseTimeout
        self.databaseProbeInterval = databaseProbeInterval
        self.logLevel = logLevel
        self.maxBodyBytes = maxBodyBytes
        self.trustedProxies = trustedProxies
        self.readinessTimeout = readinessTimeout
        self.peerTimeout = peerTimeout
        self.requestTimeout = requestTimeout
        self.memoryTrimInterval = memoryTrimInterval
        self.identity = identity
        self.events = events
        self.retention = retention
        self.exportsTraces = exportsTraces
    }

    static func trustedProxies(_ list: String) throws -> TrustedProxies {
        guard let proxies = TrustedProxies(parsing: list) else {
            throw ConfigurationError(
                variable: "TRUSTED_PROXIES",
                reason: "must be IP addresses or CIDR blocks separated by commas (e.g. 127.0.0.1,10.0.0.0/8); got \"\(list)\""
            )
        }
        return proxies
    }

    /// The local development database URL for a service's role (scripts/db.sh creates it).
    public static func localDatabaseURL(for service: ServiceName) -> String {
        "postgres://\(service.databaseRole):\(service.databaseRole)_local@127.0.0.1:55432/tract"
    }

    public static func fromEnvironment(
        service: ServiceName,
        _ environment: EnvironmentReader = EnvironmentReader()
    ) throws -> ServiceConfiguration {
        let logLevelText = environment.string("LOG_LEVEL", default: "info").lowercased()
        guard let logLevel = Logger.Level(rawValue: logLevelText) else {
            throw ConfigurationError(
                variable: "LOG_LEVEL",
                reason: "must be one of trace, debug, info, notice, warning, error, critical; got \"\(logLevelText)\""
            )
        }
        return ServiceConfiguration(
            service: service,
            host: environment.string("HOST", default: "127.0.0.1"),
            port: try environment.port("PORT", default: service.defaultPort),
            database: try DatabaseURL(
                parsing: environment.string("DATABASE_URL", default: Self.localDatabaseURL(for: service))
            ),
            databasePoolSize: try environment.integer("DATABASE_POOL_SIZE", default: 10, range: 1...200),
            databaseTimeout: try environment.duration("DATABASE_TIMEOUT_MS", defaultMilliseconds: 2000, range: 100...60000),
            databaseProbeInterval: try environment.duration("DATABASE_PROBE_INTERVAL_MS", defaultMilliseconds: 1000, range: 50...60000),
            logLevel: logLevel,
            maxBodyBytes: try environment.integer("MAX_BODY_BYTES", default: 1 << 20, range: 1024...(64 << 20)),
            trustedProxies: try Self.trustedProxies(environment.string("TRUSTED_PROXIES", default: "")),
            readinessTimeout: try environment.duration("READINESS_TIMEOUT_MS", defaultMilliseconds: 2000, range: 100...60000),
            peerTimeout: try environment.duration("PEER_TIMEOUT_MS", defaultMilliseconds: 5000, range: 100...120_000),
            requestTimeout: try environment.duration("REQUEST_TIMEOUT_MS", defaultMilliseconds: 60000, range: 1000...600_000),
            memoryTrimInterval: try environment.duration("MEMORY_TRIM_INTERVAL_MS", defaultMilliseconds: 30000, range: 0...3_600_000),
            identity: try IdentityConfiguration.fromEnvironment(environment),
            events: try EventConfiguration.fromEnvironment(service: service, environment),
            retention: try RetentionConfiguration.fromEnvironment(environment),
            exportsTraces: try TraceExport.isRequested(environment)
        )
    }
}

/// How a service checks access tokens signed by `auth`.
public struct IdentityConfiguration: Sendable {
    /// `AUTH_JWKS_URL` (default `http://127.0.0.1:8081/.well-known/jwks.json`).
    public var jwksURL: URL
    /// `TOKEN_ISSUER` (default `tract-auth`): the `iss` every token must carry.
    public var issuer: String
    /// `TOKEN_AUDIENCE` (default `tract`): the `aud` every token must include.
    public var audience: String
    /// `JWKS_MIN_REFETCH_SECONDS` (default 30): an unknown `kid` refetches the key set at most this
    /// often, so a flood of made-up key ids cannot turn into a flood of requests to `auth`.
    public var minimumRefetchInterval: Duration
    /// `TOKEN_ACCEPT_EDDSA` (default true): also accept tokens whose header says `"alg":"EdDSA"`,
    /// the name RFC 9864 deprecated for `Ed25519`. `auth` signs with `Ed25519`; turn this off once
    /// every service runs a release that does and the last `EdDSA` token has expired (one access
    /// token lifetime after the upgrade).
    public var acceptsEdDSAAlgorithmName: Bool

    public init(
        jwksURL: URL = URL(string: "http://127.0.0.1:8081/.well-known/jwks.json")!,
        issuer: String = "tract-auth",
        audience: String = "tract",
        minimumRefetchInterval: Duration = .seconds(30),
        acceptsEdDSAAlgorithmName: Bool = true
    ) {
        self.jwksURL = jwksURL
        self.issuer = issuer
        self.audience = audience
        self.minimumRefetchInterval = minimumRefetchInterval
        self.acceptsEdDSAAlgorithmName = acceptsEdDSAAlgorithmName
    }

    static func fromEnvironment(_ environment: EnvironmentReader) throws -> IdentityConfiguration {
        let defaults = IdentityConfiguration()
        return IdentityConfiguration(
            jwksURL: try environment.url("AUTH_JWKS_URL", default: defaults.jwksURL.absoluteString)!,
            issuer: environment.string("TOKEN_ISSUER", default: defaults.issuer),
            audience: environment.string("TOKEN_AUDIENCE", default: defaults.audience),
            minimumRefetchInterval: .seconds(
                try environment.integer("JWKS_MIN_REFETCH_SECONDS", default: 30, range: 0...86400)
            ),
            acceptsEdDSAAlgorithmName: try environment.boolean("TOKEN_ACCEPT_EDDSA", default: true)
        )
    }
}

/// Where events go and how the outbox dispatcher paces itself.
public struct EventConfiguration: Sendable {
    /// Base URLs of the peers, by name. From `<NAME>_URL` (e.g. `ANALYTICS_URL`, default
    /// `http://127.0.0.1:<port>`).
    public var peers: [String: URL]
    /// `OUTBOX_POLL_INTERVAL_MS` (default 500): how often an idle dispatcher looks for work.
    public var pollInterval: Duration
    /// `OUTBOX_BATCH_SIZE` (default 50): deliveries one dispatcher claims at a time.
    public var batchSize: Int
    /// `OUTBOX_RETRY_BASE_MS` (default 1000): the first retry delay, doubled on each failure.
    public var retryBase: Duration
    /// `OUTBOX_MAX_BACKOFF_SECONDS` (default 300): the ceiling of the exponential retry delay.
    public var maximumBackoff: Duration
    /// `EVENT_MAX_ATTEMPTS` (default 50): failed deliveries after which an event stops being
    /// retried and becomes a dead letter. At the default backoff that is about 2.7 hours of trying,
    /// so a peer down for a deploy or an outage of an hour or two loses nothing to the dead letters,
    /// while a poison event stops within hours instead of every 5 minutes forever.
    public var maximumAttempts: Int
    /// `AUTH_TOKEN_URL` (default `http://127.0.0.1:8081/v1/auth/token`): the client-credentials
    /// endpoint for service tokens.
    public var tokenURL: URL
    /// `SERVICE_CLIENT_ID` / `SERVICE_CLIENT_SECRET`: this service's credentials at `auth`.
    /// Without a secret the service does not call peers that need a service token.
    public var clientID: String
    public var clientSecret: String?

    public init(
        peers: [String: URL] = [:],
        pollInterval: Duration = .milliseconds(500),
        batchSize: Int = 50,
        retryBase: Duration = .seconds(1),
        maximumBackoff: Duration = .seconds(300),
        maximumAttempts: Int = 50,
        tokenURL: URL = URL(string: "http://127.0.0.1:8081/v1/auth/token")!,
        clientID: String = "",
        clientSecret: String? = nil
    ) {
        self.peers = peers
        self.pollInterval = pollInterval
        self.batchSize = batchSize
        self.retryBase = retryBase
        self.maximumBackoff = maximumBackoff
        self.maximumAttempts = maximumAttempts
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    static func fromEnvironment(service: ServiceName, _ environment: EnvironmentReader) throws -> EventConfiguration {
        var peers: [String: URL] = [:]
        for peer in ServiceName.allCases {
            let variable = "\(peer.rawValue.uppercased())_URL"
            peers[peer.rawValue] = try environment.url(variable, default: "http://127.0.0.1:\(peer.defaultPort)")
        }
        return EventConfiguration(
            peers: peers,
            pollInterval: try environment.duration("OUTBOX_POLL_INTERVAL_MS", defaultMilliseconds: 500, range: 10...60000),
            batchSize: try environment.integer("OUTBOX_BATCH_SIZE", default: 50, range: 1...1000),
            retryBase: try environment.duration("OUTBOX_RETRY_BASE_MS", defaultMilliseconds: 1000, range: 10...600_000),
            maximumBackoff: .seconds(try environment.integer("OUTBOX_MAX_BACKOFF_SECONDS", default: 300, range: 1...86400)),
            maximumAttempts: try environment.integer("EVENT_MAX_ATTEMPTS", default: 50, range: 1...10_000),
            tokenURL: try environment.url("AUTH_TOKEN_URL", default: "http://127.0.0.1:8081/v1/auth/token")!,
            clientID: environment.string("SERVICE_CLIENT_ID", default: service.rawValue),
            clientSecret: environment.optionalString("SERVICE_CLIENT_SECRET")
        )
    }
}
