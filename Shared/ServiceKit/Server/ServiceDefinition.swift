import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceLifecycle

/// What makes one service different from the others; everything else comes from the kit.
public struct ServiceDefinition: Sendable {
    public var name: ServiceName
    /// The service library's resource bundle: `Resources/Migrations/*.sql` and `Resources/openapi.json`.
    public var bundle: Bundle
    /// The events the service handles; built with the dependencies, as a handler may call a peer.
    public var eventHandlers: @Sendable (ServiceDependencies) throws -> EventHandlers
    /// Adds the service's routes; called once while the application is built.
    public var routes: @Sendable (Router<TractRequestContext>, ServiceDependencies) throws -> Void
    /// Runs after migrations and before the server listens (e.g. making sure a signing key exists).
    public var onStart: @Sendable (ServiceDependencies) async throws -> Void
    /// Long-running work of the service's own, run beside the server (e.g. key rotation).
    public var backgroundServices: @Sendable (ServiceDependencies) throws -> [any Service]
    /// The service's own tables whose old rows the kit's retention purge deletes, beside the kit's
    /// outbox, inbox and idempotency keys.
    public var purgeTargets: [PurgeTarget]
    /// The service's tables that hold rows about a user: what `GET /internal/v1/users/{id}/export`
    /// returns for auth's data export (issue 16, privacy).
    public var personalData: [PersonalDataTable]
    /// Which `/v1/` routes personal API tokens may reach (`APITokenPolicy`); every one by default.
    public var apiTokenReach: APITokenReach
    /// Where API tokens are checked: by default auth's introspection route; auth passes its own
    /// table lookup.
    public var apiTokenIntrospector: (@Sendable (ServiceDependencies) -> any APITokenIntrospector)?

    public init(
        name: ServiceName,
        bundle: Bundle,
        eventHandlers: @escaping @Sendable (ServiceDependencies) throws -> EventHandlers = { _ in EventHandlers() },
        onStart: @escaping @Sendable (ServiceDependencies) async throws -> Void = { _ in },
        backgroundServices: @escaping @Sendable (ServiceDependencies) throws -> [any Service] = { _ in [] },
        purgeTargets: [PurgeTarget] = [],
        personalData: [PersonalDataTable] = [],
        apiTokenReach: APITokenReach = .everyPublicRoute,
        apiTokenIntrospector: (@Sendable (ServiceDependencies) -> any APITokenIntrospector)? = nil,
        routes: @escaping @Sendable (Router<TractRequestContext>, ServiceDependencies) throws -> Void
    ) {
        self.name = name
        self.bundle = bundle
        self.eventHandlers = eventHandlers
        self.onStart = onStart
        self.backgroundServices = backgroundServices
        self.purgeTargets = purgeTargets
        self.personalData = personalData
        self.apiTokenReach = apiTokenReach
        self.apiTokenIntrospector = apiTokenIntrospector
        self.routes = routes
    }

    /// The kit's migrations followed by the service's own.
    public func migrations() throws -> [Migration] {
        try Migration.serviceKit() + Migration.load(from: self.bundle)
    }
}

/// What the kit hands a service's routes: its database, outbox, peers, settings, clock and ids.
public struct ServiceDependencies: Sendable {
    public let service: ServiceName
    public let configuration: ServiceConfiguration
    public let postgres: PostgresClient
    public let outbox: OutboxPublisher
    public let internalClient: InternalHTTPClient
    public let logger: Logger
    /// "Now" for the service's own code; tests fix it through `ServiceOverrides.clock`.
    public let clock: ServiceClock
    /// New rows' ids (UUIDv7); tests may replace it through `ServiceOverrides.ids`.
    public let ids: IDGenerator

    /// The schema that holds the service's bookkeeping (outbox, inbox, rate limits, idempotency).
    public var schema: String { self.service.schemas[0] }
}

/// Seams for tests: what a test swaps must be a real implementation too (a token provider that
/// signs with the test's key, a subscriber map pointing at the test's own server).
public struct ServiceOverrides: Sendable {
    public var serviceTokens: (any ServiceTokenProvider)?
    /// Who receives each event type; the outbox queues for them and the inbox takes only types it
    /// is listed for (default `EventSubscriptions`).
    public var eventSubscribers: (@Sendable (String) -> [String])?
    /// Who may publish each event type; the inbox refuses other sources (default `EventPublishers`).
    public var eventPublishers: (@Sendable (String) -> [String])?
    public var runsOutboxDispatcher: Bool
    public var migratesOnStart: Bool
    /// The service's clock (default the wall clock).
    public var clock: ServiceClock
    /// The service's id generator (default UUIDv7 at `clock`'s time).
    public var ids: IDGenerator?

    public init(
        serviceTokens: (any ServiceTokenProvider)? = nil,
        eventSubscribers: (@Sendable (String) -> [String])? = nil,
        eventPublishers: (@Sendable (String) -> [String])? = nil,
        runsOutboxDispatcher: Bool = true,
        migratesOnStart: Bool = true,
        clock: ServiceClock = .system,
        ids: IDGenerator? = nil
    ) {
        self.clock = clock
        self.ids = ids
        self.serviceTokens = serviceTokens
        self.eventSubscribers = eventSubscribers
        self.eventPublishers = eventPublishers
        self.runsOutboxDispatcher = runsOutboxDispatcher
        self.migratesOnStart = migratesOnStart
    }
}
