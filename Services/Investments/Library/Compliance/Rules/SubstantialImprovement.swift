import Foundation
import Models

/// An amount on a day: an improvement cost paid, a scheduled draw, a capital contribution.
struct DatedAmount: Sendable, Hashable, Codable {
    var on: CalendarDate
    var amount: Money
}

/// Why a building needs no substantial improvement because the fund is its original user
/// (Treas. Reg. §1.1400Z2(d)-2(b)(3)).
enum OriginalUseReason: String, Sendable, Hashable, Codable {
    /// §1.1400Z2(d)-2(b)(3): original use begins when a person first places the property in service
    /// in the zone; a building the fund constructs and places in service is its original use.
    case newConstruction = "new_construction"
    /// §1.1400Z2(d)-2(b)(3) (vacant property): a building vacant for an uninterrupted year before
    /// the zone's designation and still vacant at purchase, or vacant for three years before purchase.
    case vacant
}

/// Where an improvement window stands.
enum ImprovementStatus: String, Sendable, Hashable, Codable {
    /// Additions to the building's basis already exceed the required amount inside the window.
    case met
    /// The window has closed without exceeding it.
    case failed
    /// Not yet met, but the spend to date plus the schedule inside the window exceeds it.
    case onTrack = "on_track"
    /// Not yet met and the schedule inside the window does not get there.
    case atRisk = "at_risk"
    /// No test applies: land only, or the fund is the building's original user.
    case notRequired = "not_required"
}

/// The facts of one property held by a fund, as the sponsor and properties' renovation costs give them.
struct SubstantialImprovementInput: Sendable {
    var acquiredOn: CalendarDate
    /// The building's adjusted basis when the window opens (the price less the land, plus
    /// acquisition costs the adviser capitalises into the building). Zero for land only.
    var buildingBasis: Money
    var landBasis: Money
    var originalUse: OriginalUseReason?
    /// Improvement costs that add to the building's basis, dated when incurred (a negative amount
    /// corrects an earlier one).
    var spend: [DatedAmount]
    /// Planned draws not yet spent (the renovation schedule).
    var schedule: [DatedAmount]
    /// "Today": spend dated after it has not happened yet and counts as scheduled.
    var asOf: CalendarDate
}

/// The tracker's answer for one property.
struct SubstantialImprovementResult: Sendable, Equatable {
    var status: ImprovementStatus
    /// First and last day of the 30-month window (nil when no test applies).
    var windowStart: CalendarDate?
    var windowEnd: CalendarDate?
    /// Spend must be MORE than this amount: the building's adjusted basis at the window's start.
    var required: Money
    var spentInWindow: Money
    /// `spentInWindow / required`, two decimals; nil when nothing is required.
    var percent: Decimal?
    /// Days from `asOf` to the window's last day, 0 once it has closed.
    var daysLeft: Int?
    /// Spend to date plus scheduled spend inside the window.
    var projectedByWindowEnd: Money
    /// The day the spend (actual, then scheduled) first exceeds the requirement, if it does in the window.
    var projectedMetOn: CalendarDate?
    var citation: String
    var reason: String
}

/// The substantial-improvement test for a building a fund (or its QOZ business) bought used.
/// Pure: the caller supplies every fact and "today".
enum SubstantialImprovement {
    /// §1400Z-2(d)(2)(D)(ii); Treas. Reg. §1.1400Z2(d)-2(b)(4)(i): additions to basis "during any
    /// 30-month period beginning after the date of acquisition".
    static let windowMonths = 30

    static let citation = "26 U.S.C. §1400Z-2(d)(2)(D)(ii); Treas. Reg. §1.1400Z2(d)-2(b)(4)(i)"

    /// The first window: it begins the day after acquisition and its 30 months end on the 30-month
    /// anniversary of the acquisition (acquired 2024-01-15: 2024-01-16 through 2026-07-15).
    static func window(acquiredOn: CalendarDate) -> (start: CalendarDate, end: CalendarDate) {
        (acquiredOn.adding(days: 1), acquiredOn.adding(months: Self.windowMonths))
    }

    static func validate(_ input: SubstantialImprovementInput) -> [RuleFieldError] {
        var errors: [RuleFieldError] = []
        if input.buildingBasis < .zero { errors.add("building_basis", "must not be negative") }
        if input.landBasis < .zero { errors.add("land_basis", "must not be negative") }
        // Spend may be negative: a correction of an earlier report (renovation costs arrive as
        // running totals; a total revised down is a negative step).
        for (index, item) in input.spend.enumerated() where item.amount == .zero {
            errors.add("spend[\(index)].amount", "must not be 0")
        }
        for (index, item) in input.schedule.enumerated() where item.amount <= .zero {
            errors.add("schedule[\(index)].amount", "must be more than 0")
        }
        let total = (input.spend + input.schedule).reduce(Int128(0)) { $0 + Int128($1.amount.cents.magnitude) }
        if total > Int128(Money.maximum.cents) { errors.add("spend", "adds up to more than \(Money.maximum)") }
        return errors
    }

    static func evaluate(_ input: SubstantialImprovementInput) throws(RuleValidationError) -> SubstantialImprovementResult {
        let errors = Self.validate(input)
        guard errors.isEmpty else { throw RuleValidationError(errors: errors) }

        if let reason = input.originalUse {
            return Self.notRequired(
                citation: "Treas. Reg. §1.1400Z2(d)-2(b)(3)",
                reason: reason == .newConstruction
                    ? "original use: the fund constructs the building and is the first to place it in service in the zone"
                    : "original use: the building was vacant long enough before purchase to count as unused"
            )
        }
        if input.buildingBasis == .zero {
            // §1.1400Z2(d)-2(b)(4)(iv): land need not be substantially improved (it must still be
            // used in a trade or business; that is for the adviser, not this arithmetic).
            return Self.notRequired(
                citation: "Treas. Reg. §1.1400Z2(d)-2(b)(4)(iv)",
                reason: "land only: the substantial-improvement test does not apply to land"
            )
        }

        let (start, end) = Self.window(acquiredOn: input.acquiredOn)
        let required = input.buildingBasis
        let inWindow = { (item: DatedAmount) in item.on >= start && item.on <= end }
        let done = input.spend.filter { inWindow($0) && $0.on <= input.asOf }
        // Spend recorded with a future date has not happened yet: it is part of the plan.
        let planned = (input.spend.filter { $0.on > input.asOf } + input.schedule).filter { inWindow($0) && $0.on > input.asOf }
        let spent = done.reduce(Money.zero) { $0 + $1.amount }
        let projected = planned.reduce(spent) { $0 + $1.amount }

        // The day the running total goes above the requirement and stays there (a correction
        // downwards can take it back under).
        var running = Money.zero
        var metOn: CalendarDate?
        for item in (done + planned).sorted(by: { $0.on < $1.on }) {
            running = running + item.amount
            if running > required {
                metOn = metOn ?? item.on
            } else {
                metOn = nil
            }
        }

        let closed = input.asOf > end
        let status: ImprovementStatus =
            if spent > required { .met } else if closed { .failed } else if projected > required { .onTrack } else { .atRisk }
        let reason =
            switch status {
            case .met: "additions to the building's basis (\(spent.dollars)) exceed its basis at the window's start (\(required.dollars))"
            case .failed: "the window closed on \(end) with \(spent.dollars) spent; more than \(required.dollars) was required"
            case .onTrack: "\(spent.dollars) spent; with the schedule, \(projected.dollars) by \(end), more than the \(required.dollars) required"
            case .atRisk:
                "\(spent.dollars) spent; with the schedule only \(projected.dollars) by \(end), not more than the \(required.dollars) required"
            case .notRequired: ""
            }
        return SubstantialImprovementResult(
            status: status, windowStart: start, windowEnd: end, required: required, spentInWindow: spent,
            percent: ComplianceRatio.percent(spent, of: required), daysLeft: max(0, input.asOf.days(until: end)),
            projectedByWindowEnd: projected, projectedMetOn: metOn, citation: Self.citation, reason: reason
        )
    }

    private static func notRequired(citation: String, reason: String) -> SubstantialImprovementResult {
        SubstantialImprovementResult(
            status: .notRequired, windowStart: nil, windowEnd: nil, required: .zero, spentInWindow: .zero, percent: nil,
            daysLeft: nil, projectedByWindowEnd: .zero, projectedMetOn: nil, citation: citation, reason: reason
        )
    }
}

/// §1.1400Z2(d)-2(b)(3) (vacant property): a building counts as unused, so the fund is its original
/// user, when it was vacant for an uninterrupted period of at least one year before the zone's
/// designation and stayed vacant until the purchase, or for at least three years before the purchase.
enum VacancyRule {
    static func isOriginalUse(vacantSince: CalendarDate, designatedOn: CalendarDate, acquiredOn: CalendarDate) -> Bool {
        guard vacantSince <= acquiredOn else { return false }
        let yearBeforeDesignation = vacantSince.adding(years: 1) <= designatedOn
        let threeYearsBeforePurchase = vacantSince.adding(years: 3) <= acquiredOn
        return yearBeforeDesignation || threeYearsBeforePurchase
    }
}
