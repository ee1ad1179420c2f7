import Logging
import Models
import PostgresNIO
import ServiceKit

/// A listing's `amount_raised` and `investor_count`: investments owns them (they move with each
/// commitment and cancellation) and sends the offering's totals with `offering.totals_changed`.
/// The event carries the totals, not a change, with the offering's totals version, so applying
/// only a newer version makes redeliveries and out-of-order deliveries harmless.
enum OfferingTotals {
    static func eventHandlers() -> EventHandlers {
        var handlers = EventHandlers()
        handlers.on(OfferingTotalsChanged.self) { event, _, connection, logger in
            try await connection.query(
                """
                UPDATE properties.properties SET
                    amount_raised = \(event.amountRaised), investor_count = \(event.investorCount),
                    investment_totals_version = \(event.version)
                WHERE id = \(event.propertyId) AND investment_totals_version < \(event.version)
                """,
                logger: logger
            )
        }
        return handlers
    }
}
