import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO

/// A service library exposes its definition through this, and its executable is one line:
/// `await AuthEntryPoint.main()`.
public protocol ServiceEntryPoint {
    static var name: ServiceName { get }
    /// Throws when the service's own settings are unusable (start-up stops with the reason).
    static func definition() throws -> ServiceDefinition
    /// The service's own settings for `--help`, after the kit's: one line per variable, aligned as
    /// the kit's are. Empty when it has none.
    static var settingsHelp: String { get }
    /// Subcommands of the service's own beside `serve` and `migrate` (analytics' `demo-events`).
    static var commands: [any AsyncParsableCommand.Type] { get }
}

extension ServiceEntryPoint {
    public static var settingsHelp: String { "" }
    public static var commands: [any AsyncParsableCommand.Type] { [] }
}

/// `<service> [serve]`, `<service> migrate` and `--help`, the same for all five executables.
public struct ServiceCommand<Entry: ServiceEntryPoint>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: Entry.name.rawValue,
            abstract: "The Tract \(Entry.name.rawValue) service.",
            discussion: ServiceConfiguration.environmentHelp(for: Entry.name)
                + (Entry.settingsHelp.isEmpty ? "" : "\n\n\(Entry.name.rawValue) only:\n\(Entry.settingsHelp)"),
            subcommands: [Serve.self, Migrate.self] + Entry.commands,
            defaultSubcommand: Serve.self
        )
    }

    public init() {}

    struct Serve: AsyncParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(abstract: "Apply pending migrations (unless MIGRATE_ON_START=false) and serve HTTP until SIGTERM.")
        }

        func run() async throws {
            let configuration = try ServiceCommand.loadConfiguration()
            let migrates = try EnvironmentReader().boolean("MIGRATE_ON_START", default: true)
            let app = try await buildServiceApplication(
                configuration,
                definition: try ServiceCommand.loadDefinition(),
                overrides: ServiceOverrides(migratesOnStart: migrates)
            )
            // Access-log lines are written off the request path (LogOutput): the last ones go out before the exit.
            defer { JSONLogHandler.flush() }
            try await app.runService()
        }
    }

    struct Migrate: AsyncParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(abstract: "Apply pending migrations and exit (what the Kubernetes Job runs).")
        }

        func run() async throws {
            let configuration = try ServiceCommand.loadConfiguration()
            LoggingSystem.bootstrapJSON(service: Entry.name.rawValue, level: configuration.logLevel)
            let logger = Logger(label: "tract.\(Entry.name.rawValue).migrate")
            let client = PostgresClient(configuration: try configuration.database.clientConfiguration, backgroundLogger: logger)
            let migrator = Migrator(
                client: client,
                schema: Entry.name.schemas[0],
                migrations: try ServiceCommand.loadDefinition().migrations(),
                logger: logger
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                let applied = try await migrator.migrate()
                logger.info("migrations done", metadata: ["applied": .stringConvertible(applied.count)])
            }
        }
    }

    static func loadDefinition() throws -> ServiceDefinition {
        do {
            return try Entry.definition()
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }

    /// Reads the environment, or stops with one line naming the bad variable.
    public static func loadConfiguration() throws -> ServiceConfiguration {
        do {
            return try ServiceConfiguration.fromEnvironment(service: Entry.name)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }
}

extension ServiceConfiguration {
    static func environmentHelp(for service: ServiceName) -> String {
        """
        Settings come from the environment; the defaults suit `make run`.
          HOST, PORT                  listen address (127.0.0.1:\(service.defaultPort))
          DATABASE_URL                postgres://user:password@host:port/db
                                      ?sslmode=disable|require|verify-full
                                      (local cluster on 55432 as \(service.databaseRole))
          DATABASE_POOL_SIZE          connections per replica (10)
          MIGRATE_ON_START            migrate before serving (true)
          LOG_LEVEL                   trace ... critical (info)
          MAX_BODY_BYTES              largest JSON body (1048576)
          TRUSTED_PROXIES             proxies whose X-Forwarded-For is believed
                                      (none; IPs or CIDRs, comma-separated)
          READINESS_TIMEOUT_MS        /health/ready's wait for Postgres (2000)
          PEER_TIMEOUT_MS             one call to another service (5000)
          REQUEST_TIMEOUT_MS          a request's answer, before 503 stands in (60000)
          AUTH_JWKS_URL               auth's key set
                                      (http://127.0.0.1:8081/.well-known/jwks.json)
          TOKEN_ISSUER                required iss (tract-auth)
          TOKEN_AUDIENCE              required aud (tract)
          JWKS_MIN_REFETCH_SECONDS    spacing of unknown-kid refetches (30)
          <SERVICE>_URL               peer base URLs, e.g. ANALYTICS_URL
                                      (http://127.0.0.1:8085)
          AUTH_TOKEN_URL              client-credentials endpoint
                                      (http://127.0.0.1:8081/v1/auth/token)
          SERVICE_CLIENT_ID           client id at auth (\(service.rawValue))
          SERVICE_CLIENT_SECRET       client secret (unset: no service token)
          OUTBOX_POLL_INTERVAL_MS     idle outbox polling (500)
          OUTBOX_BATCH_SIZE           deliveries claimed at once (50)
          OUTBOX_RETRY_BASE_MS        first retry delay, doubling (1000)
          OUTBOX_MAX_BACKOFF_SECONDS  retry delay ceiling (300)
          EVENT_MAX_ATTEMPTS          failed deliveries before an event is a
                                      dead letter (50)
          PURGE_INTERVAL_SECONDS      how often old rows are purged (3600)
          PURGE_BATCH_SIZE            rows deleted per statement (1000)
          OUTBOX_RETENTION_DAYS       delivered outbox rows (7)
          INBOX_RETENTION_DAYS        ids of applied events (30)
          IDEMPOTENCY_KEY_RETENTION_HOURS
                                      stored answers to Idempotency-Key (24)
          OTEL_EXPORTER_OTLP_ENDPOINT export spans over OTLP/HTTP to this
                                      collector, e.g. http://otel-collector:4318
                                      (unset: no export; traceparent still
                                      propagated and trace_id/span_id logged)
          OTEL_EXPORTER_OTLP_PROTOCOL http/protobuf or http/json (http/protobuf)
          OTEL_TRACES_SAMPLER         and the other standard OTEL_* variables
                                      (headers, batch delays, OTEL_SDK_DISABLED)
        """
    }
}

extension ServiceEntryPoint {
    /// Parses the command line and runs the chosen subcommand; what each `main.swift` calls.
    public static func main() async {
        MemoryTrim.limitArenas()
        await ServiceCommand<Self>.main()
    }
}
