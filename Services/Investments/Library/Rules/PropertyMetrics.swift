import Foundation
import Models

/// One period's income, by the columns of seed 001 `financials.property_income`. The seed has no
/// bad-debt column; `badDebt` (rent billed but never collected) is here because effective gross
/// income deducts it, and is zero until the table records it.
struct PropertyIncome: Sendable, Equatable {
    var grossRentalIncome: Money
    var vacancyLoss: Money = .zero
    var concessions: Money = .zero
    var badDebt: Money = .zero
    var parkingIncome: Money = .zero
    var laundryIncome: Money = .zero
    var petIncome: Money = .zero
    var applicationFees: Money = .zero
    var lateFees: Money = .zero
    var otherIncome: Money = .zero

    /// Everything but rent (the seed's "Other income" group).
    var totalOtherIncome: Money {
        self.parkingIncome + self.laundryIncome + self.petIncome + self.applicationFees + self.lateFees + self.otherIncome
    }

    /// What occupied units were billed: gross potential rent − vacancy − concessions. Collections
    /// are measured against it (bad debt is billed rent that was not collected).
    var rentBilled: Money { self.grossRentalIncome - self.vacancyLoss - self.concessions }

    /// The seed's `effective_rental_income`: rent billed − bad debt.
    var effectiveRentalIncome: Money { self.rentBilled - self.badDebt }

    /// Gross potential rent − vacancy − concessions − bad debt + other income; the seed's `total_income`.
    var effectiveGrossIncome: Money { self.effectiveRentalIncome + self.totalOtherIncome }

    /// The parts, by their seed 001 column (also the JSON key): what a client sends and the table
    /// stores. The totals are never among them; they are computed from these.
    static var columns: [(name: String, path: WritableKeyPath<PropertyIncome, Money>)] {
        [
            ("gross_rental_income", \.grossRentalIncome), ("vacancy_loss", \.vacancyLoss), ("concessions", \.concessions),
            ("bad_debt", \.badDebt), ("parking_income", \.parkingIncome), ("laundry_income", \.laundryIncome),
            ("pet_income", \.petIncome), ("application_fees", \.applicationFees), ("late_fees", \.lateFees),
            ("other_income", \.otherIncome),
        ]
    }
}

/// One period's expenses, by the columns of seed 001 `financials.property_expenses`. Only the
/// operating group enters NOI; capital improvements and the mortgage are below the line.
struct PropertyExpenses: Sendable, Equatable {
    var propertyManagement: Money = .zero
    var maintenanceRepairs: Money = .zero
    var utilities: Money = .zero
    var insurance: Money = .zero
    var propertyTaxes: Money = .zero
    var payroll: Money = .zero
    var advertising: Money = .zero
    var legalProfessional: Money = .zero
    var landscaping: Money = .zero
    var capitalImprovements: Money = .zero
    var mortgagePrincipal: Money = .zero
    var mortgageInterest: Money = .zero

    var operatingExpenses: Money {
        self.propertyManagement + self.maintenanceRepairs + self.utilities + self.insurance + self.propertyTaxes
            + self.payroll + self.advertising + self.legalProfessional + self.landscaping
    }

    /// Principal plus interest: what DSCR and cash-on-cash measure against.
    var debtService: Money { self.mortgagePrincipal + self.mortgageInterest }

    /// The seed's `total_expenses`: operating, capital and debt service together.
    var totalExpenses: Money { self.operatingExpenses + self.capitalImprovements + self.debtService }

    /// The parts, by their seed 001 column (also the JSON key); the totals are computed from these.
    static var columns: [(name: String, path: WritableKeyPath<PropertyExpenses, Money>)] {
        [
            ("property_management", \.propertyManagement), ("maintenance_repairs", \.maintenanceRepairs),
            ("utilities", \.utilities), ("insurance", \.insurance), ("property_taxes", \.propertyTaxes), ("payroll", \.payroll),
            ("advertising", \.advertising), ("legal_professional", \.legalProfessional), ("landscaping", \.landscaping),
            ("capital_improvements", \.capitalImprovements), ("mortgage_principal", \.mortgagePrincipal),
            ("mortgage_interest", \.mortgageInterest),
        ]
    }
}

/// The ratios of seed 001 `financials.property_performance`, as fractions (0.065 is 6.5%)
/// rounded half-up to 6 places. A ratio with a zero or negative denominator is nil: there is no
/// cap rate without a value, and no coverage without debt.
enum PropertyMetrics {
    static let places = 6

    static func netOperatingIncome(_ income: PropertyIncome, _ expenses: PropertyExpenses) -> Money {
        income.effectiveGrossIncome - expenses.operatingExpenses
    }

    /// NOI ÷ property value.
    static func capRate(netOperatingIncome: Money, value: Money) -> Decimal? {
        Self.ratio(netOperatingIncome, to: value)
    }

    /// NOI ÷ annual debt service.
    static func debtServiceCoverage(netOperatingIncome: Money, debtService: Money) -> Decimal? {
        Self.ratio(netOperatingIncome, to: debtService)
    }

    /// (NOI − debt service) ÷ equity invested: the cash yield before tax.
    static func cashOnCash(netOperatingIncome: Money, debtService: Money, equity: Money) -> Decimal? {
        Self.ratio(netOperatingIncome - debtService, to: equity)
    }

    /// Physical occupancy: occupied units ÷ units.
    static func occupancy(occupied: Int, of units: Int) -> Decimal? {
        Self.ratio(Decimal(occupied), to: Decimal(units))
    }

    /// Rent collected ÷ rent billed; above 1 when arrears were collected.
    static func collectionRate(collected: Money, billed: Money) -> Decimal? {
        Self.ratio(collected, to: billed)
    }

    private static func ratio(_ numerator: Money, to denominator: Money) -> Decimal? {
        Self.ratio(Decimal(numerator.cents), to: Decimal(denominator.cents))
    }

    private static func ratio(_ numerator: Decimal, to denominator: Decimal) -> Decimal? {
        guard denominator > 0 else { return nil }
        return (numerator / denominator).roundedHalfUp(places: Self.places)
    }
}

/// A period's headline numbers, response-shaped (seed 001 `financials.property_performance`:
/// `noi`, `cap_rate`, `cash_on_cash_return`, `debt_service_coverage`).
struct PropertyPerformance: Codable, Sendable, Equatable {
    var noi: Money
    var capRate: Decimal?
    var cashOnCashReturn: Decimal?
    var debtServiceCoverage: Decimal?

    init(income: PropertyIncome, expenses: PropertyExpenses, value: Money, equity: Money) {
        let noi = PropertyMetrics.netOperatingIncome(income, expenses)
        self.noi = noi
        self.capRate = PropertyMetrics.capRate(netOperatingIncome: noi, value: value)
        self.cashOnCashReturn = PropertyMetrics.cashOnCash(
            netOperatingIncome: noi, debtService: expenses.debtService, equity: equity)
        self.debtServiceCoverage = PropertyMetrics.debtServiceCoverage(netOperatingIncome: noi, debtService: expenses.debtService)
    }
}
