import Foundation
import HTTPTypes
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The body of `PUT /v1/compliance/funds/{offering_id}/asset-tests/{test_date}`: the sponsor's
/// values on that test date. Contributions left out are taken from the fund's funded investments.
struct AssetTestBody: Decodable, Sendable {
    var valuationMethod: String?
    var qualifyingAssets: Money
    var totalAssets: Money
    var cashHeld: Money?
    var contributions: [DatedAmount]?
    var excludeRecentCash: Bool?
}

/// `POST …/what-if`: "if we deploy this much of the cash by the test date".
struct WhatIfBody: Decodable, Sendable {
    var deployAmount: Money
}

/// What is stored for one test date.
struct AssetTestRecord: Sendable {
    var testDate: CalendarDate
    var method: QOFValuationMethod
    var qualifying: Money
    var total: Money
    var cashHeld: Money
    /// Nil: from the ledger.
    var contributions: [DatedAmount]?
    var excludeRecentCash: Bool
    var updatedAt: Date

    func input(ledger: [DatedAmount]) -> AssetTest.Input {
        AssetTest.Input(
            testDate: self.testDate, method: self.method, qualifying: self.qualifying, total: self.total, cashHeld: self.cashHeld,
            contributions: self.contributions ?? ledger, excludeRecentCash: self.excludeRecentCash
        )
    }
}

/// One test date's answer on the wire.
struct AssetTestDocument: Encodable, Sendable {
    var offeringId: UUID
    var testDate: CalendarDate
    var taxableYearEnd: CalendarDate
    /// The QOF months this date stands for (Form 8996, Part IV).
    var months: [String]
    var valuationMethod: QOFValuationMethod
    var qualifyingAssets: Money
    var totalAssets: Money
    var cashHeld: Money
    var contributions: [DatedAmount]
    /// `entered` by the sponsor, or from the `ledger` (funded investments).
    var contributionsSource: String
    var excludeRecentCash: Bool
    var excludedCash: Money
    var testedTotal: Money
    var qualifyingPercent: Decimal?
    var meetsNinetyPercent: Bool
    var shortfall: Money
    var reason: String
    var citation: String
    var deployAmount: Money?
    var updatedAt: Date

    init(
        offeringId: UUID, record: AssetTestRecord, date: AssetTestDate, yearEnd: CalendarDate, ledger: [DatedAmount],
        result: AssetTest.Result, deployAmount: Money? = nil
    ) {
        self.offeringId = offeringId
        self.testDate = record.testDate
        self.taxableYearEnd = yearEnd
        self.months = date.months.map(\.description)
        self.valuationMethod = record.method
        self.qualifyingAssets = record.qualifying
        self.totalAssets = record.total
        self.cashHeld = record.cashHeld
        self.contributions = record.contributions ?? ledger
        self.contributionsSource = record.contributions == nil ? "ledger" : "entered"
        self.excludeRecentCash = record.excludeRecentCash
        self.excludedCash = result.excludedCash
        self.testedTotal = result.testedTotal
        self.qualifyingPercent = result.percent
        self.meetsNinetyPercent = result.meetsNinetyPercent
        self.shortfall = result.shortfall
        self.reason = result.reason
        self.citation = result.citation
        self.deployAmount = deployAmount
        self.updatedAt = record.updatedAt
    }
}

/// `investments.qof_asset_tests`, and the fund's contributions from its own ledger.
struct AssetTestStore: Sendable {
    let postgres: PostgresClient

    static let maximumContributions = 1000

    typealias Row = (String, String, Money, Money, Money, String?, Bool, Date)

    func find(_ offeringId: UUID, on testDate: CalendarDate, logger: Logger) async throws -> AssetTestRecord? {
        try await self.between(offeringId, testDate, testDate, logger: logger).first
    }

    /// Every stored test date of the fund between two days, both included.
    func between(_ offeringId: UUID, _ first: CalendarDate, _ last: CalendarDate, logger: Logger) async throws -> [AssetTestRecord] {
        let rows = try await self.postgres.query(
            """
            SELECT test_date::text, valuation_method, qualifying_assets, total_assets, cash_held, contributions::text,
                   exclude_recent_cash, updated_at
            FROM investments.qof_asset_tests
            WHERE offering_id = \(offeringId) AND test_date BETWEEN \(first.description)::date AND \(last.description)::date
            ORDER BY test_date
            """,
            logger: logger
        )
        var records: [AssetTestRecord] = []
        for try await row in rows.decode(Row.self) { records.append(try Self.record(row)) }
        return records
    }

    static func record(_ row: Row) throws -> AssetTestRecord {
        guard let date = CalendarDate(row.0), let method = QOFValuationMethod(rawValue: row.1) else {
            throw Problem(.internalServerError, detail: "A stored asset test could not be read.")
        }
        let contributions = try row.5.map { try JSONDecoder.tract.decode([DatedAmount].self, from: Data($0.utf8)) }
        return AssetTestRecord(
            testDate: date, method: method, qualifying: row.2, total: row.3, cashHeld: row.4, contributions: contributions,
            excludeRecentCash: row.6, updatedAt: row.7
        )
    }

    func save(_ offeringId: UUID, _ record: AssetTestRecord, logger: Logger) async throws {
        let contributions = try record.contributions.map { String(decoding: try JSONEncoder.tract.encode($0), as: UTF8.self) }
        try await self.postgres.query(
            """
            INSERT INTO investments.qof_asset_tests
                (offering_id, test_date, valuation_method, qualifying_assets, total_assets, cash_held, contributions,
                 exclude_recent_cash, updated_at)
            VALUES (\(offeringId), \(record.testDate.description)::date, \(record.method.rawValue), \(record.qualifying),
                    \(record.total), \(record.cashHeld), \(contributions)::jsonb, \(record.excludeRecentCash), \(record.updatedAt))
            ON CONFLICT (offering_id, test_date) DO UPDATE SET
                valuation_method = EXCLUDED.valuation_method, qualifying_assets = EXCLUDED.qualifying_assets,
                total_assets = EXCLUDED.total_assets, cash_held = EXCLUDED.cash_held, contributions = EXCLUDED.contributions,
                exclude_recent_cash = EXCLUDED.exclude_recent_cash, updated_at = EXCLUDED.updated_at
            """,
            logger: logger
        )
    }

    /// New capital from the ledger: each funded (or since exited) investment in the offering, on
    /// its funding date, up to `through`.
    func ledgerContributions(_ offeringId: UUID, through day: CalendarDate, logger: Logger) async throws -> [DatedAmount] {
        let rows = try await self.postgres.query(
            """
            SELECT funding_date::text, amount FROM investments.investments
            WHERE offering_id = \(offeringId) AND status IN ('funded', 'exited') AND funding_date IS NOT NULL
              AND funding_date <= \(day.description)::date
            ORDER BY funding_date, id
            """,
            logger: logger
        )
        var found: [DatedAmount] = []
        for try await (date, amount) in rows.decode((String, Money).self) {
            if let on = CalendarDate(date) { found.append(DatedAmount(on: on, amount: amount)) }
        }
        return found
    }
}
