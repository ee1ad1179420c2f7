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

    /// Gross potential rent − vacancy − concessions − bad debt + other income.
    var effectiveGrossIncome: Money {
        self.grossRentalIncome - self.vacancyLoss - self.concessions - self.badDebt + self.totalOtherIncome
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

    private static func ratio(_ numerator: Money, to denominator: Money) -> Decimal? {
        guard denominator > .zero else { return nil }
        return (Decimal(numerator.cents) / Decimal(denominator.cents)).roundedHalfUp(places: Self.places)
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
