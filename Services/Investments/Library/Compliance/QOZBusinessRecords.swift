import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The body of `PUT /v1/compliance/funds/{offering_id}/qozb-tests/{as_of}`: the QOZ business's
/// figures on that day, and where they come from.
struct QOZBFigures: Codable, Sendable {
    var qualifyingTangible: Money
    var totalTangible: Money
    var activeZoneGrossIncome: Money
    var totalGrossIncome: Money
    var intangibleUsedInZone: Money
    var totalIntangible: Money
    var nonqualifiedFinancial: Money
    var safeHarborWorkingCapital: Money?
    var totalPropertyBasis: Money
    var evidence: String?

    var input: QOZBusinessTests.Input {
        QOZBusinessTests.Input(
            qualifyingTangible: self.qualifyingTangible, totalTangible: self.totalTangible, activeZoneGrossIncome: self.activeZoneGrossIncome,
            totalGrossIncome: self.totalGrossIncome, intangibleUsedInZone: self.intangibleUsedInZone, totalIntangible: self.totalIntangible,
            nonqualifiedFinancial: self.nonqualifiedFinancial, safeHarborWorkingCapital: self.safeHarborWorkingCapital ?? .zero,
            totalPropertyBasis: self.totalPropertyBasis
        )
    }
}

/// The body of `POST /v1/compliance/funds/{offering_id}/working-capital-plans`.
struct WorkingCapitalPlanBody: Codable, Sendable {
    var receivedOn: CalendarDate
    var amount: Money
    var writtenPlan: Bool
    var writtenSchedule: Bool
    var scheduleEndsOn: CalendarDate
    var spentConsistently: Bool
    var governmentalDelayDays: Int?
    var disasterExtensionMonths: Int?
    var firstIntegratedPlanReceivedOn: CalendarDate?
    var description: String?

    var plan: WorkingCapitalSafeHarbor.Plan {
        WorkingCapitalSafeHarbor.Plan(
            receivedOn: self.receivedOn, amount: self.amount, writtenPlan: self.writtenPlan, writtenSchedule: self.writtenSchedule,
            scheduleEndsOn: self.scheduleEndsOn, spentConsistently: self.spentConsistently,
            governmentalDelayDays: self.governmentalDelayDays ?? 0, disasterExtensionMonths: self.disasterExtensionMonths ?? 0,
            firstIntegratedPlanReceivedOn: self.firstIntegratedPlanReceivedOn
        )
    }
}

struct QOZBTestDocument: Encodable, Sendable {
    var offeringId: UUID
    var asOf: CalendarDate
    var figures: QOZBFigures
    var checks: [ComplianceCheck]
    var passed: Bool
}

struct WorkingCapitalPlanDocument: Encodable, Sendable {
    var id: UUID
    var offeringId: UUID
    var plan: WorkingCapitalPlanBody
    var deadline: CalendarDate
    var checks: [ComplianceCheck]
    var passed: Bool
}

/// `/v1/compliance/funds/{offering_id}/qozb-tests/{as_of}` and `…/working-capital-plans`: the QOZ
/// business tests and safe-harbor plans of a fund that holds through a QOZ business; sponsor and
/// admins only. A fund that holds directly is refused with 409 (the tests are the QOZB's).
struct QOZBusinessController: RouteController {
    let access: FundAccess
    let ids: IDGenerator
    let clock: ServiceClock

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get("qozb-tests/:as_of", use: self.showTests)
            .put("qozb-tests/:as_of", use: self.saveTests)
            .get("working-capital-plans", use: self.listPlans)
            .post("working-capital-plans", use: self.addPlan)
    }

    var postgres: PostgresClient { self.access.funds.postgres }

    func qozbFund(_ context: AuthenticatedContext) async throws -> QOFFund {
        let fund = try await self.access.fund(context)
        guard fund.holds == .qozb else {
            throw Problem.conflict(
                "This fund holds its zone property directly; the QOZ business tests apply to a fund holding through a QOZ business.")
        }
        return fund
    }

    func asOf(_ context: AuthenticatedContext) throws -> CalendarDate {
        guard let day = context.parameters.get("as_of").flatMap(CalendarDate.init) else {
            throw Problem.validation(field: "as_of", "must be a date such as 2025-12-31 (YYYY-MM-DD)")
        }
        return day
    }

    static func json(_ value: some Encodable) throws -> JSONDocument {
        JSONDocument(String(decoding: try JSONEncoder.tract.encode(value), as: UTF8.self))
    }

    func document(_ fund: QOFFund, _ day: CalendarDate, _ figures: QOZBFigures) throws -> JSONDocument {
        let checks: [ComplianceCheck]
        do {
            checks = try QOZBusinessTests.evaluate(figures.input)
        } catch {
            throw error.problem()
        }
        return try Self.json(
            QOZBTestDocument(offeringId: fund.offeringId, asOf: day, figures: figures, checks: checks, passed: checks.allSatisfy(\.passed)))
    }

    @Sendable func showTests(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let fund = try await self.qozbFund(context)
        let day = try self.asOf(context)
        let rows = try await self.postgres.query(
            "SELECT figures::text FROM investments.qozb_test_values WHERE offering_id = \(fund.offeringId) AND as_of = \(day.description)::date",
            logger: context.logger
        )
        for try await text in rows.decode(String.self) {
            return try self.document(fund, day, try JSONDecoder.tract.decode(QOZBFigures.self, from: Data(text.utf8)))
        }
        throw Problem.notFound("No QOZ business figures have been entered for this day yet.")
    }

    @Sendable func saveTests(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let fund = try await self.qozbFund(context)
        let day = try self.asOf(context)
        let figures = try await request.decode(as: QOZBFigures.self, context: context)
        var errors = FieldErrors()
        errors.text("evidence", figures.evidence, max: 2000, multiline: true)
        errors.add(contentsOf: QOZBusinessTests.validate(figures.input))
        try errors.check()
        let text = String(decoding: try JSONEncoder.tract.encode(figures), as: UTF8.self)
        try await self.postgres.query(
            """
            INSERT INTO investments.qozb_test_values (offering_id, as_of, figures, evidence, updated_at)
            VALUES (\(fund.offeringId), \(day.description)::date, \(text)::jsonb, \(figures.evidence), \(self.clock.now))
            ON CONFLICT (offering_id, as_of) DO UPDATE SET figures = EXCLUDED.figures, evidence = EXCLUDED.evidence,
                updated_at = EXCLUDED.updated_at
            """,
            logger: context.logger
        )
        return try self.document(fund, day, figures)
    }

    func planDocument(_ id: UUID, _ fund: QOFFund, _ body: WorkingCapitalPlanBody) throws -> WorkingCapitalPlanDocument {
        do {
            let result = try WorkingCapitalSafeHarbor.evaluate(body.plan)
            return WorkingCapitalPlanDocument(
                id: id, offeringId: fund.offeringId, plan: body, deadline: result.deadline, checks: result.checks, passed: result.passed)
        } catch {
            throw error.problem()
        }
    }

    @Sendable func listPlans(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let fund = try await self.qozbFund(context)
        let rows = try await self.postgres.query(
            "SELECT id, plan::text FROM investments.working_capital_plans WHERE offering_id = \(fund.offeringId) ORDER BY created_at, id",
            logger: context.logger
        )
        var plans: [WorkingCapitalPlanDocument] = []
        for try await (id, text) in rows.decode((UUID, String).self) {
            plans.append(try self.planDocument(id, fund, try JSONDecoder.tract.decode(WorkingCapitalPlanBody.self, from: Data(text.utf8))))
        }
        struct Page: Encodable { var data: [WorkingCapitalPlanDocument] }
        return try Self.json(Page(data: plans))
    }

    static let maximumPlans = 100

    @Sendable func addPlan(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let fund = try await self.qozbFund(context)
        let body = try await request.decode(as: WorkingCapitalPlanBody.self, context: context)
        var errors = FieldErrors()
        errors.text("description", body.description, max: 2000, multiline: true)
        errors.add(contentsOf: WorkingCapitalSafeHarbor.validate(body.plan))
        try errors.check()
        let id = self.ids.next()
        let text = String(decoding: try JSONEncoder.tract.encode(body), as: UTF8.self)
        let rows = try await self.postgres.query(
            """
            INSERT INTO investments.working_capital_plans (id, offering_id, plan)
            SELECT \(id), \(fund.offeringId), \(text)::jsonb
            WHERE (SELECT count(*) FROM investments.working_capital_plans WHERE offering_id = \(fund.offeringId)) < \(Self.maximumPlans)
            RETURNING id
            """,
            logger: context.logger
        )
        var inserted = false
        for try await _ in rows { inserted = true }
        guard inserted else { throw Problem.conflict("A fund keeps at most \(Self.maximumPlans) working-capital plans.") }
        var document = try Self.json(try self.planDocument(id, fund, body))
        document.status = .created
        return document
    }
}
