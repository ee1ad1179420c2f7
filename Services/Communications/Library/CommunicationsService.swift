import Foundation
import Hummingbird
import Logging
import Models
import SMTP
import ServiceKit
import ServiceLifecycle

/// The `communications` service: email, in-app notifications with their email channel,
/// preferences and digests; messages, webinars and webhooks with their issues. Other services ask
/// it for mail by HTTP or, with the outbox's guarantee, by event.
public enum CommunicationsEntryPoint: ServiceEntryPoint {
    public static let name = ServiceName.communications

    public static func definition() throws -> ServiceDefinition {
        try Self.definition(
            mail: MailSettings.fromEnvironment(), notifications: NotificationSettings.fromEnvironment(), live: LiveSettings.fromEnvironment(),
            team: TeamSettings.fromEnvironment(), campaigns: CampaignSettings.fromEnvironment(), webhooks: WebhookSettings.fromEnvironment(),
            webinars: WebinarSettings.fromEnvironment(), bounces: BounceSettings.fromEnvironment())
    }

    static func definition(
        mail: MailSettings, notifications: NotificationSettings = NotificationSettings(), live: LiveSettings = LiveSettings(),
        messaging: MessagingSettings? = nil, team: TeamSettings = TeamSettings(), campaigns: CampaignSettings = CampaignSettings(),
        webhooks: WebhookSettings = WebhookSettings(), webinars: WebinarSettings = WebinarSettings(), bounces: BounceSettings = BounceSettings()
    ) throws -> ServiceDefinition {
        let messaging = try messaging ?? MessagingSettings.fromEnvironment()
        let templates = try EmailTemplates.bundled()
        let smtp = try SMTPClient(configuration: mail.smtp)
        let sends: @Sendable (ServiceDependencies) -> EmailSends = { dependencies in
            EmailSends(templates: templates, mail: mail, smtp: smtp, postgres: dependencies.postgres, ids: dependencies.ids)
        }
        @Sendable func unsubscribeKey(_ dependencies: ServiceDependencies) -> UnsubscribeKey {
            UnsubscribeKey(configured: notifications.unsubscribeKey, postgres: dependencies.postgres)
        }
        let teamMails: @Sendable (ServiceDependencies) -> TeamMails = { dependencies in
            TeamMails(
                sends: sends(dependencies), directory: UserDirectory(dependencies), postgres: dependencies.postgres,
                clock: dependencies.clock, retry: team.mailRetry)
        }
        let eventNotices = EventNotices(link: { notifications.link($0) })
        // Campaigns (Campaigns/): the mailer shared by the sender and the staff routes.
        @Sendable func campaignMailer(_ dependencies: ServiceDependencies) -> CampaignMailer {
            CampaignMailer(
                smtp: smtp, from: mail.from, unsubscribeKey: unsubscribeKey(dependencies), link: { notifications.link($0) },
                unsubscribeLifetime: notifications.unsubscribeLinkLifetime)
        }
        // One per process: the LISTEN connection wakes the streams the routes opened.
        let liveHub = LiveHub(maxPerUser: live.maxStreamsPerUser, maxTotal: live.maxStreams)
        return ServiceDefinition(
            name: .communications,
            bundle: .module,
            eventHandlers: { dependencies in
                var handlers = EventHandlers()
                EmailController(sends: sends(dependencies)).register(in: &handlers, notifier: Notifier(dependencies))
                // Notifications from investments', properties' and media events (Notifications/).
                NotificationEvents(notifier: Notifier(dependencies), settings: notifications).register(in: &handlers)
                SigningNotices(notifier: Notifier(dependencies), settings: notifications).register(in: &handlers)
                AccreditationNotices.register(in: &handlers, notifier: Notifier(dependencies))
                // Outgoing webhooks (issue 17 part B, Webhooks/): record what sponsors' endpoints subscribe to, after the above.
                WebhookEvents.register(in: &handlers, clock: dependencies.clock)
                return handlers
            },
            backgroundServices: { dependencies in
                let campaignSettings = campaigns.fitting(poolSize: dependencies.configuration.databasePoolSize)
                if campaignSettings.senders < campaigns.senders {
                    dependencies.logger.warning(
                        "CAMPAIGN_SENDERS lowered to one less than DATABASE_POOL_SIZE",
                        metadata: ["configured": "\(campaigns.senders)", "running": "\(campaignSettings.senders)"])
                }
                var services: [any Service] = [
                    // The email channel of notifications: due mails and digests (Notifications/).
                    NotificationDelivery(
                        postgres: dependencies.postgres, sends: sends(dependencies), directory: UserDirectory(dependencies),
                        unsubscribeKey: unsubscribeKey(dependencies), settings: notifications, clock: dependencies.clock,
                        ids: dependencies.ids, logger: dependencies.logger
                    ),
                    LiveListener(
                        postgres: dependencies.postgres, hub: liveHub, reader: LiveFeedReader(postgres: dependencies.postgres),
                        logger: dependencies.logger
                    ),
                    // Team confirmations and answers, sent after their commit (and retried while the mail server or auth is down).
                    TeamMailer(mails: teamMails(dependencies), interval: team.mailPollInterval, logger: dependencies.logger),
                    // Issue 17 part C: 24 h and 1 h event reminders (Webinars/).
                    EventReminders(
                        postgres: dependencies.postgres, notifier: Notifier(dependencies), notices: eventNotices, clock: dependencies.clock,
                        interval: webinars.reminderInterval, batch: webinars.reminderBatch, logger: dependencies.logger),
                    // Outgoing webhooks (issue 17 part B, Webhooks/): fan-out, signed delivery, retries.
                    WebhookDispatcher(
                        deliveries: WebhookDeliveries(
                            postgres: dependencies.postgres, box: WebhookSecretBox(configured: webhooks.secretKey, postgres: dependencies.postgres),
                            sender: WebhookSender(
                                resolver: WebhookResolver(allowPrivateTargets: webhooks.allowPrivateTargets), timeout: webhooks.timeout),
                            sponsors: PropertySponsors(dependencies), notifier: Notifier(dependencies), notifications: notifications,
                            settings: webhooks, clock: dependencies.clock, ids: dependencies.ids, jitter: webhooks.jitter),
                        interval: webhooks.pollInterval, logger: dependencies.logger),
                    // Email campaigns (Campaigns/): due campaigns sent, throttled, exactly once per recipient.
                    CampaignSender(
                        postgres: dependencies.postgres, mailer: campaignMailer(dependencies), audience: CampaignAudience(dependencies),
                        settings: campaignSettings, clock: dependencies.clock,
                        logger: dependencies.logger),
                ]
                // Issue 17 part C: DSNs and abuse reports from the local bounce mailbox, when one is set.
                if let maildir = bounces.maildir {
                    services.append(
                        BounceMailbox(
                            folder: maildir, store: BounceStore(postgres: dependencies.postgres, clock: dependencies.clock, ids: dependencies.ids),
                            clock: dependencies.clock, interval: bounces.maildirInterval, logger: dependencies.logger))
                }
                return services
            },
            purgeTargets: NotificationRetention.targets(notifications.retention) + [
                live.feedPurge,
                .rateLimitBuckets(schema: ServiceName.communications.schemas[0], longestRefill: max(team.longestRefill, webinars.longestRefill)),
                PurgeTarget(
                    table: "communications.team_request_mails", timeColumn: "created_at", alsoRequires: "status <> 'pending'",
                    retention: TeamSettings.sentMailRetention),
            ] + WebhookSettings.purgeTargets,
            personalData: CommunicationsPersonalData.tables,
            routes: { router, dependencies in
                router.mount(EmailController(sends: sends(dependencies)), at: "/internal/v1/emails")
                // Messaging: conversations and their messages, connections and blocks (Messaging/, Connections/).
                let conversations = Conversations(dependencies, settings: messaging)
                let conversationStore = ConversationStore(postgres: dependencies.postgres, conversations: conversations)
                let conversationController = ConversationController(
                    store: conversationStore, lookups: PropertyLookups(dependencies), idempotency: IdempotentRequests(schema: dependencies.schema))
                router.mount(conversationController, at: "/v1/communications/conversations")
                let connections = ConnectionStore(
                    postgres: dependencies.postgres, clock: dependencies.clock, ids: dependencies.ids, maxPending: messaging.maxPendingRequests)
                router.mount(ConnectionController(store: connections, notices: conversations.notices), at: "/v1/communications/connections")
                // A user's notifications; staff send them to a user or a segment.
                let staff = StaffNotifications(
                    postgres: dependencies.postgres, notifier: Notifier(dependencies), internalClient: dependencies.internalClient,
                    analyticsURL: dependencies.configuration.events.peers[ServiceName.analytics.rawValue]
                        ?? URL(string: "http://127.0.0.1:\(ServiceName.analytics.defaultPort)")!,
                    settings: notifications, clock: dependencies.clock, ids: dependencies.ids
                )
                router.mount(
                    NotificationController(
                        store: NotificationStore(postgres: dependencies.postgres, clock: dependencies.clock, ids: dependencies.ids), staff: staff),
                    at: "/v1/communications/notifications"
                )
                // Preferences, and one-click unsubscribe from a mail (RFC 8058; no session).
                router.mount(
                    PreferenceController(store: PreferenceStore(postgres: dependencies.postgres, clock: dependencies.clock, ids: dependencies.ids)),
                    at: "/v1/communications/preferences"
                )
                router.mount(
                    UnsubscribeController(
                        key: unsubscribeKey(dependencies), clock: dependencies.clock, ids: dependencies.ids, postgres: dependencies.postgres),
                    at: "/v1/communications/unsubscribe"
                )
                router.mount(
                    LiveStreamController(
                        hub: liveHub, reader: LiveFeedReader(postgres: dependencies.postgres), settings: live, tokenClock: .system
                    ),
                    at: "/v1/communications/stream"
                )

                // Speak to the team, and join our community (seed 000 entry points 5 and 6).
                let teamRequests = TeamRequestStore(
                    postgres: dependencies.postgres, outbox: dependencies.outbox, idempotency: IdempotentRequests(schema: dependencies.schema),
                    conversations: conversations, clock: dependencies.clock, ids: dependencies.ids)
                let teamController = TeamRequestController(
                    store: teamRequests, limiter: RateLimiter(postgres: dependencies.postgres, schema: dependencies.schema), settings: team,
                    trustedProxies: dependencies.configuration.trustedProxies, clock: dependencies.clock)
                router.mount(teamController, at: "/v1/communications/team-requests")
                let community = CommunityStore(
                    postgres: dependencies.postgres, outbox: dependencies.outbox, clock: dependencies.clock, ids: dependencies.ids,
                    digestAllowed: CommunityStore.communityMailAllowed)
                router.mount(CommunityController(store: community), at: "/v1/communications/community/membership")

                // Issue 17 part C: webinars and events (Webinars/), bounce and complaint intake and
                // staff suppressions (Suppressions/).
                let events = EventStore(
                    postgres: dependencies.postgres, notifier: Notifier(dependencies), notices: eventNotices, clock: dependencies.clock,
                    ids: dependencies.ids)
                let eventRegistrations = EventRegistrations(
                    postgres: dependencies.postgres, events: events, link: { notifications.link($0) }, clock: dependencies.clock,
                    ids: dependencies.ids)
                router.mount(
                    EventController(
                        store: events, registrations: eventRegistrations, hosts: EventHosts(dependencies),
                        limiter: RateLimiter(postgres: dependencies.postgres, schema: dependencies.schema), settings: webinars),
                    at: "/v1/communications/events")
                router.mount(
                    BounceIntakeController(
                        store: BounceStore(postgres: dependencies.postgres, clock: dependencies.clock, ids: dependencies.ids), settings: bounces,
                        clock: dependencies.clock),
                    at: "/v1/communications/bounces")
                router.mount(
                    SuppressionController(store: SuppressionStore(postgres: dependencies.postgres, clock: dependencies.clock)),
                    at: "/v1/communications/suppressions")
                // Outgoing webhooks (issue 17 part B, Webhooks/): sponsors' and staff's endpoints, deliveries, replays.
                router.mount(
                    WebhookController(
                        store: WebhookEndpoints(
                            postgres: dependencies.postgres, box: WebhookSecretBox(configured: webhooks.secretKey, postgres: dependencies.postgres),
                            clock: dependencies.clock, ids: dependencies.ids, settings: webhooks),
                        resolver: WebhookResolver(allowPrivateTargets: webhooks.allowPrivateTargets),
                        limiter: RateLimiter(postgres: dependencies.postgres, schema: dependencies.schema), settings: webhooks),
                    at: "/v1/communications/webhooks")
                // Email campaigns, staff only, and their open and click tracking (Campaigns/, issue 17 part A).
                router.mount(
                    CampaignController(
                        store: CampaignStore(postgres: dependencies.postgres, clock: dependencies.clock, ids: dependencies.ids),
                        mailer: campaignMailer(dependencies), limiter: RateLimiter(postgres: dependencies.postgres, schema: dependencies.schema),
                        settings: campaigns),
                    at: "/v1/communications/campaigns")
                router.mount(
                    TrackingController(key: unsubscribeKey(dependencies), postgres: dependencies.postgres, clock: dependencies.clock),
                    at: "/v1/communications/t")
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

/// The same with mail, notification, live, messaging, team-request, campaign, webhook, webinar and
/// bounce settings of the caller's choosing (tests point it at their own sink, deliver often and lower the rate limits).
func buildApplication(
    _ configuration: ServiceConfiguration,
    mail: MailSettings,
    notifications: NotificationSettings = NotificationSettings(),
    live: LiveSettings = LiveSettings(),
    messaging: MessagingSettings? = nil,
    team: TeamSettings = TeamSettings(),
    campaigns: CampaignSettings = CampaignSettings(),
    webhooks: WebhookSettings = WebhookSettings(),
    webinars: WebinarSettings = WebinarSettings(),
    bounces: BounceSettings = BounceSettings(),
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(
        configuration,
        definition: try CommunicationsEntryPoint.definition(
            mail: mail, notifications: notifications, live: live, messaging: messaging, team: team, campaigns: campaigns, webhooks: webhooks,
            webinars: webinars, bounces: bounces),
        overrides: overrides)
}
