import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `GET /v1/analytics/users/{id}/journey` and `/events`: what one user did, for staff and for the
/// user themself (issue 13: a user cannot read another user's events).
struct JourneyController: RouteController {
    let postgres: PostgresClient

    /// Newest first, by when it happened; the id breaks ties within a microsecond.
    static let order = Keyset("newest", key: "x.occurred_at", type: "timestamptz", descending: true)
    /// The journey's first page of events; `/events` pages on with its cursor.
    static let recentEvents = 20

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(":id/journey", use: self.journey)
            .get(":id/events", use: self.events)
    }

    @Sendable func journey(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try Self.readableUser(context)
        let events = try await self.eventPage(of: user, PageRequest(limit: Self.recentEvents, order: Self.order), logger: context.logger)
        let rows = try await self.postgres.query(
            """
            SELECT json_build_object(
                'user_id', \(user),
                'interests', (
                    SELECT json_build_object(
                        'needs_team_contact', i.needs_team_contact, 'community_member', i.community_member,
                        'viewed_listings', i.viewed_listings, 'dashboard_accessed', i.dashboard_accessed,
                        'last_team_contact_request', analytics.rfc3339(i.last_team_contact_request),
                        'created_at', analytics.rfc3339(i.created_at), 'updated_at', analytics.rfc3339(i.updated_at))
                    FROM analytics.user_interests i WHERE i.user_id = \(user)),
                'journeys', coalesce((
                    SELECT json_agg(json_build_object(
                        'entry_point', j.entry_point, 'started_at', analytics.rfc3339(j.started_at), 'started_by', j.started_by,
                        'first_auth', j.first_auth, 'auth_method', j.auth_method, 'referrer', j.referrer,
                        'completed_at', analytics.rfc3339(j.completed_at), 'completed_by', j.completed_by,
                        'completing_event', j.completing_event) ORDER BY j.started_at, j.entry_point)
                    FROM analytics.journeys j WHERE j.user_id = \(user)), '[]'::json)
            )::text
            """,
            logger: context.logger
        )
        var document = "{}"
        for try await text in rows.decode(String.self) { document = text }
        // The recent events are a page of `/events`, so the two answer in one shape.
        return JSONDocument(String(document.dropLast()) + ",\"recent_events\":" + events.text + "}")
    }

    @Sendable func events(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try Self.readableUser(context)
        return try await self.eventPage(of: user, PageRequest(request, order: Self.order), logger: context.logger)
    }

    /// Staff read anyone's; a user reads their own. Anyone else learns nothing about whether the
    /// id is a user: the same 403 either way.
    static func readableUser(_ context: AuthenticatedContext) throws -> UUID {
        let user = try context.parameters.uuid("id", "user")
        if context.identity.has(role: .admin) { return user }
        guard context.identity.userID == user, !context.identity.isService else {
            throw Problem.forbidden("Only staff and the user themself may read a user's events.")
        }
        return user
    }

    private func eventPage(of user: UUID, _ page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        let actor = binds.add(user.uuidString.lowercased())
        let sql = """
            SELECT json_build_object(
                'id', x.id, 'name', x.name, 'origin', x.origin, 'occurred_at', analytics.rfc3339(x.occurred_at),
                'received_at', analytics.rfc3339(x.received_at), 'session_id', x.session_id, 'page_url', x.page_url,
                'referrer', x.referrer, 'utm_source', x.utm_source, 'utm_medium', x.utm_medium, 'utm_campaign', x.utm_campaign,
                'device_type', x.device_type, 'os', x.os, 'browser', x.browser, 'properties', x.properties
            )::text, \(page.selectKey), x.id
            FROM analytics.events x
            WHERE x.actor = \(actor) AND \(page.after(&binds))
            ORDER BY \(page.orderBy)
            LIMIT \(binds.add(page.fetchLimit))
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }
}
