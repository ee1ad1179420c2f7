import Foundation

/// The setup checklist (seed 004 §3.3, issue 16 "Onboarding"): fixed steps per role, each done
/// when an event from the service that owns the step says so (`OnboardingEvents`). Pure: no I/O.
enum OnboardingStep: String, Sendable, CaseIterable {
    /// investments' `investor_profile.created`: the investor answered "qualify as an investor".
    case investorProfile = "investor_profile"
    /// investments' `accreditation.decided`, approved (SEC Rule 506(c) verification).
    case accreditationVerified = "accreditation_verified"
    /// investments' `tax_calculator.used`: an OZ tax estimate.
    case firstTaxEstimate = "first_tax_estimate"
    /// investments' `investment.committed`.
    case firstInvestment = "first_investment"
    /// properties' `property.published`, the user as its sponsor.
    case firstListing = "first_listing"
    /// properties' `oz_check.completed`: "check if your development is in an OZ".
    case firstOZCheck = "first_oz_check"
    /// auth's own `sponsor_applications`: the developer asked to list projects (issue 16).
    case sponsorApplication = "sponsor_application"
    /// auth's own `organization_members`: the sponsor made or joined their firm's organisation.
    case organization

    var title: String {
        switch self {
        case .investorProfile: "Complete your investor profile"
        case .accreditationVerified: "Verify your accreditation"
        case .firstTaxEstimate: "Estimate your OZ tax savings"
        case .firstInvestment: "Make your first investment"
        case .firstListing: "Publish your first listing"
        case .firstOZCheck: "Check whether your site is in an Opportunity Zone"
        case .sponsorApplication: "Apply to list your projects"
        case .organization: "Set up your organisation"
        }
    }

    /// The API route that does it, for the client to send the user to the matching screen.
    var action: String {
        switch self {
        case .investorProfile: "/v1/investor-profile"
        case .accreditationVerified: "/v1/investor-profile/verifications"
        case .firstTaxEstimate: "/v1/tax/oz-estimate"
        case .firstInvestment: "/v1/offerings"
        case .firstListing: "/v1/properties"
        case .firstOZCheck: "/v1/oz/check"
        case .sponsorApplication: "/v1/auth/sponsor-applications"
        case .organization: "/v1/auth/organizations"
        }
    }
}

enum OnboardingChecklist {
    /// The checklist of the account's role (seed 000 `current_role`); `both` is an investor and a
    /// developer, so both lists, investor first. Admins have none.
    static func steps(for role: AccountRole) -> [OnboardingStep] {
        switch role {
        case .investor: Self.investor
        case .developer: Self.developer
        case .both: Self.investor + Self.developer
        case .sponsor: Self.sponsor
        case .admin: []
        }
    }

    static let investor: [OnboardingStep] = [.investorProfile, .accreditationVerified, .firstTaxEstimate, .firstInvestment]
    static let developer: [OnboardingStep] = [.firstOZCheck, .sponsorApplication]
    static let sponsor: [OnboardingStep] = [.organization, .firstListing]

    /// Whole percent done, rounded down so 100 means every step; an empty list is complete.
    static func percent(done: Int, of total: Int) -> Int {
        total == 0 ? 100 : done * 100 / total
    }
}
