import Foundation
import Hummingbird
import Models
import SMTP
import ServiceKit

/// The `communications` service: email, investor notifications by email; in-app notifications, messages, webinars and webhooks with
/// their issues. Other services ask it for mail by HTTP or, with the outbox's guarantee, by event.
public enum CommunicationsEntryPoint: ServiceEntryPoint {
    public static let name = ServiceName.communications

    public static func definition() throws -> ServiceDefinition {
        try Self.definition(mail: MailSettings.fromEnvironment(), team: TeamSettings.fromEnvironment())
    }

    static func definition(mail: MailSettings, team: TeamSettings = TeamSettings()) throws -> ServiceDefinition {
        let templates = try EmailTemplates.bundled()
        let smtp = try SMTPClient(configuration: mail.smtp)
        let sends: @Sendable (ServiceDependencies) -> EmailSends = { dependencies in
            EmailSends(templates: templates, mail: mail, smtp: smtp, postgres: dependencies.postgres, ids: dependencies.ids)
        }
        let teamMails: @Sendable (ServiceDependencies) -> TeamMails = { dependencies in
            TeamMails(
                sends: sends(dependencies), directory: UserDirectory(dependencies), postgres: dependencies.postgres,
                clock: dependencies.clock, retry: team.mailRetry)
        }
        return ServiceDefinition(
            name: .communications,
            bundle: .module,
            eventHandlers: { dependencies in
                var handlers = EventHandlers()
                EmailController(sends: sends(dependencies)).register(in: &handlers)
                InvestorNotifications(sends: sends(dependencies), directory: UserDirectory(dependencies)).register(in: &handlers)
                return handlers
            },
            // Owed team mails whose first try failed (mail server or auth down) go out later.
            backgroundServices: { dependencies in
                [TeamMailer(mails: teamMails(dependencies), interval: team.mailRetryInterval, logger: dependencies.logger)]
            },
            purgeTargets: [
                .rateLimitBuckets(schema: ServiceName.communications.schemas[0], longestRefill: team.longestRefill),
                PurgeTarget(
                    table: "communications.team_request_mails", timeColumn: "created_at", alsoRequires: "status <> 'pending'",
                    retention: TeamSettings.sentMailRetention),
            ],
            routes: { router, dependencies in
                router.mount(EmailController(sends: sends(dependencies)), at: "/internal/v1/emails")

                // Speak to the team, and join our community (seed 000 entry points 5 and 6).
                let teamRequests = TeamRequestStore(
                    postgres: dependencies.postgres, outbox: dependencies.outbox, idempotency: IdempotentRequests(schema: dependencies.schema),
                    conversations: Conversations(dependencies), mails: teamMails(dependencies), clock: dependencies.clock, ids: dependencies.ids)
                let teamController = TeamRequestController(
                    store: teamRequests, limiter: RateLimiter(postgres: dependencies.postgres, schema: dependencies.schema), settings: team,
                    trustedProxies: dependencies.configuration.trustedProxies, clock: dependencies.clock)
                router.mount(teamController, at: "/v1/communications/team-requests")
                let community = CommunityStore(
                    postgres: dependencies.postgres, outbox: dependencies.outbox, clock: dependencies.clock, ids: dependencies.ids,
                    digestAllowed: CommunityStore.communityMailAllowed)
                router.mount(CommunityController(store: community), at: "/v1/communications/community/membership")
            }
        )
    }
}

/// Builds the `communications` application; `main` and the tests both call this.
public func buildApplication(
    _ configuration: ServiceConfiguration,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(configuration, definition: try CommunicationsEntryPoint.definition(), overrides: overrides)
}

/// The same with mail settings of the caller's choosing (tests point it at their own sink), and
/// team-request settings (tests lower the rate limits).
func buildApplication(
    _ configuration: ServiceConfiguration,
    mail: MailSettings,
    team: TeamSettings = TeamSettings(),
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(
        configuration, definition: try CommunicationsEntryPoint.definition(mail: mail, team: team), overrides: overrides)
}
