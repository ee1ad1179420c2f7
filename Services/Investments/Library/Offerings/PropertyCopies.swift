import Foundation
import HTTPTypes
import Logging
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit

/// What investments knows of properties: a copy kept by `property.*` events, and a call to
/// `properties` when an offering is created (its events may not have arrived yet). The copy is
/// all offering lists and portfolios read, so neither waits on another service.
struct PropertyCopies: Sendable {
    let postgres: PostgresClient
    let internalClient: InternalHTTPClient
    let propertiesURL: URL

    /// Asks `properties` for the property now: 422 when it does not exist, 503 when the service
    /// does not answer.
    func fetch(_ id: UUID, context: CallContext) async throws -> PropertySnapshot {
        guard let snapshot = try await self.lookup(id, context: context) else {
            throw Problem.validation(field: "property_id", "no property has this id")
        }
        return snapshot
    }

    /// Asks `properties` for the property now: nil when it does not exist, 503 when the service
    /// does not answer.
    func lookup(_ id: UUID, context: CallContext) async throws -> PropertySnapshot? {
        let url = self.propertiesURL.appendingPathComponent("internal/v1/properties/\(id.uuidString.lowercased())")
        let reply: InternalHTTPClient.Reply
        do {
            reply = try await self.internalClient.send(.GET, url, context: context)
        } catch {
            throw Problem.serviceUnavailable("The properties service did not answer; try again shortly.")
        }
        switch reply.status {
        case 200: return try reply.decode(as: PropertySnapshot.self)
        case 404: return nil
        default: throw Problem.serviceUnavailable("The properties service could not check the property (HTTP \(reply.status)).")
        }
    }

    /// Inserts or refreshes the copy, unless the copy already holds a newer version of the
    /// property (events arrive in any order); returns whether the snapshot was applied. A snapshot
    /// without a version (an event from before versions) counts as version 0, so it applies only to
    /// a copy that has no version either.
    @discardableResult
    static func save(_ snapshot: PropertySnapshot, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let version = snapshot.version ?? 0
        let rows = try await connection.query(
            """
            INSERT INTO investments.property_copies AS c
                (property_id, sponsor_id, property_name, slug, status, visibility, city, state, property_type,
                 property_class, in_oz, oz_tract_geoid, investment_open, minimum_investment, maximum_investment, target_raise,
                 source_version)
            VALUES (\(snapshot.propertyId), \(snapshot.sponsorId), \(snapshot.propertyName), \(snapshot.slug),
                    \(snapshot.status), \(snapshot.visibility), \(snapshot.city), \(snapshot.state), \(snapshot.propertyType),
                    \(snapshot.propertyClass), \(snapshot.inOz), \(snapshot.ozTractGeoid), \(snapshot.investmentOpen),
                    \(snapshot.minimumInvestment), \(snapshot.maximumInvestment), \(snapshot.targetRaise), \(version))
            ON CONFLICT (property_id) DO UPDATE SET
                sponsor_id = EXCLUDED.sponsor_id, property_name = EXCLUDED.property_name, slug = EXCLUDED.slug,
                status = EXCLUDED.status, visibility = EXCLUDED.visibility, city = EXCLUDED.city, state = EXCLUDED.state,
                property_type = EXCLUDED.property_type, property_class = EXCLUDED.property_class, in_oz = EXCLUDED.in_oz,
                oz_tract_geoid = EXCLUDED.oz_tract_geoid, investment_open = EXCLUDED.investment_open,
                minimum_investment = EXCLUDED.minimum_investment, maximum_investment = EXCLUDED.maximum_investment,
                target_raise = EXCLUDED.target_raise, source_version = EXCLUDED.source_version,
                -- A newer snapshot is the live property (properties never sends one after deleting it).
                deleted = false, updated_at = now()
            -- The same version again is the same state (a redelivery): applying it changes nothing.
            WHERE EXCLUDED.source_version >= c.source_version
            RETURNING true
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// Keeps copies and offerings in step with `properties` (EventSubscriptions routes these here).
    static func eventHandlers() -> EventHandlers {
        var handlers = EventHandlers()
        handlers.on(PropertyPublished.self) { event, _, connection, logger in
            try await Self.save(event.property, on: connection, logger: logger)
        }
        handlers.on(PropertyUpdated.self) { event, _, connection, logger in
            try await Self.save(event.property, on: connection, logger: logger)
        }
        handlers.on(PropertyOfferingChanged.self) { event, _, connection, logger in
            // Older terms than the copy's are not followed: the newer event has set (or will set) them.
            guard try await Self.save(event.property, on: connection, logger: logger) else { return }
            try await Self.followTerms(event.property, on: connection, logger: logger)
        }
        handlers.on(PropertyDeleted.self) { event, _, connection, logger in
            // A deletion is newer than every snapshot before it, so none of them can undo it; a
            // deletion without a version (sent before versions) wins over any copy, as it always did.
            let version = event.version ?? Int64.max
            try await connection.query(
                """
                INSERT INTO investments.property_copies AS c
                    (property_id, sponsor_id, property_name, slug, status, visibility, city, state, in_oz, investment_open,
                     deleted, source_version)
                VALUES (\(event.propertyId), '00000000-0000-0000-0000-000000000000', '', '', 'deleted', 'private', '', '', false, false,
                        true, \(version))
                ON CONFLICT (property_id) DO UPDATE SET deleted = true, source_version = EXCLUDED.source_version, updated_at = now()
                WHERE EXCLUDED.source_version >= c.source_version
                """,
                logger: logger
            )
            // No new money for a property that is gone; existing positions stay as they are.
            try await connection.query(
                """
                UPDATE investments.offerings SET status = 'closed', updated_at = now()
                WHERE property_id = \(event.propertyId) AND status IN ('draft', 'open')
                """,
                logger: logger
            )
        }
        PropertyValuationCopies.register(in: &handlers)
        return handlers
    }

    /// The listing's terms changed: an offering still taking money follows them, except that the
    /// target never drops below what is already committed (that would oversubscribe it).
    static func followTerms(_ property: PropertySnapshot, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE investments.offerings SET
                minimum_investment = coalesce(\(property.minimumInvestment), minimum_investment),
                maximum_investment = coalesce(\(property.maximumInvestment), maximum_investment),
                target_raise = GREATEST(coalesce(\(property.targetRaise), target_raise), amount_raised),
                status = CASE WHEN \(property.investmentOpen) THEN status ELSE 'closed' END,
                updated_at = now()
            WHERE property_id = \(property.propertyId) AND status IN ('draft', 'open')
              AND coalesce(\(property.maximumInvestment), maximum_investment, 'Infinity'::numeric)
                  >= coalesce(\(property.minimumInvestment), minimum_investment)
            """,
            logger: logger
        )
    }
}
