import Foundation
import Hummingbird
import Models
import ServiceKit

/// A property's rent roll (seed 001 `financials.rent_roll`): one row per unit on each as-of date —
/// the tenant (null when the unit is vacant), the lease, the rent and deposit, what the tenant owes
/// (negative when in credit) and for how many days. Listed newest date first, units in number
/// order; `?as_of_date=` gives one date's roll. Tenants' names are personal data: only the sponsor
/// and admins read a roll.
///
/// `unit_id` is the unit's id in the properties service. It is kept as sent, with the
/// `unit_number` the sponsor gives it: properties has no service route for units to check it
/// against, and a row must stay readable if the unit is later renumbered or removed there.
enum RentRollRecord: FinancialRecord {
    static let noun = "rent roll row"
    static let table = "financials.rent_roll"
    static let rowDocument = "financials.rent_roll_document"
    static let readers = FinancialsAccess.Need.readRecords
    static let writable = [
        "as_of_date", "unit_id", "unit_number", "tenant_name", "lease_start", "lease_end", "monthly_rent", "security_deposit",
        "current_balance", "days_delinquent",
    ]
    static let stored = Self.writable
    static let derived: Set<String> = ["id", "property_id", "created_at", "updated_at"]
    /// Newest date first, then unit number: the days from the date to 9999-12-31, zero-padded,
    /// sort ascending as the dates sort descending, so one ascending key gives both.
    static let order = Keyset(
        Self.table, key: "lpad((date '9999-12-31' - x.as_of_date)::text, 7, '0') || '/' || x.unit_number", type: "text", descending: false
    )
    static let conflict = "This rent roll already has a row for this unit (unit_id or unit_number) on this date; change that one instead."

    static func columns(from body: JSONValue) throws -> [FinancialColumn] {
        var fields = try BodyFields(body, allowed: Set(Self.writable), derived: Self.derived)
        let asOf = fields.date("as_of_date", required: true)
        let unit = fields.uuid("unit_id", required: true)
        let number = fields.text("unit_number", max: 50, required: true)
        let tenant = fields.text("tenant_name", max: 255)
        let leaseStart = fields.date("lease_start")
        let leaseEnd = fields.date("lease_end")
        let rent = fields.money("monthly_rent")
        let deposit = fields.money("security_deposit")
        let balance = fields.money("current_balance", signed: true)
        let late = fields.integer("days_delinquent", in: 0...36_500)
        if let leaseStart, let leaseEnd, leaseEnd < leaseStart {
            fields.add("lease_end", "must be on or after lease_start (\(leaseStart))")
        }
        try fields.check()
        return [
            FinancialColumn("as_of_date", .date(asOf)), FinancialColumn("unit_id", .uuid(unit)),
            FinancialColumn("unit_number", .text(number)), FinancialColumn("tenant_name", .text(tenant)),
            FinancialColumn("lease_start", .date(leaseStart)), FinancialColumn("lease_end", .date(leaseEnd)),
            FinancialColumn("monthly_rent", .money(rent)), FinancialColumn("security_deposit", .money(deposit)),
            FinancialColumn("current_balance", .money(balance ?? .zero)), FinancialColumn("days_delinquent", .integer(late ?? 0)),
        ]
    }

    /// `?as_of_date=YYYY-MM-DD`: one date's roll.
    static func filters(_ query: Parameters, _ binds: inout SQLBinds) throws -> [String] {
        guard let raw = query["as_of_date"] else { return [] }
        guard let date = CalendarDate(raw) else {
            throw Problem.validation(field: "as_of_date", "must be a date such as 2025-01-31 (YYYY-MM-DD)")
        }
        return ["x.as_of_date = \(binds.add(date.description))::date"]
    }
}
