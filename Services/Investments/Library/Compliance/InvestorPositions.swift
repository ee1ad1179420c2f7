import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The body of `PUT /v1/compliance/positions/{investment_id}/deferred-gain`.
struct DeferredGainBody: Decodable, Sendable {
    var gainAmount: Money
    var gainDate: CalendarDate
    var term: String
}

/// An investor's funded (or exited) position in an offering set up as a QOF, with the gain they
/// deferred into it if they have entered it.
struct OZPosition: Sendable {
    var investmentId: UUID
    var offeringId: UUID
    var offeringName: String
    var amount: Money
    var fundedOn: CalendarDate
    var exitedOn: CalendarDate?
    var gain: (amount: Money, date: CalendarDate, term: String)?

    /// §1400Z-2(a)(1)(A), (e)(1): the gain deferred is the lesser of the gain and the investment.
    var deferred: Money? { self.gain.map { min($0.amount, self.amount) } }
}

/// One position on the wire: the holding period from the tax estimate's rules (one module).
struct OZPositionDocument: Encodable, Sendable {
    struct Milestone: Encodable, Sendable {
        var milestone: String
        var on: CalendarDate
        var stepUpPercent: Decimal?
    }

    var investmentId: UUID
    var offeringId: UUID
    var offeringName: String
    var amount: Money
    var fundedOn: CalendarDate
    var exitedOn: CalendarDate?
    var gainAmount: Money?
    var gainDate: CalendarDate?
    var term: String?
    var deferredGain: Money?
    var regime: OZRegime
    var yearsHeld: Int
    var milestones: [Milestone]
    var next: Milestone?
    var tenYearExclusionDate: CalendarDate

    init(_ position: OZPosition, today: CalendarDate) {
        let period = OZTaxRules.holdingPeriod(investedOn: position.fundedOn, fundType: .standard)
        let milestone = { (event: OZHoldingPeriod.Event) in
            Milestone(milestone: event.milestone.rawValue, on: event.on, stepUpPercent: event.stepUpPercent)
        }
        self.investmentId = position.investmentId
        self.offeringId = position.offeringId
        self.offeringName = position.offeringName
        self.amount = position.amount
        self.fundedOn = position.fundedOn
        self.exitedOn = position.exitedOn
        self.gainAmount = position.gain?.amount
        self.gainDate = position.gain?.date
        self.term = position.gain?.term
        self.deferredGain = position.deferred
        self.regime = period.regime
        self.yearsHeld = period.yearsHeld(on: position.exitedOn ?? today)
        self.milestones = period.events.map(milestone)
        self.next = position.exitedOn == nil ? period.next(after: today).map(milestone) : nil
        self.tenYearExclusionDate = position.fundedOn.adding(years: OZTaxRules.exclusionHoldingYears)
    }
}

/// The data Form 8997 (Initial and Annual Statement of QOF Investments) asks of an investor for a
/// calendar year: QOF investments held at its start, made during it, disposed of during it, and
/// held at its end, each with the deferred gain by date and term.
struct Form8997: Encodable, Sendable {
    struct Line: Encodable, Sendable {
        var investmentId: UUID
        var offeringName: String
        var date: CalendarDate
        var amount: Money
        var deferredGain: Money?
        var gainDate: CalendarDate?
        var term: String?
        var regime: OZRegime
        var inclusionDate: CalendarDate
    }

    var year: Int
    var heldAtStart: [Line]
    var acquired: [Line]
    var disposed: [Line]
    var heldAtEnd: [Line]
    /// Positions whose deferred gain is not entered yet: the form needs it.
    var missingDeferredGain: [UUID]
    var statute: String

    static let statute =
        "26 U.S.C. §1400Z-2(a)–(c) (Pub. L. 115-97 §13823; for investments after 2026-12-31 as amended by Pub. L. 119-21 §70421); "
        + "Treas. Reg. §1.1400Z2(a)-1, §1.1400Z2(b)-1"

    static func build(_ positions: [OZPosition], year: Int) -> Form8997 {
        let start = CalendarDate(year: year, month: 1, day: 1)!
        let end = CalendarDate(year: year, month: 12, day: 31)!
        func line(_ position: OZPosition, on date: CalendarDate) -> Line {
            Line(
                investmentId: position.investmentId, offeringName: position.offeringName, date: date, amount: position.amount,
                deferredGain: position.deferred, gainDate: position.gain?.date, term: position.gain?.term,
                regime: OZTaxRules.regime(forInvestmentOn: position.fundedOn),
                inclusionDate: OZTaxRules.inclusionDate(investedOn: position.fundedOn, expectedExit: position.exitedOn)
            )
        }
        let held = { (day: CalendarDate) in
            positions.filter { $0.fundedOn <= day && ($0.exitedOn.map { $0 > day } ?? true) }
        }
        let relevant = positions.filter { $0.fundedOn <= end && ($0.exitedOn.map { $0 >= start } ?? true) }
        return Form8997(
            year: year,
            heldAtStart: held(start.adding(days: -1)).map { line($0, on: $0.fundedOn) },
            acquired: positions.filter { $0.fundedOn >= start && $0.fundedOn <= end }.map { line($0, on: $0.fundedOn) },
            disposed: positions.compactMap { position in
                guard let exit = position.exitedOn, exit >= start, exit <= end else { return nil }
                return line(position, on: exit)
            },
            heldAtEnd: held(end).map { line($0, on: $0.fundedOn) },
            missingDeferredGain: relevant.filter { $0.gain == nil }.map(\.investmentId),
            statute: Self.statute
        )
    }

    /// One row per line, section first: what the investor hands their preparer.
    var csv: String {
        var rows = ["section,investment_id,fund,date,amount,deferred_gain,gain_date,term,regime,inclusion_date"]
        for (section, lines) in [
            ("held_at_start", self.heldAtStart), ("acquired", self.acquired), ("disposed", self.disposed), ("held_at_end", self.heldAtEnd),
        ] {
            for line in lines {
                let name =
                    line.offeringName.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline })
                    ? "\"\(line.offeringName.replacingOccurrences(of: "\"", with: "\"\""))\"" : line.offeringName
                rows.append(
                    [
                        section, line.investmentId.uuidString.lowercased(), name, line.date.description, line.amount.description,
                        line.deferredGain?.description ?? "", line.gainDate?.description ?? "", line.term ?? "", line.regime.rawValue,
                        line.inclusionDate.description,
                    ].joined(separator: ","))
            }
        }
        return rows.joined(separator: "\r\n") + "\r\n"
    }
}

/// The investor's own QOF positions from the ledger, and the gains they deferred.
struct InvestorPositionStore: Sendable {
    let postgres: PostgresClient

    func positions(of investor: UUID, logger: Logger) async throws -> [OZPosition] {
        let rows = try await self.postgres.query(
            """
            SELECT i.id, i.offering_id, o.name, i.amount, i.funding_date::text, i.actual_exit_date::text,
                   g.gain_amount, g.gain_date::text, g.term
            FROM investments.investments i
            JOIN investments.offerings o ON o.id = i.offering_id
            JOIN investments.qof_funds f ON f.offering_id = i.offering_id
            LEFT JOIN investments.oz_deferred_gains g ON g.investment_id = i.id
            WHERE i.investor_id = \(investor) AND i.status IN ('funded', 'exited') AND i.funding_date IS NOT NULL
            ORDER BY i.funding_date, i.id
            """,
            logger: logger
        )
        var found: [OZPosition] = []
        for try await row in rows.decode((UUID, UUID, String, Money, String, String?, Money?, String?, String?).self) {
            guard let funded = CalendarDate(row.4) else { continue }
            var gain: (Money, CalendarDate, String)?
            if let amount = row.6, let date = row.7.flatMap(CalendarDate.init), let term = row.8 { gain = (amount, date, term) }
            found.append(
                OZPosition(
                    investmentId: row.0, offeringId: row.1, offeringName: row.2, amount: row.3, fundedOn: funded,
                    exitedOn: row.5.flatMap(CalendarDate.init), gain: gain.map { (amount: $0.0, date: $0.1, term: $0.2) }
                ))
        }
        return found
    }

    func saveGain(_ investment: UUID, investor: UUID, amount: Money, date: CalendarDate, term: String, logger: Logger) async throws {
        try await self.postgres.query(
            """
            INSERT INTO investments.oz_deferred_gains (investment_id, investor_id, gain_amount, gain_date, term)
            VALUES (\(investment), \(investor), \(amount), \(date.description)::date, \(term))
            ON CONFLICT (investment_id) DO UPDATE SET gain_amount = EXCLUDED.gain_amount, gain_date = EXCLUDED.gain_date,
                term = EXCLUDED.term, updated_at = now()
            """,
            logger: logger
        )
    }
}

/// `/v1/compliance/positions` and `/v1/compliance/form-8997/{year}`: an investor's own OZ positions
/// (holding period, next step-up or inclusion, 10-year date) and their Form 8997 data. Only the
/// investor's own: a position of someone else's is the same 404 as an unknown id.
struct InvestorPositionController: RouteController {
    let store: InvestorPositionStore
    let clock: ServiceClock

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get("positions", use: self.list)
            .put("positions/:investment_id/deferred-gain", use: self.saveGain)
            .get("form-8997/:year", use: self.form8997)
    }

    func investor(_ context: AuthenticatedContext) throws -> UUID {
        guard let user = context.identity.userID else { throw Problem.forbidden("Only an investor's own positions are shown here.") }
        return user
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let today = CalendarDate.day(of: self.clock.now)
        let positions = try await self.store.positions(of: try self.investor(context), logger: context.logger)
        struct Page: Encodable { var data: [OZPositionDocument] }
        let page = Page(data: positions.map { OZPositionDocument($0, today: today) })
        return JSONDocument(String(decoding: try JSONEncoder.tract.encode(page), as: UTF8.self))
    }

    @Sendable func saveGain(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let investor = try self.investor(context)
        let id = try context.parameters.uuid("investment_id", "OZ position")
        guard let position = try await self.store.positions(of: investor, logger: context.logger).first(where: { $0.investmentId == id }) else {
            throw Problem.notFound("No OZ position of yours has this id.")
        }
        let body = try await request.decode(as: DeferredGainBody.self, context: context)
        var errors = FieldErrors()
        if body.gainAmount <= .zero { errors.add("gain_amount", "must be more than 0") }
        if !["short", "long"].contains(body.term) { errors.add("term", "must be short or long") }
        if body.gainDate < OZTaxRules.enactmentDate { errors.add("gain_date", "must be on or after 2017-12-22") }
        // §1400Z-2(a)(1)(A): the gain is invested within 180 days of the sale, the sale day first.
        if body.gainDate > position.fundedOn || OZTaxRules.lastInvestmentDate(forGainOn: body.gainDate) < position.fundedOn {
            errors.add("gain_date", "must be within the 180 days up to the investment's funding on \(position.fundedOn) (§1400Z-2(a)(1)(A))")
        }
        try errors.check()
        try await self.store.saveGain(id, investor: investor, amount: body.gainAmount, date: body.gainDate, term: body.term, logger: context.logger)
        var saved = position
        saved.gain = (body.gainAmount, body.gainDate, body.term)
        return JSONDocument(
            String(decoding: try JSONEncoder.tract.encode(OZPositionDocument(saved, today: CalendarDate.day(of: self.clock.now))), as: UTF8.self))
    }

    @Sendable func form8997(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let csv = try FormDownload.wantsCSV(request)
        guard let year = context.parameters.get("year").flatMap({ Int($0) }), (2018...2100).contains(year) else {
            throw Problem.validation(field: "year", "must be a year from 2018 to 2100")
        }
        let form = Form8997.build(try await self.store.positions(of: try self.investor(context), logger: context.logger), year: year)
        return try FormDownload.response(form, csv: csv ? form.csv : nil, fileName: "form-8997-\(year).csv")
    }
}
