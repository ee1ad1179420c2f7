import Foundation
import HTTPTypes
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `communications.email_campaigns` and their uploaded members: the staff side of campaigns.
///
/// Status moves draft → scheduled → sending → sent, with paused and cancelled on the way; every
/// move is one conditional UPDATE, so two staff members (or a staff member and the sender) racing
/// cannot both win: the loser gets 409 with the status it met.
struct CampaignStore: Sendable {
    let postgres: PostgresClient
    let clock: ServiceClock
    let ids: IDGenerator

    static func timestamp(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    }

    static let documentSQL = """
        jsonb_build_object('id', x.id, 'name', x.name, 'subject', x.subject, 'html_template', x.html_template,
            'text_template', x.text_template, 'from_name', x.from_name, 'status', x.status,
            'scheduled_at', \(timestamp("x.scheduled_at")), 'audience', x.audience_kind, 'segment_id', x.audience_segment_id,
            'list_size', (SELECT count(*) FROM communications.email_campaign_members m WHERE m.campaign_id = x.id),
            'links', x.links, 'created_by', x.created_by, 'organization_id', x.organization_id,
            'created_at', \(timestamp("x.created_at")), 'updated_at', \(timestamp("x.updated_at")),
            'started_at', \(timestamp("x.started_at")), 'finished_at', \(timestamp("x.finished_at")))
        """

    func create(_ body: CampaignBody, by staff: UUID, logger: Logger) async throws -> String {
        let id = self.ids.next()
        let now = self.clock.now
        let segment: UUID? = if case .segment(let id) = body.audience { id } else { nil }
        let links = String(decoding: try JSONEncoder().encode(body.content.links), as: UTF8.self)
        let rows = try await self.postgres.query(
            """
            WITH x AS (
                INSERT INTO communications.email_campaigns AS x
                    (id, name, subject, html_template, text_template, from_name, status, audience_kind, audience_segment_id, links,
                     created_by, created_at, updated_at)
                VALUES (\(id), \(body.name), \(body.subject), \(body.htmlTemplate), \(body.textTemplate), \(body.fromName), 'draft',
                        \(segment == nil ? "list" : "segment"), \(segment), \(links)::jsonb, \(staff), \(now), \(now))
                RETURNING *
            )
            SELECT \(unescaped: Self.documentSQL)::text FROM x
            """, logger: logger)
        for try await document in rows.decode(String.self) { return document }
        throw Problem(.internalServerError, detail: "The campaign was not saved.")
    }

    func get(_ id: UUID, logger: Logger) async throws -> String {
        let rows = try await self.postgres.query(
            "SELECT \(unescaped: Self.documentSQL)::text FROM communications.email_campaigns x WHERE x.id = \(id)", logger: logger)
        for try await document in rows.decode(String.self) { return document }
        throw Problem.notFound("No campaign has this id.")
    }

    func list(status: String?, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        let filter = status.map { "x.status = \(binds.add($0))" } ?? "TRUE"
        let sql = """
            SELECT \(Self.documentSQL)::text, \(page.selectKey), x.id FROM communications.email_campaigns x
            WHERE \(filter) AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    /// The stored fields a `PATCH` is merged over.
    func writableFields(_ id: UUID, logger: Logger) async throws -> JSONValue {
        let rows = try await self.postgres.query(
            """
            SELECT jsonb_build_object('name', name, 'subject', subject, 'html_template', html_template, 'text_template', text_template,
                'from_name', from_name, 'audience', audience_kind, 'segment_id', audience_segment_id)::text
            FROM communications.email_campaigns WHERE id = \(id)
            """, logger: logger)
        for try await text in rows.decode(String.self) { return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }
        throw Problem.notFound("No campaign has this id.")
    }

    func update(_ id: UUID, _ body: CampaignBody, logger: Logger) async throws -> String {
        let segment: UUID? = if case .segment(let id) = body.audience { id } else { nil }
        let links = String(decoding: try JSONEncoder().encode(body.content.links), as: UTF8.self)
        let rows = try await self.postgres.query(
            """
            WITH x AS (
                UPDATE communications.email_campaigns SET name = \(body.name), subject = \(body.subject),
                    html_template = \(body.htmlTemplate), text_template = \(body.textTemplate), from_name = \(body.fromName),
                    audience_kind = \(segment == nil ? "list" : "segment"), audience_segment_id = \(segment), links = \(links)::jsonb,
                    updated_at = \(self.clock.now)
                WHERE id = \(id) AND status = 'draft'
                RETURNING *
            )
            SELECT \(unescaped: Self.documentSQL)::text FROM x
            """, logger: logger)
        for try await document in rows.decode(String.self) { return document }
        try await self.refuse(id, action: "changed", logger: logger)
    }

    func delete(_ id: UUID, logger: Logger) async throws {
        let rows = try await self.postgres.query(
            "DELETE FROM communications.email_campaigns WHERE id = \(id) AND status = 'draft' RETURNING id", logger: logger)
        for try await _ in rows.decode(UUID.self) { return }
        try await self.refuse(id, action: "deleted", logger: logger)
    }

    /// Adds uploaded recipients to a draft's list (an address already there is kept as it was).
    func addMembers(_ id: UUID, _ members: [CampaignMember], logger: Logger) async throws -> (added: Int, total: Int) {
        try await self.postgres.transaction(logger: logger) { connection in
            let campaign = try await connection.query(
                "SELECT status, audience_kind FROM communications.email_campaigns WHERE id = \(id) FOR UPDATE", logger: logger)
            var found: (String, String)?
            for try await row in campaign.decode((String, String).self) { found = row }
            guard let (status, audience) = found else { throw Problem.notFound("No campaign has this id.") }
            guard status == "draft" else { throw Problem.conflict("Recipients can only be added to a draft; this campaign is \(status).") }
            guard audience == "list" else { throw Problem.conflict("This campaign's audience is a segment; it takes no uploaded recipients.") }
            let inserted = try await connection.query(
                """
                INSERT INTO communications.email_campaign_members (campaign_id, email, user_id, name)
                SELECT \(id), m.email, m.user_id, nullif(m.name, '') FROM unnest(\(members.map(\.email))::text[],
                    \(members.map(\.userID))::uuid[], \(members.map { $0.name ?? "" })::text[]) AS m (email, user_id, name)
                ON CONFLICT (campaign_id, email) DO NOTHING
                RETURNING 1
                """, logger: logger)
            var added = 0
            for try await _ in inserted { added += 1 }
            var total = 0
            for try await count in try await connection.query(
                "SELECT count(*)::integer FROM communications.email_campaign_members WHERE campaign_id = \(id)", logger: logger
            ).decode(Int.self) { total = count }
            return (added, total)
        }
    }

    /// The stored templates, compiled (previews and test sends).
    func content(_ id: UUID, logger: Logger) async throws -> (content: CampaignContent, fromName: String?) {
        let rows = try await self.postgres.query(
            "SELECT subject, html_template, text_template, from_name FROM communications.email_campaigns WHERE id = \(id)", logger: logger)
        for try await (subject, html, text, fromName) in rows.decode((String, String, String, String?).self) {
            return (try CampaignContent.compile(subject: subject, html: html, text: text), fromName)
        }
        throw Problem.notFound("No campaign has this id.")
    }

    enum Transition: String, Sendable {
        case schedule, send, pause, resume, cancel

        /// The statuses the move starts from, and where it goes.
        var from: [String] {
            switch self {
            case .schedule: ["draft"]
            case .send: ["draft", "scheduled"]
            case .pause: ["scheduled", "sending"]
            case .resume: ["paused"]
            case .cancel: ["draft", "scheduled", "sending", "paused"]
            }
        }
    }

    /// Moves a campaign on. `at` is the schedule's time (`schedule` only).
    func move(_ id: UUID, _ transition: Transition, at: Date? = nil, logger: Logger) async throws -> String {
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            // Sending needs an audience; a list is checked here, a segment when it is resolved.
            if transition == .send || transition == .schedule {
                let rows = try await connection.query(
                    """
                    SELECT audience_kind = 'list' AND NOT EXISTS (SELECT 1 FROM communications.email_campaign_members m WHERE m.campaign_id = c.id)
                    FROM communications.email_campaigns c WHERE id = \(id)
                    """, logger: logger)
                for try await empty in rows.decode(Bool.self) where empty {
                    throw Problem.conflict("This campaign's list has no recipients yet; add some with POST …/recipients.")
                }
            }
            let status: String
            switch transition {
            case .schedule: status = "'scheduled'"
            case .send: status = "'sending'"
            case .pause: status = "'paused'"
            // A paused campaign whose time has not come goes back to waiting for it.
            case .resume: status = "CASE WHEN started_at IS NULL THEN 'scheduled' ELSE 'sending' END"
            case .cancel: status = "'cancelled'"
            }
            let rows = try await connection.query(
                """
                WITH x AS (
                    UPDATE communications.email_campaigns SET status = \(unescaped: status), updated_at = \(now),
                        scheduled_at = CASE WHEN \(transition == .schedule) THEN \(at) ELSE scheduled_at END,
                        started_at = CASE WHEN \(transition == .send) THEN coalesce(started_at, \(now)) ELSE started_at END,
                        finished_at = CASE WHEN \(transition == .cancel) THEN \(now) ELSE finished_at END
                    WHERE id = \(id) AND status = ANY(\(transition.from))
                    RETURNING *
                )
                SELECT \(unescaped: Self.documentSQL)::text FROM x
                """, logger: logger)
            for try await document in rows.decode(String.self) {
                if transition == .cancel {
                    // Nobody waiting is mailed any more; they show as skipped in the report.
                    try await connection.query(
                        """
                        UPDATE communications.email_sends SET status = 'skipped', error_message = 'campaign cancelled', updated_at = \(now)
                        WHERE campaign_id = \(id) AND status = 'pending'
                        """, logger: logger)
                }
                return document
            }
            try await self.refuse(id, action: transition.rawValue == "send" ? "sent" : "\(transition.rawValue)d", on: connection, logger: logger)
        }
    }

    /// What the campaign's mail became, from its email_sends rows.
    func report(_ id: UUID, logger: Logger) async throws -> String {
        let rows = try await self.postgres.query(
            """
            SELECT jsonb_build_object('campaign_id', c.id, 'status', c.status,
                'recipients', count(s.id),
                'pending', count(s.id) FILTER (WHERE s.status = 'pending'),
                'sent', count(s.id) FILTER (WHERE s.status IN ('sent', 'delivered', 'bounced')),
                'delivered', count(s.id) FILTER (WHERE s.status = 'delivered' OR s.delivered_at IS NOT NULL),
                'opened', count(s.opened_at), 'opens', coalesce(sum(s.open_count), 0),
                'clicked', count(s.clicked_at), 'clicks', coalesce(sum(s.click_count), 0),
                'bounced', count(s.id) FILTER (WHERE s.status = 'bounced' OR s.bounced_at IS NOT NULL),
                'unsubscribed', count(s.id) FILTER (WHERE s.unsubscribed_at IS NOT NULL OR EXISTS (
                    SELECT 1 FROM communications.unsubscribes u WHERE u.user_id = s.recipient_id AND u.category IN ('marketing', 'all')
                      AND s.sent_at IS NOT NULL AND u.created_at >= s.sent_at)),
                'skipped', count(s.id) FILTER (WHERE s.status = 'skipped'),
                'failed', count(s.id) FILTER (WHERE s.status = 'failed'))::text
            FROM communications.email_campaigns c LEFT JOIN communications.email_sends s ON s.campaign_id = c.id
            WHERE c.id = \(id) GROUP BY c.id
            """, logger: logger)
        for try await document in rows.decode(String.self) { return document }
        throw Problem.notFound("No campaign has this id.")
    }

    private func refuse(_ id: UUID, action: String, logger: Logger) async throws -> Never {
        try await self.postgres.withConnection { try await self.refuse(id, action: action, on: $0, logger: logger) }
    }

    /// 404 when there is no such campaign, else 409 naming the status that forbids `action`.
    private func refuse(_ id: UUID, action: String, on connection: PostgresConnection, logger: Logger) async throws -> Never {
        let rows = try await connection.query("SELECT status FROM communications.email_campaigns WHERE id = \(id)", logger: logger)
        for try await status in rows.decode(String.self) {
            throw Problem.conflict("A \(status) campaign cannot be \(action).")
        }
        throw Problem.notFound("No campaign has this id.")
    }
}
