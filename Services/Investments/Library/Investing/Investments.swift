import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Investing in an offering: an investor asks (`pending`), commits (room is reserved atomically,
/// so concurrent commitments can never oversubscribe the target), the sponsor confirms funding,
/// and later the exit. Every move is one transaction with its ledger entry and event, and every
/// money-moving POST needs an `Idempotency-Key`.
struct InvestmentController: RouteController {
    let store: InvestmentStore
    /// Commit and fund wait for the investor's signature on the current subscription agreement.
    let signatures: SignatureGate

    struct NewInvestment: Codable, Sendable {
        var amount: Money
        var shareClass: String?
        var expectedExitDate: CalendarDate?
    }

    struct MoveBody: Codable, Sendable {
        /// `fund`: the day the money arrived (default today); `exit`: the exit day (default today).
        var date: CalendarDate?
        /// `exit`: what the investor received for the position.
        var proceeds: Money?
    }

    /// Mounted at `/v1/offerings/:id/investments`: an offering's positions.
    var offeringEndpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.create).get(use: self.listOffering)
    }

    /// Mounted at `/v1/investments`: positions and their moves, one literal route per move.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.listOwn)
            .get(":id", use: self.show)
            .post(":id/commit", use: self.commit)
            .post(":id/fund", use: self.fund)
            .post(":id/exit", use: self.exit)
            .post(":id/cancel", use: self.cancel)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        var request = request
        let offeringID = try OfferingController.id(context)
        let claim = try await IdempotentRequests.claim(&request, owner: context.identity.subject, limit: context.maxUploadSize)
        let investorID = try context.identity.requireUser("Only users invest.")
        let body = try await request.decode(as: NewInvestment.self, context: context)
        return try await self.store.create(body, in: offeringID, investor: investorID, claim: claim, logger: context.logger) { id, text in
            JSONDocument(text, status: .created, headers: [.location: "/v1/investments/\(id.uuidString.lowercased())"])
        }
    }

    @Sendable func listOffering(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let offeringID = try OfferingController.id(context)
        let page = try PageRequest(request)
        return try await self.store.list(offering: offeringID, by: context.identity, page: page, logger: context.logger)
    }

    @Sendable func listOwn(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let investorID = try context.identity.requireUser("Only users hold investments.")
        return try await self.store.list(investor: investorID, page: try PageRequest(request), logger: context.logger)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let id = try Self.id(context)
        return JSONDocument(try await self.store.find(id, visibleTo: context.identity, logger: context.logger))
    }

    /// Commit, fund and exit move money: a user with a second factor must have proven it in the
    /// last 15 minutes (step-up, issue 15). Checked before the idempotency key is claimed, so the
    /// same key can be retried after stepping up.
    @Sendable func commit(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRecentMFA()
        try await self.signatures.require(
            before: .commit, investment: try Self.id(context), identity: context.identity, context: context.callContext, logger: context.logger)
        return try await self.move(.commit, request, context: context)
    }

    @Sendable func fund(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRecentMFA()
        try await self.signatures.require(
            before: .fund, investment: try Self.id(context), identity: context.identity, context: context.callContext, logger: context.logger)
        return try await self.move(.fund, request, context: context)
    }

    @Sendable func exit(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRecentMFA()
        return try await self.move(.exit, request, context: context)
    }

    @Sendable func cancel(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try await self.move(.cancel, request, context: context)
    }

    private func move(_ move: InvestmentStatus.Move, _ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        var request = request
        let id = try Self.id(context)
        let claim = try await IdempotentRequests.claim(&request, owner: context.identity.subject, limit: context.maxUploadSize)
        let body = request.headers[.contentType] == nil ? MoveBody() : try await request.decode(as: MoveBody.self, context: context)
        return try await self.store.move(id, move, body: body, by: context.identity, claim: claim, logger: context.logger) { JSONDocument($0) }
    }

    static func id(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("id", "investment")
    }
}

struct InvestmentStore: Sendable {
    let postgres: PostgresClient
    let outbox: OutboxPublisher
    let idempotency: IdempotentRequests
    let clock: ServiceClock
    let ids: IDGenerator

    /// Today in UTC, by the service's clock.
    var today: CalendarDate { CalendarDate.day(of: self.clock.now) }

    /// A position with the facts the rules need.
    struct Position: Sendable {
        var id: UUID
        var offeringId: UUID
        var propertyId: UUID
        var investorId: UUID
        var amount: Money
        var status: InvestmentStatus
        var sponsorId: UUID
    }

    /// `respond` makes the response from the new position's id and document: it is what the
    /// `Idempotency-Key` keeps, within the same transaction.
    func create(
        _ body: InvestmentController.NewInvestment,
        in offeringID: UUID,
        investor: UUID,
        claim: IdempotencyClaim,
        logger: Logger,
        respond: (_ id: UUID, _ document: String) -> JSONDocument
    ) async throws -> JSONDocument {
        try await self.postgres.transaction(logger: logger) { connection in
            try await self.idempotency.run(claim, on: connection, logger: logger) {
                guard let offering = try await OfferingStore.find(offeringID, on: connection, lock: false, logger: logger),
                    offering.status != "draft" || offering.sponsorId == investor
                else { throw Problem.notFound("No offering has this id.") }
                let shareClass = body.shareClass ?? offering.terms.shareClasses[0]
                var errors = Self.amountProblems(body.amount, offering: offering)
                if !offering.terms.shareClasses.contains(shareClass) {
                    errors.add("share_class", "must be one of \(offering.terms.shareClasses.joined(separator: ", "))")
                }
                try errors.check()
                try Self.requireOpen(offering, on: self.today)
                try await AccreditationGate.require(
                    offering, investor: investor, amount: body.amount, now: self.clock.now, on: connection, logger: logger)
                let id = self.ids.next()
                let rows = try await connection.query(
                    """
                    INSERT INTO investments.investments AS i (id, offering_id, property_id, investor_id, amount, share_class, expected_exit_date)
                    SELECT \(id), o.id, o.property_id, \(investor), \(body.amount), \(shareClass), \(body.expectedExitDate?.description)::date
                    FROM investments.offerings o WHERE o.id = \(offeringID)
                    ON CONFLICT (offering_id, investor_id) WHERE status <> 'cancelled' DO NOTHING
                    RETURNING investments.investment_document(i)::text
                    """,
                    logger: logger
                )
                for try await text in rows.decode(String.self) { return respond(id, text) }
                throw Problem.conflict("You already hold a position in this offering; change or cancel that one.")
            }
        }
    }

    /// Minimum, maximum and what is left, as field errors on `amount`.
    static func amountProblems(_ amount: Money, offering: Offering) -> FieldErrors {
        let terms = offering.terms
        var errors = FieldErrors()
        if let minimum = terms.minimumInvestment, amount < minimum {
            errors.add("amount", "must be at least the offering's minimum of \(minimum)")
        } else if let maximum = terms.maximumInvestment, amount > maximum {
            errors.add("amount", "must be at most the offering's maximum of \(maximum)")
        } else if let target = terms.targetRaise, amount > target - offering.amountRaised {
            errors.add("amount", "must be at most the \(target - offering.amountRaised) still open in this offering")
        }
        return errors
    }

    static func requireOpen(_ offering: Offering, on day: CalendarDate) throws {
        guard offering.status == "open" else { throw Problem.conflict("This offering is \(offering.status), not open for investment.") }
        if let open = offering.terms.openDate, day < open { throw Problem.conflict("This offering opens on \(open).") }
        if let close = offering.terms.closeDate, day > close { throw Problem.conflict("This offering closed on \(close).") }
    }

    func move(
        _ id: UUID,
        _ move: InvestmentStatus.Move,
        body: InvestmentController.MoveBody,
        by identity: Identity,
        claim: IdempotencyClaim,
        logger: Logger,
        respond: (_ document: String) -> JSONDocument
    ) async throws -> JSONDocument {
        try await self.postgres.transaction(logger: logger) { connection in
            try await self.idempotency.run(claim, on: connection, logger: logger) {
                let position = try await Self.lock(id, visibleTo: identity, on: connection, logger: logger)
                try Self.authorise(move, of: position, by: identity)
                guard position.status.allows(move) else {
                    throw Problem.conflict("A \(position.status.rawValue) investment cannot be moved to \(move.target.rawValue).")
                }
                let day = body.date ?? self.today
                switch move {
                case .commit: try await self.commit(position, on: connection, logger: logger)
                case .fund: try await self.fund(position, on: day, connection: connection, logger: logger)
                case .exit: try await self.exit(position, on: day, proceeds: body.proceeds, connection: connection, logger: logger)
                case .cancel: try await self.cancel(position, connection: connection, logger: logger)
                }
                return respond(try await Self.document(id, on: connection, logger: logger))
            }
        }
    }

    /// Investors commit and cancel their own positions; the sponsor and admins confirm funding and
    /// exits and may cancel an unfunded position.
    static func authorise(_ move: InvestmentStatus.Move, of position: Position, by identity: Identity) throws {
        let isOwner = identity.userID == position.investorId
        let manages = identity.has(role: .admin) || (identity.has(role: .sponsor) && identity.userID == position.sponsorId)
        switch move {
        case .commit where !isOwner: throw Problem.forbidden("Only the investor commits their investment.")
        case .fund where !manages, .exit where !manages:
            throw Problem.forbidden("Only the offering's sponsor or an admin records funding and exits.")
        case .cancel where !isOwner && !manages: throw Problem.forbidden("Only the investor, the sponsor or an admin may cancel.")
        default: return
        }
    }

    private func commit(_ position: Position, on connection: PostgresConnection, logger: Logger) async throws {
        guard let offering = try await OfferingStore.find(position.offeringId, on: connection, lock: false, logger: logger) else {
            throw Problem.notFound("No offering has this id.")
        }
        try Self.requireOpen(offering, on: self.today)
        try await AccreditationGate.require(
            offering, investor: position.investorId, amount: position.amount, now: self.clock.now, on: connection, logger: logger)
        // The one place room is taken: the row lock serialises concurrent commitments and Postgres
        // re-checks the condition against the latest committed total, so the sum never passes the target.
        let reserved = try await connection.query(
            """
            UPDATE investments.offerings SET amount_raised = amount_raised + \(position.amount),
                investor_count = investor_count + 1, totals_version = totals_version + 1, updated_at = now()
            WHERE id = \(position.offeringId) AND status = 'open' AND amount_raised + \(position.amount) <= target_raise
            RETURNING amount_raised, investor_count, totals_version
            """,
            logger: logger
        )
        var totals: OfferingTotalsChanged?
        for try await (raised, investors, version) in reserved.decode((Money, Int, Int64).self) {
            totals = OfferingTotalsChanged(
                offeringId: position.offeringId, propertyId: position.propertyId, amountRaised: raised, investorCount: investors, version: version
            )
        }
        guard let totals else {
            throw Problem(
                .conflict,
                detail: "The offering has less than \(position.amount) left; commit a smaller amount.",
                type: "https://tract.dev/problems/offering-oversubscribed"
            )
        }
        try await connection.query(
            """
            UPDATE investments.investments SET status = 'committed', commitment_date = \(self.today.description)::date, updated_at = now()
            WHERE id = \(position.id)
            """,
            logger: logger
        )
        try await Ledger.record(
            id: self.ids.next(), .commitment, amount: .zero - position.amount, for: position, status: "pending", description: "Commitment",
            on: connection, logger: logger)
        try await self.outbox.publish(
            InvestmentCommitted(
                investmentId: position.id, offeringId: position.offeringId, propertyId: position.propertyId,
                investorId: position.investorId, amount: position.amount
            ),
            on: connection, logger: logger
        )
        try await self.outbox.publish(totals, on: connection, logger: logger)
    }

    private func fund(_ position: Position, on day: CalendarDate, connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE investments.investments SET status = 'funded', funding_date = \(day.description)::date, updated_at = now() WHERE id = \(position.id)",
            logger: logger
        )
        try await Ledger.record(
            id: self.ids.next(), .investment, amount: .zero - position.amount, for: position, dated: day, description: "Capital funded",
            on: connection, logger: logger)
        try await self.outbox.publish(
            InvestmentFunded(
                investmentId: position.id, offeringId: position.offeringId, propertyId: position.propertyId,
                investorId: position.investorId, amount: position.amount, fundingDate: day.description
            ),
            on: connection, logger: logger
        )
    }

    private func exit(_ position: Position, on day: CalendarDate, proceeds: Money?, connection: PostgresConnection, logger: Logger) async throws {
        guard let proceeds, proceeds >= .zero else {
            throw Problem.validation(field: "proceeds", "is required: what the investor received, 0 or more")
        }
        try await connection.query(
            """
            UPDATE investments.investments SET status = 'exited', actual_exit_date = \(day.description)::date,
                exit_proceeds = \(proceeds), updated_at = now()
            WHERE id = \(position.id)
            """,
            logger: logger
        )
        try await Ledger.record(
            id: self.ids.next(), .exitProceeds, amount: proceeds, for: position, dated: day, description: "Exit proceeds", on: connection,
            logger: logger)
    }

    private func cancel(_ position: Position, connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE investments.investments SET status = 'cancelled', updated_at = now() WHERE id = \(position.id)", logger: logger
        )
        guard position.status.holdsRoom else { return }
        let released = try await connection.query(
            """
            UPDATE investments.offerings SET amount_raised = amount_raised - \(position.amount),
                investor_count = investor_count - 1, totals_version = totals_version + 1, updated_at = now()
            WHERE id = \(position.offeringId)
            RETURNING amount_raised, investor_count, totals_version
            """,
            logger: logger
        )
        var totals: OfferingTotalsChanged?
        for try await (raised, investors, version) in released.decode((Money, Int, Int64).self) {
            totals = OfferingTotalsChanged(
                offeringId: position.offeringId, propertyId: position.propertyId, amountRaised: raised, investorCount: investors, version: version
            )
        }
        if let totals { try await self.outbox.publish(totals, on: connection, logger: logger) }
        try await Ledger.record(
            id: self.ids.next(), .commitmentReleased, amount: position.amount, for: position, description: "Commitment cancelled", on: connection,
            logger: logger)
    }

    /// The position locked for a move: 404 unless the caller may see it.
    static func lock(_ id: UUID, visibleTo identity: Identity, on connection: PostgresConnection, logger: Logger) async throws -> Position {
        let rows = try await connection.query(
            """
            SELECT i.id, i.offering_id, i.property_id, i.investor_id, i.amount, i.status, o.sponsor_id
            FROM investments.investments i JOIN investments.offerings o ON o.id = i.offering_id
            WHERE i.id = \(id) FOR UPDATE OF i
            """,
            logger: logger
        )
        for try await row in rows.decode((UUID, UUID, UUID, UUID, Money, String, UUID).self) {
            let position = Position(
                id: row.0, offeringId: row.1, propertyId: row.2, investorId: row.3, amount: row.4,
                status: InvestmentStatus(rawValue: row.5) ?? .pending, sponsorId: row.6
            )
            if Self.canSee(investor: position.investorId, sponsor: position.sponsorId, identity) { return position }
        }
        throw Problem.notFound("No investment has this id.")
    }

    /// An investor sees their own positions, a sponsor those in their offerings, admins all.
    static func canSee(investor: UUID, sponsor: UUID, _ identity: Identity) -> Bool {
        identity.has(role: .admin) || identity.userID == investor || (identity.has(role: .sponsor) && identity.userID == sponsor)
    }

    static func document(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> String {
        let rows = try await connection.query(
            "SELECT investments.investment_document(i)::text FROM investments.investments i WHERE id = \(id)", logger: logger
        )
        for try await text in rows.decode(String.self) { return text }
        throw Problem.notFound("No investment has this id.")
    }

    func find(_ id: UUID, visibleTo identity: Identity, logger: Logger) async throws -> String {
        for try await (investor, sponsor, text) in try await self.postgres.execute(FindInvestment(id: id), logger: logger)
        where Self.canSee(investor: investor, sponsor: sponsor, identity) {
            return text
        }
        throw Problem.notFound("No investment has this id.")
    }

    func list(investor: UUID, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        try await self.page(of: "investor_id", equal: investor, page, logger: logger)
    }

    /// Positions in an offering, for its sponsor and admins.
    func list(offering: UUID, by identity: Identity, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        let found = try await self.postgres.withConnection { connection in
            try await OfferingStore.find(offering, on: connection, lock: false, logger: logger)
        }
        guard let found, found.isVisible(to: identity) else { throw Problem.notFound("No offering has this id.") }
        guard found.canManage(identity) else { throw Problem.forbidden("Only the offering's sponsor or an admin sees its investors.") }
        return try await self.page(of: "offering_id", equal: offering, page, logger: logger)
    }

    /// Newest-first positions whose `column` (a name from this file, never from a client) is `value`.
    private func page(of column: String, equal value: UUID, _ page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        let sql = """
            SELECT investments.investment_document(x)::text, \(page.selectKey), x.id FROM investments.investments x
            WHERE x.\(column) = \(binds.add(value)) AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }
}

/// One position with what decides who may see it. Prepared once per connection: planning the join
/// and the inlined document function cost Postgres four times the execution (issue 19: 6,100 reads
/// a second as unnamed statements against 26,900 prepared, pgbench on this machine).
struct FindInvestment: PostgresPreparedStatement {
    typealias Row = (investor: UUID, sponsor: UUID, document: String)

    static let name = "investments_find_investment"
    static let sql = """
        SELECT i.investor_id, o.sponsor_id, investments.investment_document(i)::text
        FROM investments.investments i JOIN investments.offerings o ON o.id = i.offering_id WHERE i.id = $1
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid]

    var id: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(self.id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode((UUID, UUID, String).self)
    }
}
