import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The body of `PUT /v1/compliance/funds/{offering_id}/substantial-improvement`.
struct ImprovementBasisBody: Decodable, Sendable {
    var acquiredOn: CalendarDate
    var purchasePrice: Money
    var landBasis: Money
    var buildingBasis: Money
    var originalUse: String?
    var schedule: [DatedAmount]?
}

struct ImprovementBasis: Sendable {
    var acquiredOn: CalendarDate
    var purchasePrice: Money
    var landBasis: Money
    var buildingBasis: Money
    var originalUse: OriginalUseReason?
    var schedule: [DatedAmount]
    var updatedAt: Date

    static let maximumScheduleItems = 200
}

/// The tracker on the wire: the sponsor's figures, the spend from properties' reports, and the test.
struct ImprovementDocument: Encodable, Sendable {
    var offeringId: UUID
    var propertyId: UUID
    var acquiredOn: CalendarDate
    var purchasePrice: Money
    var landBasis: Money
    var buildingBasis: Money
    var originalUse: OriginalUseReason?
    var schedule: [DatedAmount]
    var spend: [DatedAmount]
    var asOf: CalendarDate
    var status: ImprovementStatus
    var windowStart: CalendarDate?
    var windowEnd: CalendarDate?
    var required: Money
    var spentInWindow: Money
    var percent: Decimal?
    var daysLeft: Int?
    var projectedByWindowEnd: Money
    var projectedMetOn: CalendarDate?
    var citation: String
    var reason: String
    var updatedAt: Date
}

/// `investments.qof_property_bases`.
struct ImprovementStore: Sendable {
    let postgres: PostgresClient

    func find(_ offeringId: UUID, logger: Logger) async throws -> ImprovementBasis? {
        let rows = try await self.postgres.query(
            """
            SELECT acquired_on::text, purchase_price, land_basis, building_basis, original_use, schedule::text, updated_at
            FROM investments.qof_property_bases WHERE offering_id = \(offeringId)
            """,
            logger: logger
        )
        for try await row in rows.decode((String, Money, Money, Money, String?, String, Date).self) {
            guard let acquired = CalendarDate(row.0) else { break }
            return ImprovementBasis(
                acquiredOn: acquired, purchasePrice: row.1, landBasis: row.2, buildingBasis: row.3,
                originalUse: row.4.flatMap(OriginalUseReason.init(rawValue:)),
                schedule: try JSONDecoder.tract.decode([DatedAmount].self, from: Data(row.5.utf8)), updatedAt: row.6
            )
        }
        return nil
    }

    func save(_ offeringId: UUID, _ basis: ImprovementBasis, logger: Logger) async throws {
        let schedule = String(decoding: try JSONEncoder.tract.encode(basis.schedule), as: UTF8.self)
        try await self.postgres.query(
            """
            INSERT INTO investments.qof_property_bases
                (offering_id, acquired_on, purchase_price, land_basis, building_basis, original_use, schedule, updated_at)
            VALUES (\(offeringId), \(basis.acquiredOn.description)::date, \(basis.purchasePrice), \(basis.landBasis),
                    \(basis.buildingBasis), \(basis.originalUse?.rawValue), \(schedule)::jsonb, \(basis.updatedAt))
            ON CONFLICT (offering_id) DO UPDATE SET
                acquired_on = EXCLUDED.acquired_on, purchase_price = EXCLUDED.purchase_price, land_basis = EXCLUDED.land_basis,
                building_basis = EXCLUDED.building_basis, original_use = EXCLUDED.original_use, schedule = EXCLUDED.schedule,
                updated_at = EXCLUDED.updated_at
            """,
            logger: logger
        )
    }
}

/// `/v1/compliance/funds/{offering_id}/substantial-improvement`: the fund's property's 30-month
/// improvement test (Treas. Reg. §1.1400Z2(d)-2(b)(4)), sponsor and admins only. The sponsor
/// enters the acquisition and its land/building split and planned draws; the spend is what
/// properties reports on the property's renovation projects (`renovation.progress_updated`).
struct ImprovementController: RouteController {
    let access: FundAccess
    let store: ImprovementStore
    let clock: ServiceClock

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.show)
            .put(use: self.save)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let (offering, _) = try await self.access.offeringAndFund(context)
        guard let basis = try await self.store.find(offering.id, logger: context.logger) else {
            throw Problem.notFound("No acquisition has been entered for this fund's property yet; PUT it first.")
        }
        return try await self.document(offering, basis, context: context)
    }

    @Sendable func save(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let (offering, _) = try await self.access.offeringAndFund(context)
        let body = try await request.decode(as: ImprovementBasisBody.self, context: context)
        var errors = FieldErrors()
        if body.acquiredOn < CalendarDate(year: 2018, month: 1, day: 1)! { errors.add("acquired_on", "must be 2018-01-01 or later") }
        if body.purchasePrice <= .zero { errors.add("purchase_price", "must be more than 0") }
        let originalUse = body.originalUse.map(OriginalUseReason.init(rawValue:))
        if case .some(nil) = originalUse { errors.add("original_use", "must be new_construction, vacant or null") }
        let schedule = body.schedule ?? []
        if schedule.count > ImprovementBasis.maximumScheduleItems {
            errors.add("schedule", "must list at most \(ImprovementBasis.maximumScheduleItems) draws")
        }
        let basis = ImprovementBasis(
            acquiredOn: body.acquiredOn, purchasePrice: body.purchasePrice, landBasis: body.landBasis, buildingBasis: body.buildingBasis,
            originalUse: originalUse ?? nil, schedule: schedule, updatedAt: self.clock.now
        )
        errors.add(contentsOf: SubstantialImprovement.validate(Self.input(basis, spend: [], asOf: body.acquiredOn)))
        try errors.check()
        try await self.store.save(offering.id, basis, logger: context.logger)
        return try await self.document(offering, basis, context: context)
    }

    static func input(_ basis: ImprovementBasis, spend: [DatedAmount], asOf: CalendarDate) -> SubstantialImprovementInput {
        SubstantialImprovementInput(
            acquiredOn: basis.acquiredOn, buildingBasis: basis.buildingBasis, landBasis: basis.landBasis, originalUse: basis.originalUse,
            spend: spend, schedule: basis.schedule, asOf: asOf
        )
    }

    func document(_ offering: Offering, _ basis: ImprovementBasis, context: AuthenticatedContext) async throws -> JSONDocument {
        let reports = try await RenovationSpend.reports(for: offering.propertyId, postgres: self.access.funds.postgres, logger: context.logger)
        let spend = RenovationSpend.steps(reports)
        let today = CalendarDate.day(of: self.clock.now)
        let result: SubstantialImprovementResult
        do {
            result = try SubstantialImprovement.evaluate(Self.input(basis, spend: spend, asOf: today))
        } catch {
            throw error.problem()
        }
        let document = ImprovementDocument(
            offeringId: offering.id, propertyId: offering.propertyId, acquiredOn: basis.acquiredOn, purchasePrice: basis.purchasePrice,
            landBasis: basis.landBasis, buildingBasis: basis.buildingBasis, originalUse: basis.originalUse, schedule: basis.schedule,
            spend: spend, asOf: today, status: result.status, windowStart: result.windowStart, windowEnd: result.windowEnd,
            required: result.required, spentInWindow: result.spentInWindow, percent: result.percent, daysLeft: result.daysLeft,
            projectedByWindowEnd: result.projectedByWindowEnd, projectedMetOn: result.projectedMetOn, citation: result.citation,
            reason: result.reason, updatedAt: basis.updatedAt
        )
        return JSONDocument(String(decoding: try JSONEncoder.tract.encode(document), as: UTF8.self))
    }
}
