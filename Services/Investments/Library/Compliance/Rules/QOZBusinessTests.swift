import Foundation
import Models

/// The tests a qualified opportunity zone business must pass for a fund's interest in it to count
/// as QOZ property (26 U.S.C. §1400Z-2(d)(3); Treas. Reg. §1.1400Z2(d)-1(d)). Each is a pure check
/// over amounts the sponsor and the adviser supply, answering which rule and why.
enum QOZBusinessTests {
    /// The figures for one QOZ business on one day (tangible property by the same valuation method).
    struct Input: Sendable {
        /// Tangible property owned or leased that is QOZ business property, and all tangible property.
        var qualifyingTangible: Money
        var totalTangible: Money
        /// Gross income from the active conduct of the business in the zone (by whichever safe
        /// harbor of the regulation the adviser uses: hours, pay, or where the property and
        /// management are), and all gross income.
        var activeZoneGrossIncome: Money
        var totalGrossIncome: Money
        /// Intangible property used in the active conduct of the business in the zone, and all of it.
        var intangibleUsedInZone: Money
        var totalIntangible: Money
        /// Unadjusted bases: nonqualified financial property (cash, stock, debt, options…), the
        /// working capital held under a safe-harbor plan (not counted, §1397C(e)(1)), and all property.
        var nonqualifiedFinancial: Money
        var safeHarborWorkingCapital: Money
        var totalPropertyBasis: Money
    }

    static func validate(_ input: Input) -> [RuleFieldError] {
        var errors: [RuleFieldError] = []
        let pairs: [(String, Money, String, Money)] = [
            ("qualifying_tangible", input.qualifyingTangible, "total_tangible", input.totalTangible),
            ("active_zone_gross_income", input.activeZoneGrossIncome, "total_gross_income", input.totalGrossIncome),
            ("intangible_used_in_zone", input.intangibleUsedInZone, "total_intangible", input.totalIntangible),
            ("nonqualified_financial", input.nonqualifiedFinancial, "total_property_basis", input.totalPropertyBasis),
        ]
        for (partName, part, wholeName, whole) in pairs {
            if part < .zero { errors.add(partName, "must not be negative") }
            if whole < .zero { errors.add(wholeName, "must not be negative") }
            if part > whole { errors.add(partName, "must not be more than \(wholeName)") }
        }
        if input.safeHarborWorkingCapital < .zero { errors.add("safe_harbor_working_capital", "must not be negative") }
        if input.safeHarborWorkingCapital > input.nonqualifiedFinancial {
            errors.add("safe_harbor_working_capital", "must not be more than nonqualified_financial")
        }
        return errors
    }

    static func evaluate(_ input: Input) throws(RuleValidationError) -> [ComplianceCheck] {
        let errors = Self.validate(input)
        guard errors.isEmpty else { throw RuleValidationError(errors: errors) }
        return [
            Self.tangibleProperty(input), Self.grossIncome(input), Self.intangibleUse(input),
            Self.nonqualifiedFinancialProperty(input),
        ]
    }

    /// §1400Z-2(d)(3)(A)(i): "substantially all" of the tangible property owned or leased is QOZ
    /// business property; §1.1400Z2(d)-1(d) sets "substantially all" at 70 percent for a QOZB.
    static func tangibleProperty(_ input: Input) -> ComplianceCheck {
        Self.atLeast(
            rule: "qozb_tangible_property_70", citation: "26 U.S.C. §1400Z-2(d)(3)(A)(i); Treas. Reg. §1.1400Z2(d)-1(d)",
            part: input.qualifyingTangible, whole: input.totalTangible, percent: 70,
            what: "of tangible property is QOZ business property", emptyReason: "no tangible property to test"
        )
    }

    /// §1400Z-2(d)(3)(A)(ii) → §1397C(b)(2): at least 50% of gross income from the active conduct
    /// of the business in the zone (§1.1400Z2(d)-1(d) gives the hours, pay and location safe harbors).
    static func grossIncome(_ input: Input) -> ComplianceCheck {
        Self.atLeast(
            rule: "qozb_gross_income_50", citation: "26 U.S.C. §1400Z-2(d)(3)(A)(ii), §1397C(b)(2); Treas. Reg. §1.1400Z2(d)-1(d)",
            part: input.activeZoneGrossIncome, whole: input.totalGrossIncome, percent: 50,
            what: "of gross income is from the active conduct of the business in the zone",
            emptyReason: "no gross income yet: nothing fails the 50% test"
        )
    }

    /// §1400Z-2(d)(3)(A)(ii) → §1397C(b)(4): a "substantial portion" of intangible property used in
    /// the active conduct of the business in the zone; §1.1400Z2(d)-1(d) sets it at 40 percent.
    static func intangibleUse(_ input: Input) -> ComplianceCheck {
        Self.atLeast(
            rule: "qozb_intangible_use_40", citation: "26 U.S.C. §1400Z-2(d)(3)(A)(ii), §1397C(b)(4); Treas. Reg. §1.1400Z2(d)-1(d)",
            part: input.intangibleUsedInZone, whole: input.totalIntangible, percent: 40,
            what: "of intangible property is used in the active conduct of the business in the zone",
            emptyReason: "no intangible property: nothing fails the 40% test"
        )
    }

    /// §1400Z-2(d)(3)(A)(ii) → §1397C(b)(8): less than 5% of the average of the aggregate
    /// unadjusted bases of the property is nonqualified financial property; reasonable working
    /// capital (§1397C(e)(1)), which a safe-harbor plan makes reasonable, is left out.
    static func nonqualifiedFinancialProperty(_ input: Input) -> ComplianceCheck {
        let rule = "qozb_nonqualified_financial_property_5"
        let citation = "26 U.S.C. §1400Z-2(d)(3)(A)(ii), §1397C(b)(8), §1397C(e)(1); Treas. Reg. §1.1400Z2(d)-1(d)"
        let counted = input.nonqualifiedFinancial - input.safeHarborWorkingCapital
        guard input.totalPropertyBasis > .zero else {
            return ComplianceCheck(rule: rule, citation: citation, passed: true, percent: nil, reason: "no property: nothing to test")
        }
        let passed = ComplianceRatio.below(counted, of: input.totalPropertyBasis, percent: 5)
        let percent = ComplianceRatio.percent(counted, of: input.totalPropertyBasis)
        var reason =
            "\(counted.dollars) of \(input.totalPropertyBasis.dollars) of unadjusted basis is nonqualified financial property "
            + "(\(percent.map(ComplianceRatio.text) ?? "-")%), \(passed ? "under" : "not under") 5%"
        if input.safeHarborWorkingCapital > .zero {
            reason += "; \(input.safeHarborWorkingCapital.dollars) of safe-harbor working capital left out"
        }
        return ComplianceCheck(rule: rule, citation: citation, passed: passed, percent: percent, reason: reason)
    }

    private static func atLeast(
        rule: String, citation: String, part: Money, whole: Money, percent: Int, what: String, emptyReason: String
    ) -> ComplianceCheck {
        guard whole > .zero else {
            // With nothing to measure there is nothing below the line; for tangible property the
            // adviser should confirm the business holds any at all.
            return ComplianceCheck(rule: rule, citation: citation, passed: true, percent: nil, reason: emptyReason)
        }
        let passed = ComplianceRatio.atLeast(part, of: whole, percent: percent)
        let measured = ComplianceRatio.percent(part, of: whole)
        let reason =
            "\(part.dollars) of \(whole.dollars) (\(measured.map(ComplianceRatio.text) ?? "-")%) \(what); "
            + "\(passed ? "at least" : "below") \(percent)%"
        return ComplianceCheck(rule: rule, citation: citation, passed: passed, percent: measured, reason: reason)
    }
}
