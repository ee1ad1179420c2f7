import Foundation
import Logging
import Models
import PostgresNIO

/// Keeps `journeys` and `user_interests` in step with events, on the connection (and so in the
/// transaction) that stored them: domain events from the inbox, client events from ingestion.
///
/// Call `apply(events:on:logger:)` with the events just stored (the ids `EventWriter.write`
/// returned): at most three statements, none for a batch with nothing that matters here.
public struct JourneyWriter: Sendable {
    public init() {}

    public func apply(events: [RecordedEvent], on connection: PostgresConnection, logger: Logger) async throws {
        let relevant = events.filter { JourneyRules.relevantNames.contains($0.name) }
        guard !relevant.isEmpty else { return }
        // A visitor not signed in yet may already be known from an earlier `identify`.
        let anonymous = Set(relevant.filter { $0.userID == nil }.compactMap(\.anonymousID))
        let identified = anonymous.isEmpty ? [:] : try await Self.users(of: Array(anonymous), on: connection, logger: logger)
        let owned = relevant.compactMap { event in
            (event.userID ?? event.anonymousID.flatMap { identified[$0] }).map { (user: $0, event: event) }
        }
        try await self.store(JourneyRules.changes(for: owned), on: connection, logger: logger)
    }

    /// Applies again everything the user's stored events say: for `identify`, once the visitor's
    /// earlier events are theirs (their `auth_initiated` starts a journey only then). Idempotent.
    public func replay(user: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            SELECT id, name, occurred_at, received_at, referrer, properties::text
            FROM analytics.events WHERE actor = \(user.uuidString.lowercased()) AND name = ANY(\(Array(JourneyRules.relevantNames)))
            """,
            logger: logger
        )
        var events: [(user: UUID, event: RecordedEvent)] = []
        for try await (id, name, occurredAt, receivedAt, referrer, properties) in rows.decode((UUID, String, Date, Date, String?, String).self) {
            let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(properties.utf8))) ?? .object([:])
            let event = RecordedEvent(
                id: id, name: name, origin: "", occurredAt: occurredAt, receivedAt: receivedAt, userID: user, referrer: referrer, properties: json
            )
            events.append((user, event))
        }
        try await self.store(JourneyRules.changes(for: events), on: connection, logger: logger)
    }

    private static func users(of anonymousIDs: [String], on connection: PostgresConnection, logger: Logger) async throws -> [String: UUID] {
        let rows = try await connection.query(
            "SELECT anonymous_id, user_id FROM analytics.identities WHERE anonymous_id = ANY(\(anonymousIDs))",
            logger: logger
        )
        var users: [String: UUID] = [:]
        for try await (anonymousID, user) in rows.decode((String, UUID).self) { users[anonymousID] = user }
        return users
    }

    func store(_ changes: JourneyRules.Changes, on connection: PostgresConnection, logger: Logger) async throws {
        guard !changes.isEmpty else { return }
        let now = changes.receivedAt
        if !changes.starts.isEmpty { try await connection.query(Self.starts(changes.starts, updatedAt: now), logger: logger) }
        if !changes.completions.isEmpty { try await connection.query(Self.completions(changes.completions, updatedAt: now), logger: logger) }
        if !changes.interests.isEmpty { try await connection.query(Self.interests(changes.interests), logger: logger) }
    }

    /// PostgresNIO encodes no array with NULL elements: optional text travels as '' (NULLIF).
    /// The earliest start wins; what it leaves unsaid the other fills in (`Start.merge`).
    private static func starts(_ starts: [JourneyRules.Key: JourneyRules.Start], updatedAt: Date) -> PostgresQuery {
        let rows = Array(starts)
        let users = rows.map(\.key.user)
        let entries = rows.map(\.key.entryPoint.rawValue)
        let at = rows.map(\.value.at)
        let ids = rows.map(\.value.eventID)
        let firstAuth = rows.map { $0.value.firstAuth.map { $0 ? "true" : "false" } ?? "" }
        let methods = rows.map { $0.value.authMethod.map { String($0.prefix(64)) } ?? "" }
        let referrers = rows.map { $0.value.referrer.map { String($0.prefix(2048)) } ?? "" }
        return """
            INSERT INTO analytics.journeys AS j (user_id, entry_point, started_at, started_by, first_auth, auth_method, referrer, updated_at)
            SELECT s.user_id, s.entry_point, s.started_at, s.started_by, NULLIF(s.first_auth, '')::boolean, NULLIF(s.auth_method, ''),
                   NULLIF(s.referrer, ''), \(updatedAt)
            FROM unnest(\(users), \(entries), \(at), \(ids), \(firstAuth), \(methods), \(referrers))
                AS s(user_id, entry_point, started_at, started_by, first_auth, auth_method, referrer)
            ON CONFLICT (user_id, entry_point) DO UPDATE SET
                started_at = LEAST(j.started_at, EXCLUDED.started_at),
                started_by = CASE WHEN EXCLUDED.started_at < j.started_at THEN EXCLUDED.started_by ELSE j.started_by END,
                first_auth = CASE WHEN EXCLUDED.started_at < j.started_at THEN COALESCE(EXCLUDED.first_auth, j.first_auth)
                                  ELSE COALESCE(j.first_auth, EXCLUDED.first_auth) END,
                auth_method = CASE WHEN EXCLUDED.started_at < j.started_at THEN COALESCE(EXCLUDED.auth_method, j.auth_method)
                                   ELSE COALESCE(j.auth_method, EXCLUDED.auth_method) END,
                referrer = CASE WHEN EXCLUDED.started_at < j.started_at THEN COALESCE(EXCLUDED.referrer, j.referrer)
                                ELSE COALESCE(j.referrer, EXCLUDED.referrer) END,
                updated_at = GREATEST(j.updated_at, EXCLUDED.updated_at)
            """
    }

    /// The starts statement ran first, so each completed journey's row exists; the earliest
    /// completion wins.
    private static func completions(_ completions: [JourneyRules.Key: JourneyRules.Completion], updatedAt: Date) -> PostgresQuery {
        let rows = Array(completions)
        let users = rows.map(\.key.user)
        let entries = rows.map(\.key.entryPoint.rawValue)
        let at = rows.map(\.value.at)
        let ids = rows.map(\.value.eventID)
        let names = rows.map(\.value.eventName)
        return """
            UPDATE analytics.journeys AS j
            SET completed_at = c.completed_at, completed_by = c.completed_by, completing_event = c.completing_event,
                updated_at = GREATEST(j.updated_at, \(updatedAt))
            FROM unnest(\(users), \(entries), \(at), \(ids), \(names)) AS c(user_id, entry_point, completed_at, completed_by, completing_event)
            WHERE j.user_id = c.user_id AND j.entry_point = c.entry_point
              AND (j.completed_at IS NULL OR c.completed_at < j.completed_at)
            """
    }

    /// Flags only ever turn on; the last contact request is the latest; membership follows its
    /// newest change. Absent times travel as the epoch beside a flag that says they are absent.
    private static func interests(_ interests: [UUID: JourneyRules.Interests]) -> PostgresQuery {
        let rows = Array(interests)
        let users = rows.map(\.key)
        let dashboard = rows.map(\.value.dashboardAccessed)
        let listings = rows.map(\.value.viewedListings)
        let team = rows.map(\.value.needsTeamContact)
        let teamAt = rows.map { $0.value.lastTeamContactRequest ?? Date(timeIntervalSince1970: 0) }
        let communityKnown = rows.map { $0.value.community != nil }
        let member = rows.map { $0.value.community?.member ?? false }
        let communityAt = rows.map { $0.value.community?.at ?? Date(timeIntervalSince1970: 0) }
        let received = rows.map(\.value.receivedAt)
        return """
            INSERT INTO analytics.user_interests AS i
                (user_id, dashboard_accessed, viewed_listings, needs_team_contact, last_team_contact_request, community_member,
                 community_changed_at, created_at, updated_at)
            SELECT u.user_id, u.dashboard, u.listings, u.team, CASE WHEN u.team THEN u.team_at END, u.known AND u.member,
                   CASE WHEN u.known THEN u.community_at END, u.received_at, u.received_at
            FROM unnest(\(users), \(dashboard), \(listings), \(team), \(teamAt), \(communityKnown), \(member), \(communityAt), \(received))
                AS u(user_id, dashboard, listings, team, team_at, known, member, community_at, received_at)
            ON CONFLICT (user_id) DO UPDATE SET
                dashboard_accessed = i.dashboard_accessed OR EXCLUDED.dashboard_accessed,
                viewed_listings = i.viewed_listings OR EXCLUDED.viewed_listings,
                needs_team_contact = i.needs_team_contact OR EXCLUDED.needs_team_contact,
                last_team_contact_request = GREATEST(i.last_team_contact_request, EXCLUDED.last_team_contact_request),
                community_member = CASE
                    WHEN EXCLUDED.community_changed_at IS NOT NULL
                         AND (i.community_changed_at IS NULL OR EXCLUDED.community_changed_at > i.community_changed_at)
                    THEN EXCLUDED.community_member ELSE i.community_member END,
                community_changed_at = GREATEST(i.community_changed_at, EXCLUDED.community_changed_at),
                updated_at = GREATEST(i.updated_at, EXCLUDED.updated_at)
            """
    }
}
