import Foundation
import Hummingbird
import Logging
import Models
import NIOCore
import ServiceKit

/// The `auth` service: identity for the whole suite — accounts, sessions, access tokens and their
/// keys (JWKS), the client-credentials grant for the other services, rate limits and lockout.
public enum AuthEntryPoint: ServiceEntryPoint {
    public static let name = ServiceName.auth

    public static func definition() throws -> ServiceDefinition {
        try Self.definition(settings: AuthSettings.fromEnvironment())
    }

    public static func definition(settings: AuthSettings) throws -> ServiceDefinition {
        let policy = try PasswordPolicy.bundled()
        let hasher = PasswordHasher()
        // Made once per process; only its verification cost matters (see AuthContext.decoyHash).
        let decoyHash = try hasher.hashNow(OpaqueToken.make())
        return ServiceDefinition(
            name: .auth,
            bundle: .module,
            eventHandlers: { _ in Self.eventHandlers() },
            onStart: { dependencies in
                let auth = Self.context(settings, policy, hasher, decoyHash, dependencies)
                try await auth.keys.refresh(logger: dependencies.logger)
                try await auth.clients.register(settings.serviceClients, logger: dependencies.logger)
            },
            backgroundServices: { dependencies in
                [SigningKeyRotation(keys: Self.context(settings, policy, hasher, decoyHash, dependencies).keys, logger: dependencies.logger)]
            },
            purgeTargets: AuthRetention.purgeTargets(settings),
            routes: { router, dependencies in
                let auth = Self.context(settings, policy, hasher, decoyHash, dependencies)
                router.get(".well-known/jwks.json") { _, context in
                    var response = Response(
                        status: .ok,
                        headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: try await auth.keys.jwksJSON(logger: context.logger)))
                    )
                    // Verifiers may cache this long; rotation publishes new keys earlier than that
                    // and keeps old ones published long enough.
                    response.headers[.cacheControl] = "public, max-age=\(SigningKeys.jwksMaxAge.components.seconds)"
                    return response
                }
                TokenEndpoint(auth: auth).addRoutes(to: router)
                AccountRoutes(auth: auth).addRoutes(to: router)
                SessionRoutes(auth: auth).addRoutes(to: router)
                EmailFlowRoutes(auth: auth).addRoutes(to: router)
                MagicLinkRoutes(auth: auth).addRoutes(to: router)
                InternalUserRoutes(users: auth.users).addRoutes(to: router)
            }
        )
    }

    /// Role changes driven by what users do in properties and investments. The outbox the
    /// handlers publish `user.role_changed` through is auth's own.
    static func eventHandlers() -> EventHandlers {
        var handlers = EventHandlers()
        RoleEvents(outbox: OutboxPublisher(source: ServiceName.auth.rawValue, schema: "auth")).register(in: &handlers)
        return handlers
    }

    /// The stores are cheap values over the shared pool. Each `SigningKeys` caches the active key
    /// for a minute, so every instance (and every replica) follows a rotation within that time.
    static func context(
        _ settings: AuthSettings,
        _ policy: PasswordPolicy,
        _ hasher: PasswordHasher,
        _ decoyHash: String,
        _ dependencies: ServiceDependencies
    ) -> AuthContext {
        let keys = SigningKeys(postgres: dependencies.postgres, settings: settings)
        return AuthContext(
            settings: settings,
            postgres: dependencies.postgres,
            outbox: dependencies.outbox,
            users: Users(postgres: dependencies.postgres),
            sessions: Sessions(
                postgres: dependencies.postgres,
                refreshLifetime: settings.refreshTokenLifetime,
                reuseGrace: settings.refreshReuseGrace,
                successorKey: settings.refreshTokenKey
            ),
            history: LoginHistory(postgres: dependencies.postgres),
            limiter: RateLimiter(postgres: dependencies.postgres, schema: "auth"),
            lockout: Lockout(postgres: dependencies.postgres, policy: settings.lockout),
            clients: ServiceClients(postgres: dependencies.postgres),
            keys: keys,
            accessTokens: AccessTokens(
                keys: keys,
                issuer: dependencies.configuration.identity.issuer,
                audience: dependencies.configuration.identity.audience,
                lifetime: settings.accessTokenLifetime
            ),
            hasher: hasher,
            policy: policy,
            mail: AuthMail(
                outbox: dependencies.outbox,
                limiter: RateLimiter(postgres: dependencies.postgres, schema: "auth"),
                limits: settings.limits,
                publicURL: settings.publicURL
            ),
            trustedProxies: dependencies.configuration.trustedProxies,
            decoyHash: decoyHash
        )
    }
}

/// Builds the `auth` application; `main` and the tests both call this.
public func buildApplication(
    _ configuration: ServiceConfiguration,
    settings: AuthSettings? = nil,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    let definition = try settings.map { try AuthEntryPoint.definition(settings: $0) } ?? AuthEntryPoint.definition()
    return try await buildServiceApplication(configuration, definition: definition, overrides: overrides)
}
