import Foundation
import Hummingbird
import Models
import ServiceKit

/// A property's performance for one period (seed 001 `financials.property_performance`). The sponsor
/// records what only they know — `property_value`, `equity`, `units_total`, `units_occupied`,
/// `rent_collected`, each optional — and recording it is what shows the period to the property's
/// investors. NOI and the ratios are derived on every read from that period's income and expenses
/// records (`PeriodPerformance`), so correcting an expense corrects the cap rate at once, and every
/// response carries the inputs it was computed from.
enum PerformanceRecord: FinancialRecord {
    static let noun = "performance record"
    static let table = "financials.property_performance"
    static let rowDocument = "financials.performance_document"
    static let readers = FinancialsAccess.Need.readPerformance
    static let writable = ["period_start", "period_end", "property_value", "equity", "units_total", "units_occupied", "rent_collected"]
    static let stored = Self.writable
    static let derived: Set<String> = [
        "id", "property_id", "period_type", "effective_gross_income", "operating_expenses", "debt_service", "noi", "annualized_noi",
        "cap_rate", "debt_service_coverage", "cash_on_cash_return", "occupancy_rate", "collection_rate", "unavailable",
        "created_at", "updated_at",
    ]
    static let order = PeriodOrder.newestFirst(Self.table)
    static let conflict = "This property already has a performance record for this period; change that one instead."

    static func columns(from body: JSONValue) throws -> [FinancialColumn] {
        var fields = try BodyFields(body, allowed: Set(Self.writable), derived: Self.derived)
        let period = fields.period()
        // A value or equity of 0 would only make its ratio unavailable; refused so the sponsor
        // learns at once rather than from a null.
        let value = fields.money("property_value", positive: true)
        let equity = fields.money("equity", positive: true)
        let units = fields.integer("units_total", in: 0...100_000)
        let occupied = fields.integer("units_occupied", in: 0...100_000)
        let collected = fields.money("rent_collected")
        if let occupied {
            if let units {
                if occupied > units { fields.add("units_occupied", "must be at most units_total (\(units))") }
            } else {
                fields.add("units_occupied", "needs units_total")
            }
        }
        try fields.check()
        guard let period else { throw Problem.validation(field: "period_start", "is required") }
        return PeriodOrder.columns(period) + [
            FinancialColumn("property_value", .money(value)), FinancialColumn("equity", .money(equity)),
            FinancialColumn("units_total", .integer(units)), FinancialColumn("units_occupied", .integer(occupied)),
            FinancialColumn("rent_collected", .money(collected)),
        ]
    }

    /// The row with the same period's income and expenses documents, if recorded.
    static var select: String {
        let samePeriod = "x.property_id = r.property_id AND x.period_start = r.period_start AND x.period_end = r.period_end"
        return """
            jsonb_build_object(
                'row', financials.performance_document(x),
                'income', (SELECT financials.income_document(r) FROM financials.property_income r WHERE \(samePeriod)),
                'expenses', (SELECT financials.expenses_document(r) FROM financials.property_expenses r WHERE \(samePeriod)))
            """
    }

    static func render(_ selected: String) throws -> String {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(selected.utf8))
        guard let row = value["row"], let id = row.uuid("id"), let property = row.uuid("property_id"),
            let start = row.date("period_start"), let end = row.date("period_end"), let period = FinancialPeriod(start: start, end: end),
            let createdAt = row.text("created_at"), let updatedAt = row.text("updated_at")
        else { throw StoredDocumentError(document: "performance") }
        var figures = PeriodFigures(period: period)
        figures.stated = StatedFigures(
            propertyValue: row.money("property_value"), equity: row.money("equity"), unitsTotal: row.integer("units_total"),
            unitsOccupied: row.integer("units_occupied"), rentCollected: row.money("rent_collected")
        )
        if let stored = value["income"], stored != .null {
            var income = PropertyIncome(grossRentalIncome: .zero)
            for part in PropertyIncome.columns { income[keyPath: part.path] = try stored.requiredMoney(part.name) }
            figures.income = income
        }
        if let stored = value["expenses"], stored != .null {
            var expenses = PropertyExpenses()
            for part in PropertyExpenses.columns { expenses[keyPath: part.path] = try stored.requiredMoney(part.name) }
            figures.expenses = expenses
        }
        let document = PerformanceDocument(
            id: id, propertyId: property, performance: PeriodPerformance(figures), createdAt: createdAt, updatedAt: updatedAt
        )
        return String(decoding: try JSONEncoder.tract.encode(document), as: UTF8.self)
    }
}

/// A period's performance as sent: the record's identity and times around the derived figures.
struct PerformanceDocument: Encodable {
    var id: UUID
    var propertyId: UUID
    var performance: PeriodPerformance
    /// As Postgres wrote them in the row document, like every other document's.
    var createdAt: String
    var updatedAt: String

    func encode(to encoder: any Encoder) throws {
        try self.performance.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        // Lower-case, as Postgres writes every other document's ids.
        try container.encode(self.id.uuidString.lowercased(), forKey: .id)
        try container.encode(self.propertyId.uuidString.lowercased(), forKey: .propertyId)
        try container.encode(self.createdAt, forKey: .createdAt)
        try container.encode(self.updatedAt, forKey: .updatedAt)
    }

    enum CodingKeys: CodingKey { case id, propertyId, createdAt, updatedAt }
}

/// A document this service wrote to Postgres did not read back: a bug, not a client's mistake.
struct StoredDocumentError: Error, CustomStringConvertible {
    var document: String
    var description: String { "a stored \(self.document) document did not have the expected shape" }
}

extension JSONValue {
    fileprivate func text(_ key: String) -> String? {
        if case .string(let text)? = self[key] { return text }
        return nil
    }

    fileprivate func uuid(_ key: String) -> UUID? { self.text(key).flatMap(UUID.init(uuidString:)) }
    fileprivate func date(_ key: String) -> CalendarDate? { self.text(key).flatMap { CalendarDate($0) } }
    fileprivate func money(_ key: String) -> Money? { self.text(key).flatMap { Money($0) } }

    fileprivate func integer(_ key: String) -> Int? {
        if case .number(let number)? = self[key] { return Int(exactly: number) }
        return nil
    }

    fileprivate func requiredMoney(_ key: String) throws -> Money {
        guard let money = self.money(key) else { throw StoredDocumentError(document: key) }
        return money
    }
}
