import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The append-only ledger (seed 001 `investments.transactions`). Amounts are signed from the
/// investor's side: money the investor puts in is negative, money paid out is positive, so a
/// position's cash flows read straight into XIRR.
enum Ledger {
    enum Entry: String, Sendable {
        case commitment
        case commitmentReleased = "commitment_released"
        case investment
        case distribution
        case returnOfCapital = "return_of_capital"
        case taxWithholding = "tax_withholding"
        case exitProceeds = "exit_proceeds"
        case fee
    }

    /// `id`: the entry's id, from the service's `IDGenerator`.
    static func record(
        id: UUID,
        _ entry: Entry,
        amount: Money,
        for position: InvestmentStore.Position,
        dated day: CalendarDate? = nil,
        distributionID: UUID? = nil,
        status: String = "completed",
        description: String,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO investments.transactions
                (id, investor_id, investment_id, offering_id, distribution_id, type, amount, status, description, occurred_on)
            VALUES (\(id), \(position.investorId), \(position.id), \(position.offeringId), \(distributionID),
                    \(entry.rawValue), \(amount), \(status), \(description), coalesce(\(day?.description)::date, current_date))
            """,
            logger: logger
        )
    }
}
