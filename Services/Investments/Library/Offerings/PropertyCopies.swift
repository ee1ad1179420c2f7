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

    /// Inserts or refreshes the copy; `deleted` marks a property that was taken down.
    static func save(_ snapshot: PropertySnapshot, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO investments.property_copies AS c
                (property_id, sponsor_id, property_name, slug, status, visibility, city, state, property_type,
                 property_class, in_oz, oz_tract_geoid, investment_open, minimum_investment, maximum_investment, target_raise)
            VALUES (\(snapshot.propertyId), \(snapshot.sponsorId), \(snapshot.propertyName), \(snapshot.slug),
                    \(snapshot.status), \(snapshot.visibility), \(snapshot.city), \(snapshot.state), \(snapshot.propertyType),
                    \(snapshot.propertyClass), \(snapshot.inOz), \(snapshot.ozTractGeoid), \(snapshot.investmentOpen),
                    \(snapshot.minimumInvestment), \(snapshot.maximumInvestment), \(snapshot.targetRaise))
            ON CONFLICT (property_id) DO UPDATE SET
                sponsor_id = EXCLUDED.sponsor_id, property_name = EXCLUDED.property_name, slug = EXCLUDED.slug,
                status = EXCLUDED.status, visibility = EXCLUDED.visibility, city = EXCLUDED.city, state = EXCLUDED.state,
                property_type = EXCLUDED.property_type, property_class = EXCLUDED.property_class, in_oz = EXCLUDED.in_oz,
                oz_tract_geoid = EXCLUDED.oz_tract_geoid, investment_open = EXCLUDED.investment_open,
                minimum_investment = EXCLUDED.minimum_investment, maximum_investment = EXCLUDED.maximum_investment,
                target_raise = EXCLUDED.target_raise, deleted = false, updated_at = now()
            """,
            logger: logger
        )
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
            try await Self.save(event.property, on: connection, logger: logger)
            try await Self.followTerms(event.property, on: connection, logger: logger)
        }
        handlers.on(PropertyDeleted.self) { event, _, connection, logger in
            try await connection.query(
                "UPDATE investments.property_copies SET deleted = true, updated_at = now() WHERE property_id = \(event.propertyId)",
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
