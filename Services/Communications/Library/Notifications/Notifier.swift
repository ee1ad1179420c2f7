import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Creates notifications for every part of communications (events, staff, messages, connections,
/// the team): stores them, hands the in-app ones to the live feed and plans each email per the
/// user's preferences (now, after quiet hours, or into a digest) for `NotificationDelivery` to send.
///
/// Runs in the caller's transaction, set-based: one statement per table however many users, so a
/// property's update to 10,000 investors costs a handful of statements. Idempotent by
/// (user, dedupe key): a redelivered event creates nothing twice and plans no second mail.
struct Notifier: Sendable {
    /// Told of the notifications just created that the user sees in the app, in the same
    /// transaction (the live feed appends them, so open clients hear of them on commit).
    typealias LiveSink = @Sendable (_ created: [CreatedNotification], _ connection: PostgresConnection, _ logger: Logger) async throws -> Void

    let clock: ServiceClock
    let ids: IDGenerator
    var live: LiveSink = { _, _, _ in }

    /// Stores the notifications, appends each to its user's live feed, and plans the email
    /// channel. Returns the ids of the ones newly created (those already made for the same user
    /// and dedupe key are left as they are).
    @discardableResult
    func notify(_ drafts: [NotificationDraft], on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        guard !drafts.isEmpty else { return [] }
        // Titles and links past the columns' sizes are cut rather than failing the caller's transaction.
        let drafts = drafts.map(Self.fitted)
        let now = self.clock.now
        let users = Array(Set(drafts.map(\.userID)))
        let settings = try await NotificationSettingsStore.load(users, on: connection, logger: logger)
        let plans = drafts.map { draft in
            DeliveryPlan.plan(
                category: draft.category, type: draft.type, priority: draft.priority, hasEmail: draft.email != nil,
                settings: settings[draft.userID] ?? UserNotificationSettings(), now: now
            )
        }
        let ids = drafts.map { _ in self.ids.next() }

        let inserted = try await connection.query(
            """
            INSERT INTO communications.notifications
                (id, user_id, type, category, title, message, action_url, priority, channels, dedupe_key, created_at, expires_at)
            SELECT d.id, d.user_id, d.type, d.category, d.title, d.message, NULLIF(d.action_url, ''), d.priority,
                   string_to_array(d.channels, ','), d.dedupe_key, \(now), CASE WHEN d.expires THEN d.expires_at END
            FROM unnest(\(ids)::uuid[], \(drafts.map(\.userID))::uuid[], \(drafts.map(\.type))::text[],
                        \(drafts.map(\.category.rawValue))::text[], \(drafts.map(\.title))::text[], \(drafts.map(\.message))::text[],
                        \(drafts.map { $0.actionURL ?? "" })::text[], \(drafts.map(\.priority.rawValue))::text[],
                        \(plans.map(Self.channels))::text[], \(drafts.map(\.dedupeKey))::text[],
                        \(drafts.map { $0.expiresAt != nil })::boolean[], \(drafts.map { $0.expiresAt ?? now })::timestamptz[])
                 AS d (id, user_id, type, category, title, message, action_url, priority, channels, dedupe_key, expires, expires_at)
            ON CONFLICT (user_id, dedupe_key) DO NOTHING
            RETURNING id
            """,
            logger: logger
        )
        var created = Set<UUID>()
        for try await id in inserted.decode(UUID.self) { created.insert(id) }
        guard !created.isEmpty else { return [] }

        // The email channel of the new ones.
        var mail: [(id: UUID, notification: UUID, draft: NotificationDraft, email: EmailContent, status: String, due: Date)] = []
        for (index, draft) in drafts.enumerated() where created.contains(ids[index]) {
            guard let email = draft.email, let planned = plans[index].email else { continue }
            switch planned {
            case .at(let due): mail.append((self.ids.next(), ids[index], draft, email, "pending", due))
            case .digest(let due): mail.append((self.ids.next(), ids[index], draft, email, "digest", due))
            }
        }
        if !mail.isEmpty {
            let variables = try mail.map { String(decoding: try JSONEncoder().encode($0.email.variables), as: UTF8.self) }
            try await connection.query(
                """
                INSERT INTO communications.notification_deliveries
                    (id, notification_id, user_id, category, type, critical, template_key, variables, to_email, status, due_at,
                     created_at, updated_at)
                SELECT m.id, m.notification_id, m.user_id, m.category, m.type, m.critical, m.template_key, m.variables::jsonb,
                       NULLIF(m.to_email, ''), m.status, m.due_at, \(now), \(now)
                FROM unnest(\(mail.map(\.id))::uuid[], \(mail.map(\.notification))::uuid[], \(mail.map(\.draft.userID))::uuid[],
                            \(mail.map(\.draft.category.rawValue))::text[], \(mail.map(\.draft.type))::text[],
                            \(mail.map { $0.draft.priority == .critical })::boolean[], \(mail.map(\.email.templateKey))::text[],
                            \(variables)::text[], \(mail.map { $0.email.to ?? "" })::text[], \(mail.map(\.status))::text[],
                            \(mail.map(\.due))::timestamptz[])
                     AS m (id, notification_id, user_id, category, type, critical, template_key, variables, to_email, status, due_at)
                """,
                logger: logger
            )
        }

        var shown: [CreatedNotification] = []
        var newIDs: [UUID] = []
        for (index, draft) in drafts.enumerated() where created.contains(ids[index]) {
            newIDs.append(ids[index])
            guard plans[index].inApp else { continue }
            shown.append(
                CreatedNotification(
                    id: ids[index], userID: draft.userID, type: draft.type, category: draft.category, title: draft.title,
                    message: draft.message, actionURL: draft.actionURL, priority: draft.priority, createdAt: now
                )
            )
        }
        if !shown.isEmpty { try await self.live(shown, connection, logger) }
        logger.debug("notifications created", metadata: ["created": .stringConvertible(newIDs.count), "mail": .stringConvertible(mail.count)])
        return newIDs
    }

    static func fitted(_ draft: NotificationDraft) -> NotificationDraft {
        guard draft.title.count > 255 || (draft.actionURL?.count ?? 0) > 500 || draft.type.count > 100 else { return draft }
        var fitted = draft
        if fitted.title.count > 255 { fitted.title = String(fitted.title.prefix(254)) + "…" }
        if (fitted.actionURL?.count ?? 0) > 500 { fitted.actionURL = nil }
        fitted.type = String(fitted.type.prefix(100))
        return fitted
    }

    /// The channels a notification goes to, as `string_to_array` reads them.
    static func channels(_ plan: DeliveryPlan) -> String {
        [plan.inApp ? "in_app" : nil, plan.email == nil ? nil : "email"].compactMap { $0 }.joined(separator: ",")
    }
}

extension Notifier {
    /// The service's notifier: its clock and ids, feeding the live feed. Every part of
    /// communications builds its notifier here, so all of them feed the same live stream.
    init(_ dependencies: ServiceDependencies) {
        self.init(clock: dependencies.clock, ids: dependencies.ids, live: Self.liveFeed(LiveFeed()))
    }

    /// Appends each notification to its user's live feed (kind `notification`, the list's fields),
    /// one call for all of them, so a fan-out is one statement there too.
    static func liveFeed(_ feed: LiveFeed) -> LiveSink {
        { created, connection, logger in
            try await feed.append(created.map { (user: $0.userID, item: Self.liveItem($0)) }, on: connection, logger: logger)
        }
    }

    static func liveItem(_ notification: CreatedNotification) -> LiveItem {
        LiveItem(
            kind: "notification", id: notification.id,
            payload: .object([
                "id": .string(notification.id.uuidString.lowercased()), "type": .string(notification.type),
                "category": .string(notification.category.rawValue), "title": .string(notification.title),
                "message": .string(notification.message), "action_url": notification.actionURL.map(JSONValue.string) ?? .null,
                "priority": .string(notification.priority.rawValue), "read": .bool(false),
                "created_at": .string(RFC3339.string(from: notification.createdAt)),
            ])
        )
    }
}
