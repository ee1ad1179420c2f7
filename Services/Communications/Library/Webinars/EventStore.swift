import Foundation
import HTTPTypes
import Logging
import Models
import PostgresNIO
import ServiceKit

/// SQL for `events`. Every change that touches seats or registrants takes the event's row lock
/// first (`SELECT … FOR UPDATE`), so registrations, cancellations, capacity changes and the
/// event's own cancellation are serialised per event and capacity is never exceeded.
struct EventStore: Sendable {
    let postgres: PostgresClient
    let notifier: Notifier
    let notices: EventNotices
    let clock: ServiceClock
    let ids: IDGenerator

    /// Soonest first: what a registrant looks for.
    static let soonestFirst = Keyset("starts", key: "x.starts_at", type: "timestamptz", descending: false)

    /// The columns access and seat rules need, read (and locked) before a change.
    struct Row: Sendable {
        var id: UUID
        var hostID: UUID
        var title: String
        var status: String
        var startsAt: Date
        var endsAt: Date
        var capacity: Int?
        var sequence: Int
        var recordingAddedAt: Date?

        /// Hosts manage their events; staff manage every event (they moderate the platform).
        func isManaged(by identity: Identity) -> Bool {
            identity.userID == self.hostID || identity.has(role: .admin)
        }

        var notice: EventNotices.Event { EventNotices.Event(id: self.id, title: self.title, startsAt: self.startsAt, sequence: self.sequence) }
    }

    static let notFound = Problem.notFound("No event has this id.")

    static func load(_ id: UUID, lock: Bool, on connection: PostgresConnection, logger: Logger) async throws -> Row? {
        let rows = try await connection.query(
            """
            SELECT id, host_id, title, status, starts_at, ends_at, capacity, sequence, recording_added_at
            FROM communications.events WHERE id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")
            """, logger: logger)
        for try await (id, host, title, status, starts, ends, capacity, sequence, recording) in rows.decode(
            (UUID, UUID, String, String, Date, Date, Int?, Int, Date?).self)
        {
            return Row(
                id: id, hostID: host, title: title, status: status, startsAt: starts, endsAt: ends, capacity: capacity, sequence: sequence,
                recordingAddedAt: recording)
        }
        return nil
    }

    /// The event if `identity` may see it: a draft only to whoever manages it, so a draft's id
    /// is the same 404 as none.
    static func visible(_ row: Row?, to identity: Identity) throws -> Row {
        guard let row, row.status != "draft" || row.isManaged(by: identity) else { throw Self.notFound }
        return row
    }

    /// The event if `identity` manages it: 404 when they cannot even see it, 403 when they can.
    static func managed(_ row: Row?, by identity: Identity) throws -> Row {
        let row = try Self.visible(row, to: identity)
        guard row.isManaged(by: identity) else { throw Problem.forbidden("Only the event's host (or staff) can do this.") }
        return row
    }

    func create(_ form: EventForm, host: UUID, organization: UUID?, limits: (PostgresConnection) async throws -> Void, logger: Logger)
        async throws -> JSONDocument
    {
        let id = self.ids.next()
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            try await limits(connection)
            try await connection.query(
                """
                INSERT INTO communications.events
                    (id, host_id, organization_id, property_id, title, description, kind, starts_at, ends_at, time_zone, venue, virtual_url,
                     capacity, status, created_at, updated_at)
                VALUES (\(id), \(host), \(organization), \(form.propertyID), \(form.title), \(form.description), \(form.kind), \(form.startsAt),
                        \(form.endsAt), \(form.timeZone), \(form.venue), \(form.virtualURL), \(form.capacity), 'draft', \(now), \(now))
                """, logger: logger)
            return JSONDocument(
                try await Self.document(id, viewer: host, admin: false, on: connection, logger: logger), status: .created,
                headers: [.location: "/v1/communications/events/\(id.uuidString.lowercased())"])
        }
    }

    func document(_ id: UUID, for identity: Identity, logger: Logger) async throws -> String {
        try await self.postgres.withConnection { connection in
            _ = try Self.visible(try await Self.load(id, lock: false, on: connection, logger: logger), to: identity)
            return try await Self.document(id, viewer: identity, on: connection, logger: logger)
        }
    }

    /// Published events not yet over (optionally of one property), or with `hosting` the
    /// caller's own in any status; soonest first.
    func list(for identity: Identity, hosting: Bool, registered: Bool, property: UUID?, page: PageRequest, logger: Logger) async throws
        -> JSONDocument
    {
        var binds = SQLBinds()
        let viewer = binds.add(try identity.requireUser())
        let admin = binds.add(identity.has(role: .admin))
        var filter: String
        if hosting {
            filter = "x.host_id = \(viewer)"
        } else if registered {
            // "My events": past and cancelled ones too, so the calendar and recordings stay at hand.
            filter = """
                x.status <> 'draft' AND EXISTS (SELECT 1 FROM communications.event_registrations r
                    WHERE r.event_id = x.id AND r.user_id = \(viewer) AND r.status <> 'cancelled')
                """
        } else {
            filter = "x.status = 'published' AND x.ends_at > \(binds.add(self.clock.now))"
        }
        if let property { filter += " AND x.property_id = \(binds.add(property))" }
        let sql = """
            SELECT \(Self.documentSQL(viewer: viewer, admin: admin))::text, \(page.selectKey), x.id FROM communications.events x
            WHERE \(filter) AND \(page.after(&binds)) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    /// A PATCH: the keys sent laid over the stored event and checked as a whole. Moving the event
    /// bumps its SEQUENCE and re-arms reminders; more seats promote the waitlist in order.
    func update(_ id: UUID, patch: JSONValue, by identity: Identity, logger: Logger) async throws -> String {
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            let row = try Self.managed(try await Self.load(id, lock: true, on: connection, logger: logger), by: identity)
            try Self.requireChangeable(row, now: now)
            let stored = try await Self.storedFields(id, on: connection, logger: logger)
            let merged = try BodyFields.merging(patch, over: stored, writable: EventForm.writable)
            let form = try EventForm.read(merged, creating: false, now: now)
            let seats = try await Self.seatsTaken(id, on: connection, logger: logger)
            if let capacity = form.capacity, capacity < seats {
                throw Problem.validation(field: "capacity", "must be at least the \(seats) already registered")
            }
            let moved =
                form.startsAt != row.startsAt || form.endsAt != row.endsAt || stored["venue"] != merged["venue"]
                || stored["virtual_url"] != merged["virtual_url"] || stored["title"] != merged["title"]
            try await connection.query(
                """
                UPDATE communications.events SET title = \(form.title), description = \(form.description), kind = \(form.kind),
                    starts_at = \(form.startsAt), ends_at = \(form.endsAt), time_zone = \(form.timeZone), venue = \(form.venue),
                    virtual_url = \(form.virtualURL), capacity = \(form.capacity), sequence = sequence + \(moved ? 1 : 0), updated_at = \(now)
                WHERE id = \(id)
                """, logger: logger)
            if form.startsAt != row.startsAt {
                // Reminders count from the new start; the ones already sent spoke of the old one.
                try await connection.query(
                    """
                    UPDATE communications.event_registrations SET reminder_24h_sent_at = NULL, reminder_1h_sent_at = NULL, updated_at = \(now)
                    WHERE event_id = \(id)
                    """, logger: logger)
            }
            if row.status == "published", let updated = try await Self.load(id, lock: false, on: connection, logger: logger) {
                try await self.promote(updated, on: connection, logger: logger)
            }
            return try await Self.document(id, viewer: identity, on: connection, logger: logger)
        }
    }

    func publish(_ id: UUID, by identity: Identity, logger: Logger) async throws -> String {
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            let row = try Self.managed(try await Self.load(id, lock: true, on: connection, logger: logger), by: identity)
            switch row.status {
            case "cancelled": throw Problem.conflict("This event is cancelled.")
            case "draft":
                guard row.startsAt > now else { throw Problem.conflict("This event's start has passed; move it before publishing.") }
                try await connection.query(
                    "UPDATE communications.events SET status = 'published', published_at = \(now), updated_at = \(now) WHERE id = \(id)",
                    logger: logger)
            default: break
            }
            return try await Self.document(id, viewer: identity, on: connection, logger: logger)
        }
    }

    /// Cancels the event and tells everyone registered or waitlisted. Cancelling twice answers the same.
    func cancel(_ id: UUID, by identity: Identity, logger: Logger) async throws -> String {
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            let row = try Self.managed(try await Self.load(id, lock: true, on: connection, logger: logger), by: identity)
            if row.status != "cancelled" {
                guard row.endsAt > now else { throw Problem.conflict("This event is over; it can no longer be cancelled.") }
                try await connection.query(
                    """
                    UPDATE communications.events SET status = 'cancelled', cancelled_at = \(now), sequence = sequence + 1, updated_at = \(now)
                    WHERE id = \(id)
                    """, logger: logger)
                let users = try await Self.registrants(id, statuses: ["registered", "waitlisted"], on: connection, logger: logger)
                try await self.notifier.notify(self.notices.cancelled(row.notice, users: users), on: connection, logger: logger)
            }
            return try await Self.document(id, viewer: identity, on: connection, logger: logger)
        }
    }

    /// Attaches (or replaces) the recording once the event is over, and tells those who had a
    /// seat the first time.
    /// 404 or 403 unless `identity` manages the event, before a request's body is read or checked,
    /// so someone else's event answers the same whatever the request holds.
    func requireManaged(_ id: UUID, by identity: Identity, logger: Logger) async throws {
        _ = try await self.postgres.withConnection { connection in
            try Self.managed(try await Self.load(id, lock: false, on: connection, logger: logger), by: identity)
        }
    }

    func attachRecording(_ id: UUID, url: String, by identity: Identity, logger: Logger) async throws -> String {
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            let row = try Self.managed(try await Self.load(id, lock: true, on: connection, logger: logger), by: identity)
            guard row.status == "published" else { throw Problem.conflict("Only a published event that took place has a recording.") }
            guard row.endsAt <= now else { throw Problem.conflict("A recording can be attached once the event has ended.") }
            try await connection.query(
                """
                UPDATE communications.events SET recording_url = \(url), recording_added_at = COALESCE(recording_added_at, \(now)),
                    updated_at = \(now) WHERE id = \(id)
                """, logger: logger)
            if row.recordingAddedAt == nil {
                let users = try await Self.registrants(id, statuses: ["registered", "attended"], on: connection, logger: logger)
                try await self.notifier.notify(self.notices.recording(row.notice, users: users), on: connection, logger: logger)
            }
            return try await Self.document(id, viewer: identity, on: connection, logger: logger)
        }
    }

    /// Fills free seats from the waitlist in its order, telling each one promoted. Call with the
    /// event's row lock held.
    func promote(_ row: Row, on connection: PostgresConnection, logger: Logger) async throws {
        let now = self.clock.now
        guard row.status == "published", row.endsAt > now else { return }
        let free: Int
        if let capacity = row.capacity {
            free = capacity - (try await Self.seatsTaken(row.id, on: connection, logger: logger))
        } else {
            free = Int(Int32.max)
        }
        guard free > 0 else { return }
        let rows = try await connection.query(
            """
            UPDATE communications.event_registrations r SET status = 'registered', waitlist_order = NULL, seated_at = \(now), updated_at = \(now)
            FROM (SELECT id, waitlist_order FROM communications.event_registrations
                  WHERE event_id = \(row.id) AND status = 'waitlisted' ORDER BY waitlist_order LIMIT \(free)) AS w
            WHERE r.id = w.id
            RETURNING r.id, r.user_id, w.waitlist_order
            """, logger: logger)
        var drafts: [NotificationDraft] = []
        for try await (registration, user, place) in rows.decode((UUID, UUID, Int64).self) {
            drafts.append(self.notices.promoted(row.notice, user: user, registration: registration, place: place))
        }
        try await self.notifier.notify(drafts, on: connection, logger: logger)
    }

    /// A published event can be changed until it starts; a cancelled one not at all.
    static func requireChangeable(_ row: Row, now: Date) throws {
        guard row.status != "cancelled" else { throw Problem.conflict("This event is cancelled.") }
        guard row.startsAt > now else { throw Problem.conflict("This event has started; it can no longer be changed.") }
    }

    static func seatsTaken(_ event: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query(
            """
            SELECT count(*)::int FROM communications.event_registrations WHERE event_id = \(event) AND status IN ('registered', 'attended')
            """, logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    static func registrants(_ event: UUID, statuses: [String], on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        let rows = try await connection.query(
            "SELECT user_id FROM communications.event_registrations WHERE event_id = \(event) AND status = ANY(\(statuses))", logger: logger)
        var users: [UUID] = []
        for try await user in rows.decode(UUID.self) { users.append(user) }
        return users
    }

    /// The writable fields as stored, in the wire's shape, for a PATCH to lay its keys over.
    static func storedFields(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> JSONValue {
        let rows = try await connection.query(
            """
            SELECT jsonb_build_object('title', title, 'description', description, 'kind', kind,
                'starts_at', communications.rfc3339(starts_at), 'ends_at', communications.rfc3339(ends_at), 'time_zone', time_zone,
                'venue', venue, 'virtual_url', virtual_url, 'capacity', capacity)::text
            FROM communications.events WHERE id = \(id)
            """, logger: logger)
        for try await text in rows.decode(String.self) {
            return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        }
        throw Self.notFound
    }

    static func document(_ id: UUID, viewer identity: Identity, on connection: PostgresConnection, logger: Logger) async throws -> String {
        try await Self.document(
            id, viewer: try identity.requireUser(), admin: identity.has(role: .admin), on: connection, logger: logger)
    }

    static func document(_ id: UUID, viewer: UUID, admin: Bool, on connection: PostgresConnection, logger: Logger) async throws -> String {
        var binds = SQLBinds()
        let viewerBind = binds.add(viewer)
        let adminBind = binds.add(admin)
        let sql = "SELECT \(Self.documentSQL(viewer: viewerBind, admin: adminBind))::text FROM communications.events x WHERE x.id = \(binds.add(id))"
        for try await text in try await connection.query(binds.query(sql), logger: logger).decode(String.self) { return text }
        throw Self.notFound
    }

    /// The event as the viewer sees it: the join link only to its host, staff and those with a
    /// seat (it is what a seat buys), and the viewer's own registration if any.
    static func documentSQL(viewer: String, admin: String) -> String {
        """
        jsonb_build_object('id', x.id, 'host_id', x.host_id, 'organization_id', x.organization_id, 'property_id', x.property_id,
            'title', x.title, 'description', x.description, 'kind', x.kind, 'starts_at', communications.rfc3339(x.starts_at),
            'ends_at', communications.rfc3339(x.ends_at), 'time_zone', x.time_zone, 'venue', x.venue,
            'virtual_url', CASE WHEN x.host_id = \(viewer) OR \(admin) OR EXISTS (
                SELECT 1 FROM communications.event_registrations s
                WHERE s.event_id = x.id AND s.user_id = \(viewer) AND s.status IN ('registered', 'attended')) THEN x.virtual_url END,
            'capacity', x.capacity, 'status', x.status, 'recording_url', x.recording_url, 'sequence', x.sequence,
            'registered_count', (SELECT count(*) FROM communications.event_registrations c
                                 WHERE c.event_id = x.id AND c.status IN ('registered', 'attended')),
            'waitlisted_count', (SELECT count(*) FROM communications.event_registrations c WHERE c.event_id = x.id AND c.status = 'waitlisted'),
            'registration', (SELECT \(EventRegistrations.documentSQL(alias: "r")) FROM communications.event_registrations r
                             WHERE r.event_id = x.id AND r.user_id = \(viewer) AND r.status <> 'cancelled'),
            'created_at', communications.rfc3339(x.created_at), 'updated_at', communications.rfc3339(x.updated_at),
            'published_at', communications.rfc3339(x.published_at), 'cancelled_at', communications.rfc3339(x.cancelled_at))
        """
    }
}
