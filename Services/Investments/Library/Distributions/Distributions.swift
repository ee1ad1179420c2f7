import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `/v1/distributions`: a sponsor pays out cash from a property, allocated to the offering's funded
/// investors pro rata or through a waterfall, with tax withheld per investor. Allocation happens
/// when the distribution is created (so everyone can see the lines before money moves); completing
/// it writes each payment to the ledger. Every figure sums exactly to the total.
struct DistributionController: RouteController {
    let store: DistributionStore

    struct NewDistribution: Codable, Sendable {
        var offeringId: UUID
        var distributionType: String
        var distributionDate: CalendarDate
        var totalAmount: Money
        var calculationMethod: String
        var waterfall: WaterfallTerms?
        /// Investor id → rate withheld (e.g. 0.24 backup withholding, 0.30 for a foreign investor).
        var withholdingRates: [String: Decimal]?
        var notes: String?

        static let types: Set = ["monthly_income", "quarterly", "refinance", "sale_proceeds"]

        func problems() -> FieldErrors {
            var errors = FieldErrors()
            if !Self.types.contains(self.distributionType) {
                errors.add("distribution_type", "must be one of monthly_income, quarterly, refinance, sale_proceeds")
            }
            if self.totalAmount <= .zero { errors.add("total_amount", "must be more than 0") }
            switch self.calculationMethod {
            case "pro_rata":
                if self.waterfall != nil { errors.add("waterfall", "is only for calculation_method waterfall") }
            case "waterfall":
                guard let terms = self.waterfall else {
                    errors.add("waterfall", "is required: preferred_return_rate, catch_up_rate and carried_interest_rate")
                    break
                }
                errors.add(contentsOf: terms.validate(), under: "waterfall")
            default: errors.add("calculation_method", "must be pro_rata or waterfall")
            }
            for (investor, rate) in self.withholdingRates ?? [:] {
                if UUID(uuidString: investor) == nil { errors.add("withholding_rates", "keys must be investor ids") }
                if rate < 0 || rate > 1 { errors.add("withholding_rates.\(investor)", "must be a rate from 0 to 1") }
            }
            if (self.notes?.count ?? 0) > 2000 { errors.add("notes", "must be at most 2000 characters") }
            return errors
        }
    }

    /// Mounted at `/v1/distributions`; every route needs a signed-in caller.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.create).get(use: self.list)
            .get(":id", use: self.show)
            .post(":id/complete", use: self.complete)
    }

    /// Creating and completing a distribution move money: step-up applies (issue 15), checked
    /// before the idempotency key is claimed.
    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRecentMFA()
        var request = request
        let claim = try await IdempotentRequests.claim(&request, owner: context.identity.subject, limit: context.maxUploadSize)
        let body = try await request.decode(as: NewDistribution.self, context: context)
        try body.problems().check()
        let creator = try context.identity.requireUser("A distribution is made by a signed-in sponsor or admin, not a service client.")
        return try await self.store.create(body, by: context.identity, creator: creator, claim: claim, logger: context.logger) { id, text in
            JSONDocument(text, status: .created, headers: [.location: "/v1/distributions/\(id.uuidString.lowercased())"])
        }
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let offering = try request.uri.queryParameters["offering_id"].map { raw -> UUID in
            guard let id = UUID(uuidString: String(raw)) else { throw Problem.validation(field: "offering_id", "must be a UUID") }
            return id
        }
        return try await self.store.list(offering: offering, for: context.identity, page: try PageRequest(request), logger: context.logger)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        JSONDocument(try await self.store.find(try Self.id(context), for: context.identity, logger: context.logger))
    }

    @Sendable func complete(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRecentMFA()
        var request = request
        let claim = try await IdempotentRequests.claim(&request, owner: context.identity.subject, limit: context.maxUploadSize)
        return try await self.store.complete(try Self.id(context), by: context.identity, claim: claim, logger: context.logger) { JSONDocument($0) }
    }

    static func id(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("id", "distribution")
    }
}

struct DistributionStore: Sendable {
    let postgres: PostgresClient
    let outbox: OutboxPublisher
    let idempotency: IdempotentRequests
    let ids: IDGenerator

    /// A funded position as the allocation sees it.
    struct Holding: Sendable {
        var investmentId: UUID
        var investorId: UUID
        var capital: Money
        var fundingDate: CalendarDate
    }

    /// `respond` makes the response from the new distribution's id and document: it is what the
    /// `Idempotency-Key` keeps, within the same transaction.
    func create(
        _ body: DistributionController.NewDistribution, by identity: Identity, creator: UUID, claim: IdempotencyClaim, logger: Logger,
        respond: (_ id: UUID, _ document: String) -> JSONDocument
    ) async throws -> JSONDocument {
        try await self.postgres.transaction(logger: logger) { connection in
            try await self.idempotency.run(claim, on: connection, logger: logger) {
                // Locked: a commitment funded meanwhile would change who shares the money.
                guard let offering = try await OfferingStore.find(body.offeringId, on: connection, lock: true, logger: logger),
                    offering.isVisible(to: identity)
                else { throw Problem.validation(field: "offering_id", "no offering has this id") }
                guard offering.canManage(identity) else { throw Problem.forbidden("Only the offering's sponsor or an admin distributes.") }
                let holdings = try await Self.holdings(in: body.offeringId, on: connection, logger: logger)
                guard !holdings.isEmpty else { throw Problem.conflict("This offering has no funded investors to distribute to.") }
                let plan = try Self.allocate(body, holdings: holdings)
                let id = self.ids.next()
                let waterfallJSON = try plan.waterfall.map { String(decoding: try JSONEncoder.tract.encode($0), as: UTF8.self) }
                try await connection.query(
                    """
                    INSERT INTO investments.distributions
                        (id, offering_id, property_id, distribution_type, distribution_date, total_amount, calculation_method,
                         waterfall, investors_total, sponsor_total, notes, created_by)
                    VALUES (\(id), \(offering.id), \(offering.propertyId), \(body.distributionType), \(body.distributionDate.description)::date,
                            \(body.totalAmount), \(body.calculationMethod), \(waterfallJSON)::jsonb, \(plan.investors.totalAmount),
                            \(plan.sponsorTotal), \(body.notes), \(creator))
                    """,
                    logger: logger
                )
                let lineIDs = plan.investors.shares.map { _ in self.ids.next() }
                try await Self.insertLines(
                    plan.investors.shares, ids: lineIDs, holdings: holdings, distribution: id, offering: offering, on: connection, logger: logger
                )
                return respond(id, try await Self.document(id, for: identity, on: connection, logger: logger))
            }
        }
    }

    struct Plan {
        var investors: InvestorDistribution
        var sponsorTotal: Money
        var waterfall: WaterfallRecord?
    }

    /// What is kept of a waterfall: the terms and each tier's split.
    struct WaterfallRecord: Codable {
        var terms: WaterfallTerms
        var yearsHeld: Decimal
        var tiers: [WaterfallTier]
    }

    /// Pure: who gets what. A waterfall runs on the offering's funded capital, with the preferred
    /// return accruing on each investor's capital from their funding date (so the pool's
    /// `yearsHeld` is the capital-weighted holding period); investors' side is then shared by capital.
    static func allocate(_ body: DistributionController.NewDistribution, holdings: [Holding]) throws -> Plan {
        let positions = holdings.map { holding in
            InvestorPosition(
                investorId: holding.investorId, capital: holding.capital,
                withholdingRate: body.withholdingRates?[holding.investorId.uuidString.lowercased()]
                    ?? body.withholdingRates?[holding.investorId.uuidString] ?? 0
            )
        }
        var investorsTotal = body.totalAmount
        var sponsorTotal = Money.zero
        var record: WaterfallRecord?
        if let terms = body.waterfall {
            let capital = holdings.reduce(Money.zero) { $0 + $1.capital }
            let weightedDays = holdings.reduce(Decimal(0)) { sum, holding in
                sum + Decimal(holding.capital.cents) * Decimal(max(0, holding.fundingDate.days(until: body.distributionDate)))
            }
            let yearsHeld = capital.cents == 0 ? 0 : weightedDays / (Decimal(capital.cents) * 365)
            let result: WaterfallResult
            do {
                result = try Waterfall.dealByDeal([WaterfallDeal(capital: capital, proceeds: body.totalAmount, yearsHeld: yearsHeld)], terms: terms)
            } catch {
                throw error.problem(under: "waterfall")
            }
            investorsTotal = result.toInvestors
            sponsorTotal = result.toSponsor
            record = WaterfallRecord(terms: terms, yearsHeld: yearsHeld, tiers: result.tiers)
        }
        do {
            return Plan(investors: try Waterfall.investorShares(of: investorsTotal, among: positions), sponsorTotal: sponsorTotal, waterfall: record)
        } catch {
            throw error.problem()
        }
    }

    static func holdings(in offering: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [Holding] {
        let rows = try await connection.query(
            """
            SELECT id, investor_id, amount, funding_date::text FROM investments.investments
            WHERE offering_id = \(offering) AND status = 'funded' ORDER BY funding_date, id
            """,
            logger: logger
        )
        var holdings: [Holding] = []
        for try await (id, investor, amount, funded) in rows.decode((UUID, UUID, Money, String).self) {
            holdings.append(
                Holding(investmentId: id, investorId: investor, capital: amount, fundingDate: CalendarDate(funded) ?? CalendarDate(dayNumber: 0)))
        }
        return holdings
    }

    /// One row per investor in a single statement, whatever their number.
    static func insertLines(
        _ shares: [InvestorShare], ids: [UUID], holdings: [Holding], distribution: UUID, offering: Offering, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO investments.investor_distributions
                (id, distribution_id, investment_id, investor_id, property_id, distribution_amount, tax_withholding, net_distribution)
            SELECT ids, \(distribution), investment, investor, \(offering.propertyId), gross, withheld, net
            FROM unnest(\(ids), \(holdings.map(\.investmentId)), \(shares.map(\.investorId)),
                        \(shares.map(\.distributionAmount.description))::numeric[], \(shares.map(\.taxWithholding.description))::numeric[],
                        \(shares.map(\.netDistribution.description))::numeric[])
                AS line(ids, investment, investor, gross, withheld, net)
            """,
            logger: logger
        )
    }

    /// Pays every line: ledger entries, running totals on each position, and the event.
    func complete(
        _ id: UUID, by identity: Identity, claim: IdempotencyClaim, logger: Logger, respond: (_ document: String) -> JSONDocument
    ) async throws -> JSONDocument {
        // Payments made by this request (none when it is a replay of an Idempotency-Key), counted once committed.
        var paid = 0
        let document = try await self.postgres.transaction(logger: logger) { connection in
            try await self.idempotency.run(claim, on: connection, logger: logger) {
                let rows = try await connection.query(
                    """
                    SELECT d.status, d.offering_id, d.property_id, d.total_amount, d.distribution_date::text, o.sponsor_id, d.distribution_type
                    FROM investments.distributions d JOIN investments.offerings o ON o.id = d.offering_id
                    WHERE d.id = \(id) FOR UPDATE OF d
                    """,
                    logger: logger
                )
                var found: (String, UUID, UUID, Money, String, UUID, String)?
                for try await row in rows.decode((String, UUID, UUID, Money, String, UUID, String).self) { found = row }
                guard let (status, offering, property, total, date, sponsor, kind) = found,
                    identity.has(role: .admin) || (identity.has(role: .sponsor) && identity.userID == sponsor)
                else { throw Problem.notFound("No distribution has this id.") }
                guard status != "completed" else { throw Problem.conflict("This distribution was already completed.") }
                // One `distribution.paid` per line, for communications' notices: built where the
                // lines are (`DistributionPaid`'s fields, as it encodes them), read before they are
                // paid (a line's payment changes none of them; read after, each line was two row
                // versions of this transaction to sort through: 50 ms of 10,000 lines, issue 19).
                paid = try await self.outbox.publish(
                    DistributionPaid.self,
                    payloads: """
                        SELECT jsonb_build_object(
                            'distribution_id', upper(l.distribution_id::text), 'investment_id', upper(l.investment_id::text),
                            'investor_id', upper(l.investor_id::text), 'property_id', upper(\(property)::text),
                            'distribution_type', \(kind)::text, 'payment_date', \(date)::text,
                            'gross_amount', l.distribution_amount::text, 'tax_withheld', l.tax_withholding::text,
                            'net_amount', l.net_distribution::text)
                        FROM investments.investor_distributions l WHERE l.distribution_id = \(id)
                        ORDER BY l.investor_id
                        """,
                    on: connection, logger: logger
                )
                // Pays every line; answers how many (the investor count `distribution.completed` states).
                let paidLines = try await connection.query(
                    """
                    WITH lines AS (
                        UPDATE investments.investor_distributions SET payment_status = 'completed', payment_date = \(date)::date
                        WHERE distribution_id = \(id) RETURNING investment_id, investor_id, distribution_amount, tax_withholding
                    ), positions AS (
                        UPDATE investments.investments i SET total_distributions = i.total_distributions + l.distribution_amount, updated_at = now()
                        FROM lines l WHERE i.id = l.investment_id
                    ), ledger AS (
                        INSERT INTO investments.transactions (id, investor_id, investment_id, offering_id, distribution_id, type, amount, description, occurred_on)
                        SELECT gen_random_uuid(), investor_id, investment_id, \(offering), \(id), \(Ledger.Entry.distribution.rawValue), distribution_amount, 'Distribution', \(date)::date FROM lines
                        UNION ALL
                        SELECT gen_random_uuid(), investor_id, investment_id, \(offering), \(id), \(Ledger.Entry.taxWithholding.rawValue), -tax_withholding, 'Tax withheld', \(date)::date
                        FROM lines WHERE tax_withholding > 0
                    )
                    SELECT count(*)::bigint FROM lines
                    """,
                    logger: logger
                )
                var lineCount = 0
                for try await count in paidLines.decode(Int64.self) { lineCount = Int(count) }
                try await connection.query(
                    "UPDATE investments.distributions SET status = 'completed', processed_at = now(), updated_at = now() WHERE id = \(id)",
                    logger: logger
                )
                try await self.outbox.publish(
                    DistributionCompleted(
                        distributionId: id, offeringId: offering, propertyId: property, totalAmount: total, investorCount: lineCount),
                    on: connection, logger: logger
                )
                return respond(try await Self.document(id, for: identity, on: connection, logger: logger))
            }
        }
        DomainMetrics.distributionsPaid(paid)
        return document
    }

    /// The distribution with its lines: all of them for the sponsor and admins, only the caller's
    /// own for an investor; 404 for anyone else.
    /// `json`, not `jsonb`: the text is the answer, and building it as text is faster than building
    /// binary JSON and printing it (a 10,000-line document, issue 19).
    static func document(_ id: UUID, for identity: Identity, on connection: PostgresConnection, logger: Logger) async throws -> String {
        let manages = identity.has(role: .admin) || identity.has(role: .sponsor)
        let rows = try await connection.query(
            """
            SELECT json_build_object(
                'id', d.id, 'offering_id', d.offering_id, 'property_id', d.property_id, 'distribution_type', d.distribution_type,
                'distribution_date', d.distribution_date, 'total_amount', d.total_amount::text,
                'calculation_method', d.calculation_method, 'waterfall', d.waterfall,
                'investors_total', d.investors_total::text, 'sponsor_total', d.sponsor_total::text, 'status', d.status,
                'processed_at', investments.rfc3339(d.processed_at), 'notes', d.notes, 'created_at', investments.rfc3339(d.created_at),
                'investor_count', (SELECT count(*) FROM investments.investor_distributions WHERE distribution_id = d.id),
                'lines', coalesce((
                    SELECT json_agg(json_build_object(
                        'investor_id', l.investor_id, 'investment_id', l.investment_id,
                        'distribution_amount', l.distribution_amount::text, 'tax_withholding', l.tax_withholding::text,
                        'net_distribution', l.net_distribution::text, 'payment_status', l.payment_status,
                        'payment_date', l.payment_date) ORDER BY l.investor_id)
                    FROM investments.investor_distributions l
                    WHERE l.distribution_id = d.id AND (\(identity.has(role: .admin)) OR o.sponsor_id = \(identity.userID)
                                                          OR l.investor_id = \(identity.userID))
                ), '[]'::json))::text,
                (\(identity.has(role: .admin)) OR (\(manages) AND o.sponsor_id = \(identity.userID))
                 OR EXISTS (SELECT 1 FROM investments.investor_distributions x WHERE x.distribution_id = d.id AND x.investor_id = \(identity.userID)))
            FROM investments.distributions d JOIN investments.offerings o ON o.id = d.offering_id WHERE d.id = \(id)
            """,
            logger: logger
        )
        for try await (text, allowed) in rows.decode((String, Bool).self) where allowed { return text }
        throw Problem.notFound("No distribution has this id.")
    }

    func find(_ id: UUID, for identity: Identity, logger: Logger) async throws -> String {
        try await self.postgres.withConnection { connection in try await Self.document(id, for: identity, on: connection, logger: logger) }
    }

    /// Newest first: an investor's distributions they are in; a sponsor's those of their offerings; admins all.
    func list(offering: UUID?, for identity: Identity, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        var conditions: [String] = []
        if !identity.has(role: .admin) {
            // A service token names no user: it is in no distribution and sponsors none.
            guard let userID = identity.userID else { return JSONDocument.page([], nextCursor: nil) }
            let user = binds.add(userID)
            conditions.append(
                "(o.sponsor_id = \(user) OR EXISTS (SELECT 1 FROM investments.investor_distributions l WHERE l.distribution_id = x.id AND l.investor_id = \(user)))"
            )
        }
        if let offering { conditions.append("x.offering_id = \(binds.add(offering))") }
        conditions.append(page.after(&binds))
        let sql = """
            SELECT jsonb_build_object('id', x.id, 'offering_id', x.offering_id, 'property_id', x.property_id,
                'distribution_type', x.distribution_type, 'distribution_date', x.distribution_date, 'total_amount', x.total_amount::text,
                'calculation_method', x.calculation_method, 'status', x.status, 'created_at', investments.rfc3339(x.created_at))::text,
                \(page.selectKey), x.id
            FROM investments.distributions x JOIN investments.offerings o ON o.id = x.offering_id
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }
}
