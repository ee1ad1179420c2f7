import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `/v1/properties/{id}/valuations`: `properties.property_valuations`, newest valuation date first.
///
/// The property is carried at its latest valuation that states an amount: every write sets the
/// property's `current_valuation` and `valuation_date` from it, in the same transaction, and
/// publishes `property.valuation_changed` with the property's new version, so investments values
/// positions at it (issue 22) and applies deliveries in any order.
enum Valuations: PropertyPart {
    typealias Fields = ValuationFields
    static let table = "properties.property_valuations"
    static let noun = "valuation"
    static let amounts = ["valuation_amount", "noi_used"]
    static let order = Keyset(Self.table, key: "x.valuation_date", type: "date", descending: true)
    static var filters: [String] { ["valuation_type"] }
    /// `didWrite` updates the property's row, so writes lock it for update from the start.
    static var writeIntent: PartIntent { .writeProperty }

    static func didWrite(_ change: PartChange, document: String, id: UUID, in write: PartWrite) async throws {
        guard let property = write.scope.property else { return }
        let latest = try await Self.latest(of: property.id, on: write.connection, logger: write.logger)
        // The row lock taken by `writeProperty` orders these updates, so versions rise in commit order.
        let rows = try await write.connection.query(
            """
            UPDATE properties.properties
            SET current_valuation = coalesce(\(latest?.amount), current_valuation),
                valuation_date = coalesce(\(latest?.valuationDate)::date, valuation_date), updated_at = now()
            WHERE id = \(property.id)
            RETURNING version
            """,
            logger: write.logger
        )
        var version: Int64?
        for try await raised in rows.decode(Int64.self) { version = raised }
        guard let version else { return }
        try await write.outbox.publish(
            PropertyValuationChanged(propertyId: property.id, sponsorId: property.sponsorId, version: version, latest: latest),
            on: write.connection,
            logger: write.logger
        )
    }

    /// The latest live valuation with an amount: newest date, then newest id (ids are UUIDv7).
    static func latest(of property: UUID, on connection: PostgresConnection, logger: Logger) async throws -> LatestValuation? {
        let rows = try await connection.query(
            """
            SELECT id, valuation_amount, valuation_date::text, valuation_type, valuation_method, appraiser_name
            FROM properties.property_valuations
            WHERE property_id = \(property) AND deleted_at IS NULL AND valuation_amount IS NOT NULL
            ORDER BY valuation_date DESC, id DESC LIMIT 1
            """,
            logger: logger
        )
        for try await row in rows.decode((UUID, Money, String, String?, String?, String?).self) {
            return LatestValuation(
                valuationId: row.0, amount: row.1, valuationDate: row.2, valuationType: row.3, valuationMethod: row.4,
                appraiserName: row.5
            )
        }
        return nil
    }
}
