import Foundation
import Hummingbird
import Logging
import Models
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
        let decoyHash = try hasher.hashNow(SecretToken.make())
        return ServiceDefinition(
            name: .auth,
            bundle: .module,
            eventHandlers: { dependencies in Self.eventHandlers(dependencies) },
            onStart: { dependencies in
                let auth = Self.context(settings, policy, hasher, decoyHash, dependencies)
                try await auth.keys.refresh(logger: dependencies.logger)
                try await auth.clients.register(settings.serviceClients, logger: dependencies.logger)
            },
            backgroundServices: { dependencies in
                [
                    SigningKeyRotation(keys: Self.context(settings, policy, hasher, decoyHash, dependencies).keys, logger: dependencies.logger),
                    DataExportGatherer(dependencies, settings: settings.privacy),
                    AccountDeletionSweep(dependencies, settings: settings.privacy),
                ]
            },
            purgeTargets: AuthRetention.purgeTargets(settings),
            personalData: AuthPersonalData.tables,
            // API tokens reach only the profile routes here: never tokens, sessions, passwords,
            // second factors or their own management (README, "API tokens").
            apiTokenReach: .only(["/v1/auth/me", "/v1/auth/me/login-history"]),
            apiTokenIntrospector: { dependencies in AuthAPITokenLookup(tokens: Self.apiTokens(settings, dependencies)) },
            routes: { router, dependencies in
                let auth = Self.context(settings, policy, hasher, decoyHash, dependencies)
                router.mount(JWKSController(keys: auth.keys), at: "/.well-known/jwks.json")
                router.mount(TokenController(auth: auth), at: "/v1/auth/token")
                // Signing up is open; the account itself is the signed-in user's.
                let accounts = AccountController(auth: auth)
                router.addRoutes(accounts.publicEndpoints, atPath: "/v1/auth/signup")
                router.authenticated.addRoutes(accounts.endpoints, atPath: "/v1/auth/me")
                router.mount(SessionController(auth: auth), at: "/v1/auth")
                router.mount(EmailFlowController(auth: auth), at: "/v1/auth")
                router.mount(MagicLinkController(auth: auth), at: "/v1/auth/magic-links")
                router.mount(MFAController(auth: auth), at: "/v1/auth/mfa")
                router.mount(PasskeyController(auth: auth), at: "/v1/auth/passkeys")
                router.mount(
                    OAuthController(auth: auth, providers: OAuthProviders(settings: settings.oauth, logger: dependencies.logger)), at: "/v1/auth")
                router.mount(InternalUserController(users: auth.users), at: "/internal/v1/users")
                // Issue 16 part C: becoming a sponsor, the active hat, staff admin (Staff/).
                router.mount(SponsorApplicationController(auth: auth), at: "/v1/auth/sponsor-applications")
                router.mount(CurrentRoleController(auth: auth), at: "/v1/auth/me/current-role")
                router.mount(SponsorReviewController(auth: auth), at: "/v1/auth/admin/sponsor-applications")
                router.mount(StaffAdminController(auth: auth), at: "/v1/auth/admin/users")
                router.mount(AuditLogController(auth: auth), at: "/v1/auth/admin/audit-log")
                // Profiles and the onboarding checklist (issue 16, part E).
                let profiles = ProfileController(auth: auth)
                router.addRoutes(profiles.publicEndpoints, atPath: "/v1/auth/profiles")
                router.authenticated.addRoutes(profiles.endpoints, atPath: "/v1/auth/me/profile")
                router.authenticated.addRoutes(
                    OnboardingController(store: OnboardingStore(postgres: auth.postgres)).endpoints, atPath: "/v1/auth/me/onboarding")
                // Privacy (issue 16): consents, data export.
                router.mount(ConsentController(auth: auth), at: "/v1/auth/me/consents")
                router.mount(DataExportController(auth: auth, exports: DataExports(dependencies, settings: settings.privacy)), at: "/v1/auth/me")
                router.mount(
                    AccountDeletionController(auth: auth, deletions: AccountDeletions(dependencies, settings: settings.privacy)), at: "/v1/auth/me")
                // Organisations (issue 16, part A).
                router.mount(OrganizationController(auth: auth), at: "/v1/auth/organizations")
                router.mount(InvitationAnswerController(auth: auth), at: "/v1/auth/organization-invitations")
                let apiTokens = Self.apiTokens(settings, dependencies)
                router.mount(APITokenController(auth: auth, tokens: apiTokens), at: "/v1/auth/api-tokens")
                router.mount(APITokenIntrospectionController(tokens: apiTokens), at: "/internal/v1/api-tokens")
            }
        )
    }

    /// Role changes driven by what users do in properties and investments. The outbox the
    /// handlers publish `user.role_changed` through is auth's own.
    static func eventHandlers(_ dependencies: ServiceDependencies) -> EventHandlers {
        var handlers = EventHandlers()
        RoleEvents(outbox: dependencies.outbox).register(in: &handlers)
        OnboardingEvents().register(in: &handlers)
        return handlers
    }

    static func apiTokens(_ settings: AuthSettings, _ dependencies: ServiceDependencies) -> APITokens {
        APITokens(
            postgres: dependencies.postgres, limiter: RateLimiter(postgres: dependencies.postgres, schema: dependencies.schema),
            settings: settings.apiTokens, ids: dependencies.ids)
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
        let keys = SigningKeys(postgres: dependencies.postgres, settings: settings, ids: dependencies.ids)
        let limiter = RateLimiter(postgres: dependencies.postgres, schema: dependencies.schema)
        return AuthContext(
            settings: settings,
            postgres: dependencies.postgres,
            outbox: dependencies.outbox,
            users: Users(postgres: dependencies.postgres, ids: dependencies.ids),
            sessions: Sessions(
                postgres: dependencies.postgres,
                refreshLifetime: settings.refreshTokenLifetime,
                reuseGrace: settings.refreshReuseGrace,
                successorKey: settings.refreshTokenKey,
                ids: dependencies.ids
            ),
            history: LoginHistory(postgres: dependencies.postgres, ids: dependencies.ids),
            limiter: limiter,
            lockout: Lockout(postgres: dependencies.postgres, policy: settings.lockout),
            clients: ServiceClients(postgres: dependencies.postgres),
            keys: keys,
            accessTokens: AccessTokens(
                keys: keys,
                issuer: dependencies.configuration.identity.issuer,
                audience: dependencies.configuration.identity.audience,
                lifetime: settings.accessTokenLifetime,
                clock: dependencies.clock,
                ids: dependencies.ids
            ),
            hasher: hasher,
            policy: policy,
            mail: AuthMail(
                outbox: dependencies.outbox,
                limiter: limiter,
                limits: settings.limits,
                publicURL: settings.publicURL
            ),
            emailTokens: EmailTokens(ids: dependencies.ids),
            mfaTickets: MFATickets(
                postgres: dependencies.postgres, lifetime: settings.mfa.ticketLifetime, attempts: settings.mfa.ticketAttempts,
                ids: dependencies.ids),
            trustedProxies: dependencies.configuration.trustedProxies,
            decoyHash: decoyHash,
            ids: dependencies.ids
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
