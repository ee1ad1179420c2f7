import Foundation
import HTTPTypes
import Hummingbird
import Models
import ServiceKit

/// `/v1/compliance/funds/{offering_id}`: an offering set up as a qualified opportunity fund, its
/// 90% test values per test date (with a what-if) and its Form 8996 figures per year. Fund data
/// is for the offering's sponsor and admins only: anyone else who can see the offering gets 403,
/// anyone who cannot gets the same 404 as an unknown id. The rules are `Compliance/Rules`, pure.
struct ComplianceController: RouteController {
    let access: FundAccess
    let tests: AssetTestStore
    let clock: ServiceClock

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(":offering_id", use: self.showFund)
            .put(":offering_id", use: self.setUpFund)
            .get(":offering_id/asset-tests/:test_date", use: self.showAssetTest)
            .put(":offering_id/asset-tests/:test_date", use: self.saveAssetTest)
            .post(":offering_id/asset-tests/:test_date/what-if", use: self.whatIf)
            .get(":offering_id/form-8996/:year", use: self.form8996)
    }

    func fund(_ context: AuthenticatedContext) async throws -> QOFFund { try await self.access.fund(context) }

    static func encode(_ value: some Encodable) throws -> JSONDocument {
        JSONDocument(String(decoding: try JSONEncoder.tract.encode(value), as: UTF8.self))
    }

    @Sendable func showFund(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try Self.encode(try await self.fund(context))
    }

    @Sendable func setUpFund(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let offering = try await self.access.managedOffering(context)
        let body = try await request.decode(as: QOFSetupBody.self, context: context)
        let fund = try QOFFund.parse(body, offeringId: offering.id, now: self.clock.now)
        return try Self.encode(try await self.access.funds.save(fund, logger: context.logger))
    }

    /// The path's test date, which must be one of the fund's (for the year ending in its year or the next).
    func testDate(_ fund: QOFFund, _ context: AuthenticatedContext) throws -> (AssetTestDate, CalendarDate) {
        guard let day = context.parameters.get("test_date").flatMap(CalendarDate.init) else {
            throw Problem.validation(field: "test_date", "must be a date such as 2025-12-31 (YYYY-MM-DD)")
        }
        for year in [day.year, day.year + 1] {
            if let date = AssetTest.testDates(fund.calendar, taxYearEndingIn: year).first(where: { $0.date == day }),
                let end = fund.calendar.taxYear(endingIn: year)?.last.lastDay
            {
                return (date, end)
            }
        }
        let dates = AssetTest.testDates(fund.calendar, taxYearEndingIn: day.year).map(\.date.description)
        throw Problem.validation(
            field: "test_date",
            "is not one of the fund's 90% test dates (§1400Z-2(d)(1); in \(day.year): \(dates.isEmpty ? "none" : dates.joined(separator: ", ")))"
        )
    }

    func document(
        _ fund: QOFFund, _ record: AssetTestRecord, _ date: AssetTestDate, _ end: CalendarDate, deploy: Money?, context: AuthenticatedContext
    )
        async throws -> JSONDocument
    {
        let ledger = try await self.tests.ledgerContributions(fund.offeringId, through: record.testDate, logger: context.logger)
        let input = record.input(ledger: ledger)
        let result: AssetTest.Result
        do throws(RuleValidationError) {
            if let deploy { result = try AssetTest.whatIf(input, deploying: deploy) } else { result = try AssetTest.evaluate(input) }
        } catch {
            throw error.problem()
        }
        return try Self.encode(
            AssetTestDocument(
                offeringId: fund.offeringId, record: record, date: date, yearEnd: end, ledger: ledger, result: result, deployAmount: deploy)
        )
    }

    @Sendable func showAssetTest(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let fund = try await self.fund(context)
        let (date, end) = try self.testDate(fund, context)
        guard let record = try await self.tests.find(fund.offeringId, on: date.date, logger: context.logger) else {
            throw Problem.notFound("No values have been entered for this test date yet.")
        }
        return try await self.document(fund, record, date, end, deploy: nil, context: context)
    }

    @Sendable func saveAssetTest(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let fund = try await self.fund(context)
        let (date, end) = try self.testDate(fund, context)
        let body = try await request.decode(as: AssetTestBody.self, context: context)
        var errors = FieldErrors()
        let method = body.valuationMethod.map(QOFValuationMethod.init(rawValue:)) ?? fund.valuationMethod
        if method == nil { errors.add("valuation_method", "must be financial_statement or cost") }
        if (body.contributions?.count ?? 0) > AssetTestStore.maximumContributions {
            errors.add("contributions", "must list at most \(AssetTestStore.maximumContributions) contributions")
        }
        let record = AssetTestRecord(
            testDate: date.date, method: method ?? fund.valuationMethod, qualifying: body.qualifyingAssets, total: body.totalAssets,
            cashHeld: body.cashHeld ?? .zero, contributions: body.contributions, excludeRecentCash: body.excludeRecentCash ?? true,
            updatedAt: self.clock.now
        )
        errors.add(contentsOf: AssetTest.validate(record.input(ledger: [])))
        try errors.check()
        try await self.tests.save(fund.offeringId, record, logger: context.logger)
        return try await self.document(fund, record, date, end, deploy: nil, context: context)
    }

    @Sendable func whatIf(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let fund = try await self.fund(context)
        let (date, end) = try self.testDate(fund, context)
        let body = try await request.decode(as: WhatIfBody.self, context: context)
        guard let record = try await self.tests.find(fund.offeringId, on: date.date, logger: context.logger) else {
            throw Problem.notFound("No values have been entered for this test date yet; PUT them first.")
        }
        return try await self.document(fund, record, date, end, deploy: body.deployAmount, context: context)
    }

    @Sendable func form8996(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let csv = try FormDownload.wantsCSV(request)
        let fund = try await self.fund(context)
        guard let year = context.parameters.get("year").flatMap({ Int($0) }), (2018...2100).contains(year) else {
            throw Problem.validation(field: "year", "must be a year from 2018 to 2100 (the year the taxable year ends in)")
        }
        guard let (first, last) = fund.calendar.taxYear(endingIn: year) else {
            throw Problem.validation(field: "year", "must be a year from 2018 to 2100")
        }
        let records = try await self.tests.between(fund.offeringId, first.firstDay, last.lastDay, logger: context.logger)
        let ledger = try await self.tests.ledgerContributions(fund.offeringId, through: last.lastDay, logger: context.logger)
        guard let form = Form8996.build(fund: fund, year: year, records: records, ledger: ledger) else {
            throw Problem.notFound("The fund was not yet a QOF in the taxable year ending in \(year) (first QOF month \(fund.firstQofMonth)).")
        }
        return try FormDownload.response(form, csv: csv ? form.csv : nil, fileName: "form-8996-\(year).csv")
    }
}

/// Who may see and change an offering's fund compliance: its sponsor and admins. Anyone else who
/// can see the offering gets 403; anyone who cannot, the same 404 as an unknown id.
struct FundAccess: Sendable {
    let offerings: OfferingStore
    let funds: QOFFundStore

    func managedOffering(_ context: AuthenticatedContext) async throws -> Offering {
        let id = try context.parameters.uuid("offering_id", "offering")
        guard let offering = try await self.offerings.find(id, logger: context.logger), offering.isVisible(to: context.identity) else {
            throw Problem.notFound("No offering has this id.")
        }
        guard offering.canManage(context.identity) else {
            throw Problem.forbidden("Only the offering's sponsor or an admin may see or change its fund compliance.")
        }
        return offering
    }

    /// The fund, for its sponsor and admins; 404 when the offering is not set up as a QOF.
    func fund(_ context: AuthenticatedContext) async throws -> QOFFund { try await self.offeringAndFund(context).fund }

    func offeringAndFund(_ context: AuthenticatedContext) async throws -> (offering: Offering, fund: QOFFund) {
        let offering = try await self.managedOffering(context)
        guard let fund = try await self.funds.find(offering.id, logger: context.logger) else {
            throw Problem.notFound("This offering is not set up as a qualified opportunity fund; PUT its setup first.")
        }
        return (offering, fund)
    }
}
