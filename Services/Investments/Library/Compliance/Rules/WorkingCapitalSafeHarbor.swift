import Foundation
import Models

/// The working-capital safe harbor for a QOZ business, Treas. Reg. §1.1400Z2(d)-1(d) (under
/// §1397C(e)(1)'s "reasonable amounts of working capital"): cash held for up to 31 months counts
/// as reasonable working capital, not nonqualified financial property, when
/// (A) a written plan designates it for acquiring, constructing or substantially improving
///     tangible property in the zone,
/// (B) a written schedule, consistent with the ordinary start-up of a trade or business, spends
///     it within 31 months of receipt, and
/// (C) it is actually used in a manner substantially consistent with the plan and schedule.
/// Extensions the regulation allows: a later cash infusion under its own plan that forms an
/// integral part of an earlier plan may run on, with all the periods together no longer than 62
/// months from the first; delay waiting on a governmental action whose application is complete
/// does not count against the schedule; and a business in a federally declared disaster area
/// (Stafford Act) may have up to 24 months more.
enum WorkingCapitalSafeHarbor {
    static let citation = "26 U.S.C. §1397C(e)(1); Treas. Reg. §1.1400Z2(d)-1(d) (working capital safe harbor)"
    static let planMonths = 31
    static let integratedPlansMonths = 62
    static let disasterExtensionMaxMonths = 24

    struct Plan: Sendable {
        var receivedOn: CalendarDate
        var amount: Money
        var writtenPlan: Bool
        var writtenSchedule: Bool
        /// The day the schedule spends the last of the cash.
        var scheduleEndsOn: CalendarDate
        /// Spent substantially as the plan and schedule say (the adviser's judgement).
        var spentConsistently: Bool
        /// Days lost waiting on a governmental action (a permit) whose application was complete.
        var governmentalDelayDays: Int
        /// 0…24 months for a federally declared disaster in the zone during the plan.
        var disasterExtensionMonths: Int
        /// When this infusion is part of an integrated series of plans: the first infusion's day.
        var firstIntegratedPlanReceivedOn: CalendarDate?
    }

    struct Result: Sendable, Equatable {
        var deadline: CalendarDate
        var checks: [ComplianceCheck]
        var passed: Bool
    }

    static func validate(_ plan: Plan) -> [RuleFieldError] {
        var errors: [RuleFieldError] = []
        if plan.amount <= .zero { errors.add("amount", "must be more than 0") }
        if plan.scheduleEndsOn < plan.receivedOn { errors.add("schedule_ends_on", "is before received_on") }
        if !(0...3650).contains(plan.governmentalDelayDays) { errors.add("governmental_delay_days", "must be from 0 to 3650") }
        if !(0...Self.disasterExtensionMaxMonths).contains(plan.disasterExtensionMonths) {
            errors.add("disaster_extension_months", "must be from 0 to \(Self.disasterExtensionMaxMonths)")
        }
        if let first = plan.firstIntegratedPlanReceivedOn, first > plan.receivedOn {
            errors.add("first_integrated_plan_received_on", "is after received_on")
        }
        return errors
    }

    /// The last day the schedule may spend to: 31 months from receipt, plus the governmental delay
    /// and the disaster months; for an integrated later plan, never past 62 months (plus the
    /// disaster months) from the first infusion.
    static func deadline(_ plan: Plan) -> CalendarDate {
        let own = plan.receivedOn.adding(months: Self.planMonths + plan.disasterExtensionMonths)
            .adding(days: plan.governmentalDelayDays)
        guard let first = plan.firstIntegratedPlanReceivedOn else { return own }
        return min(own, first.adding(months: Self.integratedPlansMonths + plan.disasterExtensionMonths))
    }

    static func evaluate(_ plan: Plan) throws(RuleValidationError) -> Result {
        let errors = Self.validate(plan)
        guard errors.isEmpty else { throw RuleValidationError(errors: errors) }
        let deadline = Self.deadline(plan)
        var extensions: [String] = []
        if plan.governmentalDelayDays > 0 { extensions.append("\(plan.governmentalDelayDays) days waiting on governmental action") }
        if plan.disasterExtensionMonths > 0 { extensions.append("\(plan.disasterExtensionMonths) months for a declared disaster") }
        if plan.firstIntegratedPlanReceivedOn != nil { extensions.append("capped at 62 months from the first integrated plan") }
        let within = plan.scheduleEndsOn <= deadline
        let checks = [
            ComplianceCheck(
                rule: "working_capital_written_plan", citation: Self.citation, passed: plan.writtenPlan, percent: nil,
                reason: plan.writtenPlan
                    ? "a written plan designates the cash for tangible property in the zone"
                    : "no written plan designating the cash for tangible property in the zone"
            ),
            ComplianceCheck(
                rule: "working_capital_written_schedule", citation: Self.citation, passed: plan.writtenSchedule, percent: nil,
                reason: plan.writtenSchedule ? "a written schedule spends the cash" : "no written schedule for spending the cash"
            ),
            ComplianceCheck(
                rule: "working_capital_31_months", citation: Self.citation, passed: within, percent: nil,
                reason: "the schedule ends \(plan.scheduleEndsOn); the safe harbor runs to \(deadline)"
                    + (extensions.isEmpty ? " (31 months from receipt)" : " (31 months from receipt; " + extensions.joined(separator: "; ") + ")")
            ),
            ComplianceCheck(
                rule: "working_capital_used_as_planned", citation: Self.citation, passed: plan.spentConsistently, percent: nil,
                reason: plan.spentConsistently
                    ? "spent substantially as the plan and schedule say"
                    : "not spent substantially as the plan and schedule say"
            ),
        ]
        return Result(deadline: deadline, checks: checks, passed: checks.allSatisfy(\.passed))
    }
}
