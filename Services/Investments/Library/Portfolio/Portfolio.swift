import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `GET /v1/portfolio`: the signed-in investor's positions and what they add up to — invested,
/// current value at the latest property valuations, ownership, realized and unrealized gains
/// (`PositionValue`), distributions, equity multiple, XIRR from the ledger's dated cash flows, and
/// allocation by state, city, property type and class (from the property copies events keep).
struct PortfolioController: RouteController {
    let store: PortfolioStore
    let clock: ServiceClock

    /// Mounted at `/v1/portfolio`.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.show)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Portfolio {
        let investor = try context.identity.requireUser("Only users hold a portfolio.")
        let (positions, flows) = try await self.store.load(investor, logger: context.logger)
        return Portfolio.summarise(positions: positions, cashFlows: flows, asOf: CalendarDate.day(of: self.clock.now))
    }
}

/// One position with what the portfolio needs of its property, valued (`PositionValue`).
struct PortfolioPosition: Codable, Sendable, Equatable {
    /// The valuation a funded position is worth its share of, and where it comes from.
    struct ValuationBasis: Codable, Sendable, Equatable {
        var valuationAmount: Money
        var valuationDate: CalendarDate
        /// appraisal, bpo, automated or internal.
        var valuationType: String?
        var valuationMethod: String?
        var appraiserName: String?
        /// The offering's debt against the property, set by its sponsor.
        var propertyDebt: Money
        /// The valuation less the debt: what all the offering's funded capital owns.
        var equityValue: Money
    }

    var investmentId: UUID
    var offeringId: UUID
    var propertyId: UUID
    var propertyName: String
    var city: String
    var state: String
    var propertyType: String?
    var propertyClass: String?
    var status: String
    var amount: Money
    var fundingDate: CalendarDate?
    var totalDistributions: Money
    var exitProceeds: Money?
    /// Percent of the offering's funded capital, four places; nil unless funded.
    var ownershipPercentage: Decimal?
    /// The position's share of the equity at the latest valuation; its capital while there is no
    /// valuation; nothing while only committed or after exit.
    var currentValue: Money
    var unrealizedGain: Money?
    var realizedGain: Money
    /// Nil while the property has no valuation (the position is carried at cost).
    var valuation: ValuationBasis?

    var isInvested: Bool { self.status == "funded" || self.status == "exited" }
}

struct Portfolio: Codable, Sendable, ResponseEncodable {
    struct Slice: Codable, Sendable, Equatable {
        var key: String
        var value: Money
        /// Share of current value, 0–1 to four places.
        var share: Decimal
    }

    var asOf: CalendarDate
    var positions: [PortfolioPosition]
    var totalInvested: Money
    var committed: Money
    var currentValue: Money
    /// Value less capital over the funded positions that have a valuation.
    var unrealizedGain: Money
    /// Exit proceeds less capital over the exited positions.
    var realizedGain: Money
    var totalDistributions: Money
    var equityMultiple: Decimal?
    var xirr: Double?
    /// Why there is no XIRR yet (e.g. nothing returned so far), in words.
    var xirrUnavailable: String?
    var allocationByState: [Slice]
    var allocationByCity: [Slice]
    var allocationByPropertyType: [Slice]
    var allocationByPropertyClass: [Slice]

    /// Pure: the figures from the positions and the ledger's cash flows (investor's side: money in
    /// negative). Live positions count at their current value as of `asOf`, as XIRR conventions do.
    static func summarise(positions: [PortfolioPosition], cashFlows: [DatedCashFlow], asOf: CalendarDate) -> Portfolio {
        let invested = positions.filter(\.isInvested).reduce(Money.zero) { $0 + $1.amount }
        let committed = positions.filter { $0.status == "committed" }.reduce(Money.zero) { $0 + $1.amount }
        let value = positions.reduce(Money.zero) { $0 + $1.currentValue }
        let distributions = positions.reduce(Money.zero) { $0 + $1.totalDistributions }
        let exits = positions.reduce(Money.zero) { $0 + ($1.exitProceeds ?? .zero) }
        var flows = cashFlows
        if value > .zero { flows.append(DatedCashFlow(date: asOf, amount: value)) }
        var xirr: Double?
        var unavailable: String?
        do {
            xirr = try InvestmentReturns.xirr(flows)
        } catch {
            unavailable = error.description
        }
        return Portfolio(
            asOf: asOf, positions: positions, totalInvested: invested, committed: committed, currentValue: value,
            unrealizedGain: positions.reduce(Money.zero) { $0 + ($1.unrealizedGain ?? .zero) },
            realizedGain: positions.reduce(Money.zero) { $0 + $1.realizedGain },
            totalDistributions: distributions,
            equityMultiple: InvestmentReturns.equityMultiple(totalDistributions: distributions + exits, currentValue: value, totalInvested: invested),
            xirr: xirr, xirrUnavailable: unavailable,
            allocationByState: Self.slices(positions, value) { $0.state },
            allocationByCity: Self.slices(positions, value) { "\($0.city), \($0.state)" },
            allocationByPropertyType: Self.slices(positions, value) { $0.propertyType ?? "unspecified" },
            allocationByPropertyClass: Self.slices(positions, value) { $0.propertyClass ?? "unspecified" }
        )
    }

    static func slices(_ positions: [PortfolioPosition], _ total: Money, key: (PortfolioPosition) -> String) -> [Slice] {
        var sums: [String: Money] = [:]
        for position in positions where position.currentValue > .zero {
            sums[key(position), default: .zero] = sums[key(position), default: .zero] + position.currentValue
        }
        return sums.map { name, value in
            var share = total.cents == 0 ? Decimal(0) : Decimal(value.cents) / Decimal(total.cents)
            var rounded = Decimal()
            NSDecimalRound(&rounded, &share, 4, .plain)
            return Slice(key: name, value: value, share: rounded)
        }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
    }
}

struct PortfolioStore: Sendable {
    let postgres: PostgresClient

    func load(_ investor: UUID, logger: Logger) async throws -> ([PortfolioPosition], [DatedCashFlow]) {
        let positionRows = try await self.postgres.query(
            """
            SELECT i.id, i.offering_id, i.property_id, p.property_name, p.city, p.state, p.property_type, p.property_class,
                   i.status, i.amount, i.funding_date::text, i.total_distributions, i.exit_proceeds,
                   (SELECT sum(f.amount) FROM investments.investments f WHERE f.offering_id = i.offering_id AND f.status = 'funded'),
                   o.property_debt, v.amount, v.valuation_date::text, v.valuation_type, v.valuation_method, v.appraiser_name
            FROM investments.investments i
            JOIN investments.property_copies p USING (property_id)
            JOIN investments.offerings o ON o.id = i.offering_id
            LEFT JOIN investments.property_valuations v ON v.property_id = i.property_id
            WHERE i.investor_id = \(investor) AND i.status IN ('committed', 'funded', 'exited')
            ORDER BY i.created_at, i.id
            """,
            logger: logger
        )
        var positions: [PortfolioPosition] = []
        for try await row in positionRows.decode(
            (
                UUID, UUID, UUID, String, String, String, String?, String?, String, Money, String?, Money, Money?, Money?, Money, Money?,
                String?, String?, String?, String?
            ).self)
        {
            positions.append(Self.position(row))
        }
        // Money that actually moved, gross of withholding (tax withheld was still paid out for the investor).
        let flowRows = try await self.postgres.query(
            """
            SELECT occurred_on::text, sum(amount) FROM investments.transactions
            WHERE investor_id = \(investor) AND type IN ('investment', 'distribution', 'return_of_capital', 'exit_proceeds', 'fee')
              AND status = 'completed'
            GROUP BY occurred_on ORDER BY occurred_on
            """,
            logger: logger
        )
        var flows: [DatedCashFlow] = []
        for try await (day, amount) in flowRows.decode((String, Money).self) {
            if let date = CalendarDate(day) { flows.append(DatedCashFlow(date: date, amount: amount)) }
        }
        return (positions, flows)
    }

    static func position(
        _ row: (
            UUID, UUID, UUID, String, String, String, String?, String?, String, Money, String?, Money, Money?, Money?, Money, Money?,
            String?, String?, String?, String?
        )
    ) -> PortfolioPosition {
        var basis: PortfolioPosition.ValuationBasis?
        if let amount = row.15, let day = row.16.flatMap(CalendarDate.init) {
            let valuation = PositionValue.Valuation(amount: amount, propertyDebt: row.14)
            basis = PortfolioPosition.ValuationBasis(
                valuationAmount: amount, valuationDate: day, valuationType: row.17, valuationMethod: row.18, appraiserName: row.19,
                propertyDebt: row.14, equityValue: valuation.equity
            )
        }
        let value = PositionValue.of(
            status: row.8, capital: row.9, offeringFunded: row.13 ?? .zero, exitProceeds: row.12,
            valuation: basis.map { PositionValue.Valuation(amount: $0.valuationAmount, propertyDebt: $0.propertyDebt) }
        )
        return PortfolioPosition(
            investmentId: row.0, offeringId: row.1, propertyId: row.2, propertyName: row.3, city: row.4, state: row.5,
            propertyType: row.6, propertyClass: row.7, status: row.8, amount: row.9, fundingDate: row.10.flatMap(CalendarDate.init),
            totalDistributions: row.11, exitProceeds: row.12, ownershipPercentage: value.ownershipShare.map(PositionValue.percentage),
            currentValue: value.currentValue, unrealizedGain: value.unrealizedGain, realizedGain: value.realizedGain,
            valuation: value.unrealizedGain == nil ? nil : basis
        )
    }
}
