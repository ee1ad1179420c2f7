import Foundation
import Models

/// What a sponsor states about a period besides its income and expenses (`financials.property_performance`):
/// the property's value and the equity in it, occupancy, and rent collected. Each may be unknown.
struct StatedFigures: Sendable, Equatable {
    var propertyValue: Money?
    var equity: Money?
    var unitsTotal: Int?
    var unitsOccupied: Int?
    var rentCollected: Money?
}

/// One period as recorded: income, expenses and stated figures, any of which may be missing.
struct PeriodFigures: Sendable, Equatable {
    var period: FinancialPeriod
    var income: PropertyIncome?
    var expenses: PropertyExpenses?
    var stated: StatedFigures = StatedFigures()
}

/// A period's performance (seed 001 `financials.property_performance`), derived from what was
/// recorded rather than stored, so a corrected figure never leaves a stale ratio behind. Rates are
/// fractions (0.065 is 6.5%) to six places, as `PropertyMetrics` gives them. A figure whose inputs
/// are missing, or whose denominator is zero (no debt, no value, no units), is null, and
/// `unavailable` says why in words a sponsor can act on — never a division by zero.
///
/// Cap rate and cash-on-cash are yearly yields: they take the period's NOI and debt service
/// annualised (`FinancialPeriod.annualizationFactor`). DSCR and the occupancy and collection rates
/// compare figures of the same period and need no annualising.
struct PeriodPerformance: Encodable, Sendable, Equatable {
    var periodStart: CalendarDate
    var periodEnd: CalendarDate
    var periodType: String
    var effectiveGrossIncome: Money?
    var operatingExpenses: Money?
    var debtService: Money?
    var noi: Money?
    var annualizedNoi: Money?
    var propertyValue: Money?
    var equity: Money?
    var unitsTotal: Int?
    var unitsOccupied: Int?
    var rentCollected: Money?
    var capRate: Decimal?
    var debtServiceCoverage: Decimal?
    var cashOnCashReturn: Decimal?
    var occupancyRate: Decimal?
    var collectionRate: Decimal?
    /// Each null figure above (by its JSON key) with the reason it is null.
    var unavailable: [String: String] = [:]

    init(_ figures: PeriodFigures) {
        let period = figures.period
        let stated = figures.stated
        self.periodStart = period.start
        self.periodEnd = period.end
        self.periodType = period.type
        self.effectiveGrossIncome = figures.income?.effectiveGrossIncome
        self.operatingExpenses = figures.expenses?.operatingExpenses
        self.debtService = figures.expenses?.debtService
        self.propertyValue = stated.propertyValue
        self.equity = stated.equity
        self.unitsTotal = stated.unitsTotal
        self.unitsOccupied = stated.unitsOccupied
        self.rentCollected = stated.rentCollected

        if let occupied = stated.unitsOccupied, let units = stated.unitsTotal {
            self.occupancyRate = PropertyMetrics.occupancy(occupied: occupied, of: units)
            if self.occupancyRate == nil { self.unavailable["occupancy_rate"] = "units_total is 0" }
        } else {
            self.unavailable["occupancy_rate"] = "needs units_total and units_occupied"
        }

        if let collected = stated.rentCollected, let income = figures.income {
            self.collectionRate = PropertyMetrics.collectionRate(collected: collected, billed: income.rentBilled)
            if self.collectionRate == nil {
                self.unavailable["collection_rate"] = "no rent was billed (gross_rental_income − vacancy_loss − concessions is not above 0)"
            }
        } else {
            self.unavailable["collection_rate"] = "needs rent_collected and this period's income"
        }

        guard let income = figures.income, let expenses = figures.expenses else {
            let missing = figures.income == nil && figures.expenses == nil ? "income and expenses" : figures.income == nil ? "income" : "expenses"
            for key in ["noi", "annualized_noi", "cap_rate", "debt_service_coverage", "cash_on_cash_return"] {
                self.unavailable[key] = "needs this period's \(missing)"
            }
            return
        }
        let noi = PropertyMetrics.netOperatingIncome(income, expenses)
        let factor = period.annualizationFactor
        self.noi = noi
        self.debtServiceCoverage = PropertyMetrics.debtServiceCoverage(netOperatingIncome: noi, debtService: expenses.debtService)
        if self.debtServiceCoverage == nil {
            self.unavailable["debt_service_coverage"] = "no debt service in this period (mortgage_principal + mortgage_interest is 0)"
        }
        self.annualizedNoi = noi.multiplied(by: factor)
        let annualDebtService = expenses.debtService.multiplied(by: factor)
        guard let annualNOI = self.annualizedNoi, let annualDebtService else {
            for key in ["annualized_noi", "cap_rate", "cash_on_cash_return"] {
                self.unavailable[key] = "the period's figures, annualised, are beyond what an amount can hold"
            }
            return
        }
        if let value = stated.propertyValue {
            self.capRate = PropertyMetrics.capRate(netOperatingIncome: annualNOI, value: value)
            if self.capRate == nil { self.unavailable["cap_rate"] = "property_value is not above 0" }
        } else {
            self.unavailable["cap_rate"] = "needs property_value"
        }
        if let equity = stated.equity {
            self.cashOnCashReturn = PropertyMetrics.cashOnCash(netOperatingIncome: annualNOI, debtService: annualDebtService, equity: equity)
            if self.cashOnCashReturn == nil { self.unavailable["cash_on_cash_return"] = "equity is not above 0" }
        } else {
            self.unavailable["cash_on_cash_return"] = "needs equity"
        }
    }

    // Written out so that an unknown figure is `null` rather than a missing key.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.periodStart, forKey: .periodStart)
        try container.encode(self.periodEnd, forKey: .periodEnd)
        try container.encode(self.periodType, forKey: .periodType)
        try container.encode(self.effectiveGrossIncome, forKey: .effectiveGrossIncome)
        try container.encode(self.operatingExpenses, forKey: .operatingExpenses)
        try container.encode(self.debtService, forKey: .debtService)
        try container.encode(self.noi, forKey: .noi)
        try container.encode(self.annualizedNoi, forKey: .annualizedNoi)
        try container.encode(self.propertyValue, forKey: .propertyValue)
        try container.encode(self.equity, forKey: .equity)
        try container.encode(self.unitsTotal, forKey: .unitsTotal)
        try container.encode(self.unitsOccupied, forKey: .unitsOccupied)
        try container.encode(self.rentCollected, forKey: .rentCollected)
        try container.encode(self.capRate, forKey: .capRate)
        try container.encode(self.debtServiceCoverage, forKey: .debtServiceCoverage)
        try container.encode(self.cashOnCashReturn, forKey: .cashOnCashReturn)
        try container.encode(self.occupancyRate, forKey: .occupancyRate)
        try container.encode(self.collectionRate, forKey: .collectionRate)
        try container.encode(self.unavailable, forKey: .unavailable)
    }

    enum CodingKeys: CodingKey {
        case periodStart, periodEnd, periodType, effectiveGrossIncome, operatingExpenses, debtService, noi
        case annualizedNoi, propertyValue, equity, unitsTotal, unitsOccupied, rentCollected, capRate, debtServiceCoverage
        case cashOnCashReturn, occupancyRate, collectionRate, unavailable
    }
}
