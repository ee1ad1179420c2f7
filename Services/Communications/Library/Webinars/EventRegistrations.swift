import Foundation
import HTTPTypes
import Logging
import Models
import PostgresNIO
import ServiceKit

/// SQL for `event_registrations`. Registering counts the seats and inserts under the event's row
/// lock, so 50 people registering at once for 10 seats leave exactly 10 registered and 40
/// waitlisted, queued in the order their transactions took the lock (`waitlist_counter`); a
/// cancellation frees a seat and promotes the head of the queue in the same transaction.
struct EventRegistrations: Sendable {
    let postgres: PostgresClient
    let events: EventStore
    let link: @Sendable (String) -> String
    let clock: ServiceClock
    let ids: IDGenerator

    static let notFound = Problem.notFound("No registration has this id.")

    /// Registers `user` (a seat if one is free, else the end of the waitlist). Registering again
    /// while registered answers the registration as it is (200); after a cancellation it queues
    /// anew (201).
    func register(_ event: UUID, identity: Identity, limits: (PostgresConnection) async throws -> Void, logger: Logger) async throws
        -> JSONDocument
    {
        let user = try identity.requireUser("Only people register for events.")
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            try await limits(connection)
            let row = try EventStore.visible(try await EventStore.load(event, lock: true, on: connection, logger: logger), to: identity)
            guard row.status == "published" else {
                throw Problem.conflict(row.status == "cancelled" ? "This event is cancelled." : "This event is not published yet.")
            }
            guard row.startsAt > now else { throw Problem.conflict("This event has started; registration is closed.") }
            let existing = try await connection.query(
                "SELECT id, status FROM communications.event_registrations WHERE event_id = \(event) AND user_id = \(user)", logger: logger)
            for try await (id, status) in existing.decode((UUID, String).self) where status != "cancelled" {
                return JSONDocument(try await Self.document(id, on: connection, logger: logger))
            }
            let taken = try await EventStore.seatsTaken(event, on: connection, logger: logger)
            let registered = row.capacity.map { taken < $0 } ?? true
            var place: Int64?
            if !registered {
                let counter = try await connection.query(
                    "UPDATE communications.events SET waitlist_counter = waitlist_counter + 1 WHERE id = \(event) RETURNING waitlist_counter",
                    logger: logger)
                for try await value in counter.decode(Int64.self) { place = value }
            }
            let status = registered ? "registered" : "waitlisted"
            let seatedAt: Date? = registered ? now : nil
            let rows = try await connection.query(
                """
                INSERT INTO communications.event_registrations (id, event_id, user_id, status, waitlist_order, seated_at, created_at, updated_at)
                VALUES (\(self.ids.next()), \(event), \(user), \(status), \(place), \(seatedAt), \(now), \(now))
                ON CONFLICT (event_id, user_id) DO UPDATE SET status = EXCLUDED.status, waitlist_order = EXCLUDED.waitlist_order,
                    seated_at = EXCLUDED.seated_at, cancelled_at = NULL, checked_in_at = NULL, reminder_24h_sent_at = NULL,
                    reminder_1h_sent_at = NULL, updated_at = EXCLUDED.updated_at
                RETURNING id
                """, logger: logger)
            var id: UUID?
            for try await value in rows.decode(UUID.self) { id = value }
            guard let id else { throw Self.notFound }
            return JSONDocument(
                try await Self.document(id, on: connection, logger: logger), status: .created,
                headers: [.location: "/v1/communications/events/\(event.uuidString.lowercased())/registrations/\(id.uuidString.lowercased())"])
        }
    }

    /// Cancels a registration (its registrant, or the event's host or staff). A freed seat goes
    /// to the head of the waitlist, who is told. Cancelling twice answers the same.
    func cancel(_ event: UUID, registration: UUID, identity: Identity, logger: Logger) async throws -> String {
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            let row = try EventStore.visible(try await EventStore.load(event, lock: true, on: connection, logger: logger), to: identity)
            let (user, status) = try await Self.find(registration, event: event, on: connection, logger: logger)
            guard user == identity.userID || row.isManaged(by: identity) else { throw Self.notFound }
            switch status {
            case "cancelled": break
            case "attended": throw Problem.conflict("This registrant has checked in; the registration can no longer be cancelled.")
            default:
                try await connection.query(
                    """
                    UPDATE communications.event_registrations
                    SET status = 'cancelled', waitlist_order = NULL, cancelled_at = \(now), updated_at = \(now) WHERE id = \(registration)
                    """, logger: logger)
                if status == "registered" { try await self.events.promote(row, on: connection, logger: logger) }
            }
            return try await Self.document(registration, on: connection, logger: logger)
        }
    }

    /// The host's list of registrants, in the order they registered, optionally of one status.
    func list(_ event: UUID, status: String?, identity: Identity, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        try await self.postgres.withConnection { connection in
            _ = try EventStore.managed(try await EventStore.load(event, lock: false, on: connection, logger: logger), by: identity)
            var binds = SQLBinds()
            var filter = "x.event_id = \(binds.add(event))"
            if let status { filter += " AND x.status = \(binds.add(status))" }
            let sql = """
                SELECT \(Self.documentSQL(alias: "x"))::text, \(page.selectKey), x.id FROM communications.event_registrations x
                WHERE \(filter) AND \(page.after(&binds)) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
                """
            return try await connection.documentPage(binds.query(sql), page, logger: logger)
        }
    }

    /// The host (or staff) checks a registrant in, from an hour before the start. Twice is the same.
    func checkIn(_ event: UUID, registration: UUID, identity: Identity, logger: Logger) async throws -> String {
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            let row = try EventStore.managed(try await EventStore.load(event, lock: true, on: connection, logger: logger), by: identity)
            guard row.status == "published" else { throw Problem.conflict("Only a published event checks people in.") }
            guard now >= row.startsAt.addingTimeInterval(-3600) else { throw Problem.conflict("Check-in opens an hour before the start.") }
            let (_, status) = try await Self.find(registration, event: event, on: connection, logger: logger)
            switch status {
            case "attended": break
            case "registered":
                try await connection.query(
                    """
                    UPDATE communications.event_registrations SET status = 'attended', checked_in_at = \(now), updated_at = \(now)
                    WHERE id = \(registration)
                    """, logger: logger)
            default: throw Problem.conflict("Only a registrant with a seat can be checked in (this one is \(status)).")
            }
            return try await Self.document(registration, on: connection, logger: logger)
        }
    }

    /// The registration as an iCalendar file, for its registrant only (anyone else: 404). A
    /// waitlisted registrant's copy says so in its summary and has no join link.
    func calendar(_ event: UUID, registration: UUID, identity: Identity, logger: Logger) async throws -> String {
        try await self.postgres.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT r.user_id, r.status, e.title, e.description, e.starts_at, e.ends_at, e.time_zone, e.venue, e.virtual_url, e.status,
                       e.sequence
                FROM communications.event_registrations r JOIN communications.events e ON e.id = r.event_id
                WHERE r.id = \(registration) AND r.event_id = \(event)
                """, logger: logger)
            for try await (user, status, title, description, starts, ends, zone, venue, link, eventStatus, sequence) in rows.decode(
                (UUID, String, String, String?, Date, Date, String, String?, String?, String, Int).self)
            {
                guard user == identity.userID, status != "cancelled" else { break }
                let waitlisted = status == "waitlisted"
                return EventCalendar(
                    eventID: event, title: waitlisted ? "\(title) (waitlisted)" : title, description: description, startsAt: starts,
                    endsAt: ends, timeZone: zone, venue: venue, virtualURL: waitlisted ? nil : link, cancelled: eventStatus == "cancelled",
                    sequence: sequence, stampedAt: self.clock.now, pageURL: self.link("/events/\(event.uuidString.lowercased())")
                ).text
            }
            throw Self.notFound
        }
    }

    static func find(_ registration: UUID, event: UUID, on connection: PostgresConnection, logger: Logger) async throws -> (UUID, String) {
        let rows = try await connection.query(
            "SELECT user_id, status FROM communications.event_registrations WHERE id = \(registration) AND event_id = \(event)",
            logger: logger)
        for try await found in rows.decode((UUID, String).self) { return found }
        throw Self.notFound
    }

    static func document(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> String {
        var binds = SQLBinds()
        let sql = "SELECT \(Self.documentSQL(alias: "x"))::text FROM communications.event_registrations x WHERE x.id = \(binds.add(id))"
        let rows = try await connection.query(binds.query(sql), logger: logger)
        for try await text in rows.decode(String.self) { return text }
        throw Self.notFound
    }

    /// A registration; `waitlist_position` is 1 for the head of the queue while waitlisted.
    static func documentSQL(alias r: String) -> String {
        """
        jsonb_build_object('id', \(r).id, 'event_id', \(r).event_id, 'user_id', \(r).user_id, 'status', \(r).status,
            'waitlist_position', CASE WHEN \(r).status = 'waitlisted' THEN (
                SELECT count(*) FROM communications.event_registrations q
                WHERE q.event_id = \(r).event_id AND q.status = 'waitlisted' AND q.waitlist_order <= \(r).waitlist_order) END,
            'seated_at', communications.rfc3339(\(r).seated_at), 'checked_in_at', communications.rfc3339(\(r).checked_in_at),
            'cancelled_at', communications.rfc3339(\(r).cancelled_at), 'created_at', communications.rfc3339(\(r).created_at),
            'updated_at', communications.rfc3339(\(r).updated_at))
        """
    }
}
