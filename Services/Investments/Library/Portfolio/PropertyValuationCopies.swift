import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Investments' copy of the valuation each property is carried at, kept by
/// `property.valuation_changed` (issue 22): what portfolios value positions at. The event carries
/// the property row's version, so an older delivery than the copy changes nothing.
enum PropertyValuationCopies {
    static func register(in handlers: inout EventHandlers) {
        handlers.on(PropertyValuationChanged.self) { event, _, connection, logger in
            try await Self.save(event, on: connection, logger: logger)
        }
    }

    static func save(_ event: PropertyValuationChanged, on connection: PostgresConnection, logger: Logger) async throws {
        let latest = event.latest
        try await connection.query(
            """
            INSERT INTO investments.property_valuations AS v
                (property_id, source_version, valuation_id, amount, valuation_date, valuation_type, valuation_method, appraiser_name)
            VALUES (\(event.propertyId), \(event.version), \(latest?.valuationId), \(latest?.amount), \(latest?.valuationDate)::date,
                    \(latest?.valuationType), \(latest?.valuationMethod), \(latest?.appraiserName))
            ON CONFLICT (property_id) DO UPDATE SET
                source_version = EXCLUDED.source_version, valuation_id = EXCLUDED.valuation_id, amount = EXCLUDED.amount,
                valuation_date = EXCLUDED.valuation_date, valuation_type = EXCLUDED.valuation_type,
                valuation_method = EXCLUDED.valuation_method, appraiser_name = EXCLUDED.appraiser_name, updated_at = now()
            WHERE EXCLUDED.source_version > v.source_version
            """,
            logger: logger
        )
    }
}
