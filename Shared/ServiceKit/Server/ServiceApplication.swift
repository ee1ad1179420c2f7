import Foundation
import Hummingbird
import Logging
import Models
import NIOCore
import PostgresNIO
import ServiceLifecycle

/// Wires a service the one way every service is wired: JSON logs, span export when configured, the Postgres pool, migrations
/// before the server listens, request ids, metrics, problem+json errors, token verification,
/// probes, the event inbox and outbox dispatcher, the dead letters, the retention purge, then the
/// service's own routes.
public func buildServiceApplication(
    _ configuration: ServiceConfiguration,
    definition: ServiceDefinition,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    LoggingSystem.bootstrapJSON(service: definition.name.rawValue, level: configuration.logLevel)
    let logger = {
        var logger = Logger(label: "tract.\(definition.name.rawValue)")
        logger.logLevel = configuration.logLevel
        return logger
    }()
    _ = PrometheusMetrics.registry
    // Before any HTTP client exists, so the ones that trace themselves find the tracer.
    let traceExport = try configuration.exportsTraces ? TraceExport.bootstrap(service: definition.name, logger: logger) : nil

    let schema = definition.name.schemas[0]
    var postgresConfiguration = try configuration.database.clientConfiguration
    postgresConfiguration.options.maximumConnections = configuration.databasePoolSize
    postgresConfiguration.options.connectTimeout = configuration.databaseTimeout
    let postgres = PostgresClient(configuration: postgresConfiguration, backgroundLogger: logger)
    let migrator = Migrator(client: postgres, schema: schema, migrations: try definition.migrations(), logger: logger)

    let serviceTokens =
        overrides.serviceTokens
        ?? ClientCredentialsTokenProvider(
            tokenURL: configuration.events.tokenURL,
            clientID: configuration.events.clientID,
            clientSecret: configuration.events.clientSecret
        )
    let internalClient = InternalHTTPClient(tokens: serviceTokens, timeout: configuration.peerTimeout)
    let subscribers = overrides.eventSubscribers ?? EventSubscriptions.subscribers(of:)
    let outbox = OutboxPublisher(source: definition.name.rawValue, schema: schema, subscribers: subscribers)
    let dependencies = ServiceDependencies(
        service: definition.name,
        configuration: configuration,
        postgres: postgres,
        outbox: outbox,
        internalClient: internalClient,
        logger: logger,
        clock: overrides.clock,
        ids: overrides.ids ?? .uuidV7(overrides.clock)
    )
    let verifier = TokenVerifier(
        configuration: configuration.identity, fetchTimeout: configuration.peerTimeout,
        apiTokens: definition.apiTokenIntrospector?(dependencies) ?? AuthAPITokenIntrospector(dependencies), logger: logger)

    // HEAD answers wherever GET does (RFC 9110 §9.3.2), as the 405's Allow promises.
    let availability = DatabaseAvailability(retryAfterSeconds: Int(configuration.databaseTimeout.components.seconds) + 3)
    let router = Router(context: TractRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: RequestIDMiddleware(bodyLimit: configuration.maxBodyBytes))
    router.add(middleware: RequestMetricsMiddleware())
    let openAPI = try OpenAPIDocument.build(service: definition.bundle)
    router.add(middleware: ProblemMiddleware(routes: RouteTable(openAPI: openAPI)))
    router.add(middleware: DatabaseOutageMiddleware(availability: availability))
    router.add(middleware: QueryGuardMiddleware())
    router.add(middleware: IdentityMiddleware(verifier: verifier, trustedProxies: configuration.trustedProxies))
    router.add(middleware: APITokenScopeMiddleware(service: definition.name, reach: definition.apiTokenReach))
    let operations = OperationsController(
        postgres: postgres,
        migrator: migrator,
        openAPIDocument: ByteBuffer(bytes: try JSONEncoder.tract.encode(openAPI)),
        readinessTimeout: configuration.readinessTimeout,
        availability: availability
    )
    router.addRoutes(operations.endpoints)
    let publishers = overrides.eventPublishers ?? EventPublishers.publishers(of:)
    let service = definition.name.rawValue
    let inbox = EventInbox(
        client: postgres,
        schema: schema,
        handlers: try definition.eventHandlers(dependencies),
        // What this service takes is the suite's map; a test's subscriber override redirects where
        // this service's own events go and may add types of its own making, never remove one.
        accepts: { type, source in
            ServiceGrants.accepts(type, from: source, at: service, publishers: publishers)
                || ServiceGrants.accepts(type, from: source, at: service, publishers: publishers, subscribers: subscribers)
        }
    )
    router.authenticated.addRoutes(inbox.endpoints, atPath: "/internal/events")
    router.authenticated.addRoutes(DeadLetters(client: postgres, schema: schema).endpoints, atPath: "/internal/outbox/dead-letters")
    let personalData = PersonalDataController(tables: definition.personalData, postgres: postgres, schema: schema)
    router.authenticated.addRoutes(personalData.endpoints, atPath: "/internal/v1/users")
    router.authenticated.addRoutes(personalData.erasureEndpoints, atPath: "/internal/v1/users")
    try definition.routes(router, dependencies)

    let startup = StartupGate()
    // First, so it is shut down last and sends the spans of the requests that drained before it.
    var services: [any Service] = traceExport.map { [$0] } ?? []
    services += [
        postgres,
        DatabaseProbe(
            database: try configuration.database.connectionConfiguration, availability: availability,
            interval: configuration.databaseProbeInterval, timeout: configuration.databaseTimeout, logger: logger),
    ]
    services += try definition.backgroundServices(dependencies)
    if configuration.memoryTrimInterval > .zero {
        services.append(MemoryTrim(interval: configuration.memoryTrimInterval))
    }
    services.append(
        RetentionPurge(
            client: postgres,
            targets: PurgeTarget.kit(schema: schema, retention: configuration.retention) + definition.purgeTargets,
            interval: configuration.retention.interval,
            batchSize: configuration.retention.batchSize,
            startup: startup,
            logger: logger
        )
    )
    if overrides.runsOutboxDispatcher {
        services.append(
            OutboxDispatcher(
                client: postgres,
                schema: schema,
                configuration: configuration.events,
                internalClient: internalClient,
                startup: startup,
                logger: logger
            )
        )
    }
    var app = Application(
        responder: RequestBound(router.buildResponder(), availability: availability, timeout: configuration.requestTimeout),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "tract-\(definition.name.rawValue)"
        ),
        services: services,
        logger: logger
    )
    let migratesOnStart = overrides.migratesOnStart
    app.beforeServerStarts {
        do {
            if migratesOnStart {
                try await migrator.migrate()
            } else if case .pending(let pending) = try await migrator.status() {
                // Another process (the migrations Job) applies these; until then /health/ready says 503.
                logger.notice("migrations pending", metadata: ["pending": .string(pending.joined(separator: ", "))])
            }
            try await definition.onStart(dependencies)
        } catch {
            // Start-up stops here; say why in full, once, where operators look.
            logger.critical("start-up failed", metadata: ["error": .string(String(reflecting: error))])
            throw error
        }
        startup.open()
        logger.info(
            "service started",
            metadata: ["port": .stringConvertible(configuration.port), "database": .string(configuration.database.redacted)]
        )
    }
    return app
}
