import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// How a QOF holds its zone property: directly (QOZ business property) or through a QOZ business
/// (stock or partnership interests, §1400Z-2(d)(2)(B)–(C)), where the QOZB tests apply.
enum QOFHolding: String, Sendable, Codable {
    case direct
    case qozb
}

enum QOFEntityType: String, Sendable, Codable {
    case partnership
    case corporation
}

/// The body of `PUT /v1/compliance/funds/{offering_id}`. Every field is a string or number the
/// handler checks itself, so a wrong value is a 422 naming the field, not a decoding failure.
struct QOFSetupBody: Decodable, Sendable {
    var entityType: String?
    var taxYearEndMonth: Int?
    /// `YYYY-MM`.
    var firstQofMonth: String?
    var selfCertifiedOn: CalendarDate?
    var holds: String?
    var valuationMethod: String?
}

/// An offering set up as a qualified opportunity fund.
struct QOFFund: Sendable, Codable, Equatable {
    var offeringId: UUID
    var entityType: QOFEntityType
    var taxYearEndMonth: Int
    var firstQofMonth: String
    var selfCertifiedOn: CalendarDate
    var holds: QOFHolding
    var valuationMethod: QOFValuationMethod
    var updatedAt: Date

    var calendar: QOFCalendar {
        QOFCalendar(taxYearEndMonth: self.taxYearEndMonth, firstQOFMonth: ComplianceMonth(parsing: self.firstQofMonth)!)
    }

    static func parse(_ body: QOFSetupBody, offeringId: UUID, now: Date) throws -> QOFFund {
        var errors = FieldErrors()
        let entity = body.entityType.flatMap(QOFEntityType.init(rawValue:))
        if entity == nil { errors.add("entity_type", "must be partnership or corporation") }
        if !(1...12).contains(body.taxYearEndMonth ?? 0) { errors.add("tax_year_end_month", "must be a month number from 1 to 12") }
        let month = body.firstQofMonth.flatMap(ComplianceMonth.init(parsing:))
        switch month {
        case nil: errors.add("first_qof_month", "must be a month such as 2025-04 (YYYY-MM)")
        case let month? where month < ComplianceMonth(year: 2018, month: 1)!:
            errors.add("first_qof_month", "must be 2018-01 or later (§1400Z-2 took effect in 2018)")
        default: break
        }
        switch body.selfCertifiedOn {
        case nil: errors.add("self_certified_on", "is required (YYYY-MM-DD)")
        case let day? where day < OZTaxRules.enactmentDate: errors.add("self_certified_on", "must be on or after 2017-12-22")
        default: break
        }
        let holds = body.holds.flatMap(QOFHolding.init(rawValue:))
        if holds == nil { errors.add("holds", "must be direct or qozb") }
        let method = body.valuationMethod.flatMap(QOFValuationMethod.init(rawValue:))
        if method == nil { errors.add("valuation_method", "must be financial_statement or cost") }
        try errors.check()
        return QOFFund(
            offeringId: offeringId, entityType: entity!, taxYearEndMonth: body.taxYearEndMonth!, firstQofMonth: month!.description,
            selfCertifiedOn: body.selfCertifiedOn!, holds: holds!, valuationMethod: method!, updatedAt: now
        )
    }
}

extension ComplianceMonth {
    /// Exactly `YYYY-MM`.
    init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1])
        else { return nil }
        self.init(year: year, month: month)
    }
}

/// `investments.qof_funds`: read and written only by the compliance routes.
struct QOFFundStore: Sendable {
    let postgres: PostgresClient

    typealias Row = (UUID, String, Int16, String, String, String, String, Date)

    static let select = """
        SELECT offering_id, entity_type, tax_year_end_month, to_char(first_qof_month, 'YYYY-MM'), self_certified_on::text,
               holds, valuation_method, updated_at
        FROM investments.qof_funds
        """

    static func fund(_ row: Row) -> QOFFund? {
        guard let entity = QOFEntityType(rawValue: row.1), let certified = CalendarDate(row.4), let holds = QOFHolding(rawValue: row.5),
            let method = QOFValuationMethod(rawValue: row.6)
        else { return nil }
        return QOFFund(
            offeringId: row.0, entityType: entity, taxYearEndMonth: Int(row.2), firstQofMonth: row.3, selfCertifiedOn: certified,
            holds: holds, valuationMethod: method, updatedAt: row.7
        )
    }

    func find(_ offeringId: UUID, logger: Logger) async throws -> QOFFund? {
        let rows = try await self.postgres.query("\(unescaped: Self.select) WHERE offering_id = \(offeringId)", logger: logger)
        for try await row in rows.decode(Row.self) { return Self.fund(row) }
        return nil
    }

    /// Inserts or replaces the setup; returns what is stored.
    func save(_ fund: QOFFund, logger: Logger) async throws -> QOFFund {
        let month = "\(fund.firstQofMonth)-01"
        try await self.postgres.query(
            """
            INSERT INTO investments.qof_funds
                (offering_id, entity_type, tax_year_end_month, first_qof_month, self_certified_on, holds, valuation_method, updated_at)
            VALUES (\(fund.offeringId), \(fund.entityType.rawValue), \(Int16(fund.taxYearEndMonth)), \(month)::date,
                    \(fund.selfCertifiedOn.description)::date, \(fund.holds.rawValue), \(fund.valuationMethod.rawValue), \(fund.updatedAt))
            ON CONFLICT (offering_id) DO UPDATE SET
                entity_type = EXCLUDED.entity_type, tax_year_end_month = EXCLUDED.tax_year_end_month,
                first_qof_month = EXCLUDED.first_qof_month, self_certified_on = EXCLUDED.self_certified_on,
                holds = EXCLUDED.holds, valuation_method = EXCLUDED.valuation_method, updated_at = EXCLUDED.updated_at
            """,
            logger: logger
        )
        guard let stored = try await self.find(fund.offeringId, logger: logger) else {
            throw Problem.conflict("The fund could not be read back; try again.")
        }
        return stored
    }
}
