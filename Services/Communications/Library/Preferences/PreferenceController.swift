import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `/v1/communications/preferences`: the signed-in user's choices per category and per event type
/// × channel (email, in-app), frequencies, digest time, time zone and quiet hours (seed 004 §1.3).
struct PreferenceController: RouteController {
    let store: PreferenceStore

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.show)
            .patch(use: self.update)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        return JSONDocument(try PreferenceDocument.render(try await self.store.settings(of: user, logger: context.logger)))
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser()
        let body = try await request.decode(as: JSONValue.self, context: context)
        let stored = try await self.store.settings(of: user, logger: context.logger)
        let changes = try PreferenceChanges.read(body, over: stored)
        try await self.store.save(changes, for: user, logger: context.logger)
        return JSONDocument(try PreferenceDocument.render(try await self.store.settings(of: user, logger: context.logger)))
    }
}

struct PreferenceStore: Sendable {
    let postgres: PostgresClient
    let clock: ServiceClock
    let ids: IDGenerator

    func settings(of user: UUID, logger: Logger) async throws -> UserNotificationSettings {
        try await self.postgres.withConnection { connection in
            try await NotificationSettingsStore.load([user], on: connection, logger: logger)[user] ?? UserNotificationSettings()
        }
    }

    func save(_ changes: PreferenceChanges, for user: UUID, logger: Logger) async throws {
        let now = self.clock.now
        let schedule = changes.schedule
        var rows: [(category: String, type: String, choice: ChannelChoice)] = changes.categories.map {
            ($0.key.rawValue, PreferenceRows.wholeCategory, $0.value)
        }
        rows += changes.eventTypes.map { ($0.value.category.rawValue, $0.key, $0.value.choice) }
        try await self.postgres.transaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO communications.notification_quiet_hours
                    (user_id, enabled, start_time, end_time, timezone, days_of_week, digest_hour, digest_weekday, updated_at)
                VALUES (\(user), \(schedule.quietHoursEnabled), make_time(\(schedule.quietStart / 60)::integer, \(schedule.quietStart % 60)::integer, 0),
                        make_time(\(schedule.quietEnd / 60)::integer, \(schedule.quietEnd % 60)::integer, 0), \(schedule.timeZoneName),
                        \(schedule.quietDays.sorted()), \(schedule.digestHour), \(schedule.digestWeekday), \(now))
                ON CONFLICT (user_id) DO UPDATE SET enabled = excluded.enabled, start_time = excluded.start_time,
                    end_time = excluded.end_time, timezone = excluded.timezone, days_of_week = excluded.days_of_week,
                    digest_hour = excluded.digest_hour, digest_weekday = excluded.digest_weekday, updated_at = excluded.updated_at
                """,
                logger: logger
            )
            guard !rows.isEmpty else { return }
            try await PreferenceStore.upsert(
                user: user, rows: rows, ids: rows.map { _ in self.ids.next() }, now: now, on: connection, logger: logger)
        }
    }

    /// Writes choices, one statement for any number of them.
    static func upsert(
        user: UUID, rows: [(category: String, type: String, choice: ChannelChoice)], ids: [UUID], now: Date, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO communications.notification_preferences
                (id, user_id, category, event_type, email_enabled, in_app_enabled, frequency, created_at, updated_at)
            SELECT r.id, \(user), r.category, r.event_type, r.email, r.in_app, r.frequency, \(now), \(now)
            FROM unnest(\(ids)::uuid[], \(rows.map(\.category))::text[], \(rows.map(\.type))::text[], \(rows.map(\.choice.email))::boolean[],
                        \(rows.map(\.choice.inApp))::boolean[], \(rows.map(\.choice.frequency.rawValue))::text[])
                 AS r (id, category, event_type, email, in_app, frequency)
            ON CONFLICT (user_id, category, event_type) DO UPDATE SET email_enabled = excluded.email_enabled,
                in_app_enabled = excluded.in_app_enabled, frequency = excluded.frequency, updated_at = excluded.updated_at
            """,
            logger: logger
        )
    }
}

/// The preferences as the API shows them: every category (with whether it can be turned off),
/// the event types the user set, the schedule.
enum PreferenceDocument {
    struct Choice: Encodable {
        var category: String
        var eventType: String?
        var canTurnOff: Bool
        var email: Bool
        var inApp: Bool
        var frequency: String
    }

    struct QuietHours: Encodable {
        var enabled: Bool
        var start: String
        var end: String
        var daysOfWeek: [Int]
    }

    struct Document: Encodable {
        var timeZone: String
        var digestHour: Int
        var digestWeekday: Int
        var quietHours: QuietHours
        var categories: [Choice]
        var eventTypes: [Choice]
    }

    static func render(_ settings: UserNotificationSettings) throws -> String {
        let schedule = settings.schedule
        let categories = NotificationCategory.allCases.map { category in
            let choice = settings.categories[category] ?? .standard
            return Choice(
                category: category.rawValue, eventType: nil, canTurnOff: !category.isLocked, email: choice.email || category.isLocked,
                inApp: choice.inApp || category.isLocked, frequency: choice.frequency.rawValue)
        }
        let types = settings.eventTypes.sorted { $0.key < $1.key }.map { type, choice in
            let category = NotificationTypes.categories[type] ?? .product
            return Choice(
                category: category.rawValue, eventType: type, canTurnOff: !category.isLocked, email: choice.email || category.isLocked,
                inApp: choice.inApp || category.isLocked, frequency: choice.frequency.rawValue)
        }
        let document = Document(
            timeZone: schedule.timeZoneName, digestHour: schedule.digestHour, digestWeekday: schedule.digestWeekday,
            quietHours: QuietHours(
                enabled: schedule.quietHoursEnabled, start: PreferenceChanges.clock(schedule.quietStart),
                end: PreferenceChanges.clock(schedule.quietEnd),
                daysOfWeek: schedule.quietDays.sorted()),
            categories: categories, eventTypes: types
        )
        return String(decoding: try JSONEncoder.tract.encode(document), as: UTF8.self)
    }
}
