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
        try Self.definition(mail: MailSettings.fromEnvironment(), live: LiveSettings.fromEnvironment())
    }

    static func definition(mail: MailSettings, live: LiveSettings = LiveSettings()) throws -> ServiceDefinition {
        let templates = try EmailTemplates.bundled()
        let smtp = try SMTPClient(configuration: mail.smtp)
        let sends: @Sendable (ServiceDependencies) -> EmailSends = { dependencies in
            EmailSends(templates: templates, mail: mail, smtp: smtp, postgres: dependencies.postgres, ids: dependencies.ids)
        }
        // One per process: the LISTEN connection wakes the streams the routes opened.
        let liveHub = LiveHub(maxPerUser: live.maxStreamsPerUser, maxTotal: live.maxStreams)
        return ServiceDefinition(
            name: .communications,
            bundle: .module,
            eventHandlers: { dependencies in
                var handlers = EventHandlers()
                EmailController(sends: sends(dependencies)).register(in: &handlers)
                InvestorNotifications(sends: sends(dependencies), directory: UserDirectory(dependencies)).register(in: &handlers)
                return handlers
            },
            backgroundServices: { dependencies in
                [
                    LiveListener(
                        postgres: dependencies.postgres, hub: liveHub, reader: LiveFeedReader(postgres: dependencies.postgres),
                        logger: dependencies.logger
                    )
                ]
            },
            purgeTargets: [live.feedPurge],
            routes: { router, dependencies in
                router.mount(EmailController(sends: sends(dependencies)), at: "/internal/v1/emails")
                router.mount(
                    LiveStreamController(
                        hub: liveHub, reader: LiveFeedReader(postgres: dependencies.postgres), settings: live, tokenClock: .system
                    ),
                    at: "/v1/communications/stream"
                )
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

/// The same with mail settings of the caller's choosing (tests point it at their own sink).
func buildApplication(
    _ configuration: ServiceConfiguration,
    mail: MailSettings,
    live: LiveSettings = LiveSettings(),
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(
        configuration, definition: try CommunicationsEntryPoint.definition(mail: mail, live: live), overrides: overrides
    )
}
