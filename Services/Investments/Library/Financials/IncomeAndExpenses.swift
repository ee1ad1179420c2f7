import Foundation
import Hummingbird
import Models
import ServiceKit

/// A property's income for one period (seed 001 `financials.property_income`): the parts a sponsor
/// sends (left out or null is 0; `gross_rental_income` is required) and the totals the server
/// computes from them. One record per property and period.
enum IncomeRecord: FinancialRecord {
    static let noun = "income record"
    static let table = "financials.property_income"
    static let rowDocument = "financials.income_document"
    static let readers = FinancialsAccess.Need.readRecords
    static let writable = ["period_start", "period_end"] + PropertyIncome.columns.map(\.name)
    static let stored = Self.writable + ["effective_rental_income", "total_income"]
    static let derived: Set<String> = ["id", "property_id", "effective_rental_income", "total_income", "created_at", "updated_at"]
    static let order = PeriodOrder.newestFirst(Self.table)
    static let conflict = "This property already has an income record for this period; change that one instead."

    static func columns(from body: JSONValue) throws -> [FinancialColumn] {
        var fields = try BodyFields(body, allowed: Set(Self.writable), derived: Self.derived)
        let period = fields.period()
        var income = PropertyIncome(grossRentalIncome: .zero)
        for part in PropertyIncome.columns {
            if let amount = fields.money(part.name, required: part.name == "gross_rental_income") { income[keyPath: part.path] = amount }
        }
        try fields.check()
        let deductions = income.vacancyLoss + income.concessions + income.badDebt
        if deductions > income.grossRentalIncome {
            fields.add("gross_rental_income", "must be at least vacancy_loss + concessions + bad_debt (\(deductions)): they come out of it")
        }
        fields.total("total_income", income.effectiveGrossIncome)
        try fields.check()
        guard let period else { throw Problem.validation(field: "period_start", "is required") }
        return PeriodOrder.columns(period)
            + PropertyIncome.columns.map { FinancialColumn($0.name, .money(income[keyPath: $0.path])) }
            + [
                FinancialColumn("effective_rental_income", .money(income.effectiveRentalIncome)),
                FinancialColumn("total_income", .money(income.effectiveGrossIncome)),
            ]
    }
}

/// A property's expenses for one period (seed 001 `financials.property_expenses`): every part left
/// out or null is 0. Operating expenses are what NOI deducts; capital improvements and the mortgage
/// (debt service) are below that line and count only in `total_expenses`.
enum ExpensesRecord: FinancialRecord {
    static let noun = "expenses record"
    static let table = "financials.property_expenses"
    static let rowDocument = "financials.expenses_document"
    static let readers = FinancialsAccess.Need.readRecords
    static let writable = ["period_start", "period_end"] + PropertyExpenses.columns.map(\.name)
    static let stored = Self.writable + ["total_operating_expenses", "total_expenses"]
    static let derived: Set<String> = ["id", "property_id", "total_operating_expenses", "total_expenses", "created_at", "updated_at"]
    static let order = PeriodOrder.newestFirst(Self.table)
    static let conflict = "This property already has an expenses record for this period; change that one instead."

    static func columns(from body: JSONValue) throws -> [FinancialColumn] {
        var fields = try BodyFields(body, allowed: Set(Self.writable), derived: Self.derived)
        let period = fields.period()
        var expenses = PropertyExpenses()
        for part in PropertyExpenses.columns {
            if let amount = fields.money(part.name) { expenses[keyPath: part.path] = amount }
        }
        try fields.check()
        fields.total("total_expenses", expenses.totalExpenses)
        try fields.check()
        guard let period else { throw Problem.validation(field: "period_start", "is required") }
        return PeriodOrder.columns(period)
            + PropertyExpenses.columns.map { FinancialColumn($0.name, .money(expenses[keyPath: $0.path])) }
            + [
                FinancialColumn("total_operating_expenses", .money(expenses.operatingExpenses)),
                FinancialColumn("total_expenses", .money(expenses.totalExpenses)),
            ]
    }
}

/// What the kinds kept per period share: their order and their period columns.
enum PeriodOrder {
    /// Newest period first: by start, then end (unique within a property with the id as tie-break);
    /// `YYYY-MM-DD/YYYY-MM-DD` sorts as text the way the periods sort as dates. Named by the
    /// kind's table, so one kind's cursor is refused by another's list.
    static func newestFirst(_ table: String) -> Keyset {
        Keyset(table, key: "x.period_start::text || '/' || x.period_end::text", type: "text", descending: true)
    }

    static func columns(_ period: FinancialPeriod) -> [FinancialColumn] {
        [FinancialColumn("period_start", .date(period.start)), FinancialColumn("period_end", .date(period.end))]
    }
}
