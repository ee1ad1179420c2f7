import ServiceKit

/// investments' tables that hold rows about a user, for the data export (`PersonalDataTable`):
/// the investor profile, accreditation, investments, transactions, distributions, statements,
/// K-1s, deferred gains; for sponsors their offerings, distributions and financial entries.
/// Stored files (accreditation evidence, sealed K-1s) have download routes of their own and the
/// verifier link's hash is a secret: they are left out. `InvestmentsPersonalDataTests` holds this
/// list to the schemas. Account deletion (`PersonalDataTable.Erasure`) deletes the user's own
/// records in this order (children first) and keeps money records (26 CFR § 1.6001-1(e), SEC Rule
/// 17a-4), accreditation representations (17 CFR § 230.506(c)) and what a sponsor or staff member
/// made for others, under the request's anonymous id.
enum InvestmentsPersonalData {
    static let tables: [PersonalDataTable] = [
        PersonalDataTable("investments.investor_profiles", "user_id"),
        PersonalDataTable("investments.verifier_requests", "user_id", omitting: ["token_hash"]),
        PersonalDataTable("investments.accreditation_files", "user_id", omitting: ["content"]),
        // Kept (the issuer's 506(c) verification record) without the evidence's details; a
        // reviewer's deletion must not delete the investors' verifications they reviewed.
        PersonalDataTable(
            "investments.verifications", "user_id", "reviewed_by",
            erasure: .anonymise(clearing: ["verification_data", "rejection_reason", "method", "provider"])),
        PersonalDataTable(
            "investments.accreditation_representations", "investor_id", erasure: .anonymise(clearing: ["ip_address", "user_agent"])),
        PersonalDataTable("investments.investments", "investor_id", erasure: .anonymise(clearing: [])),
        PersonalDataTable("investments.transactions", "investor_id", erasure: .anonymise(clearing: [])),
        PersonalDataTable("investments.investor_distributions", "investor_id", erasure: .anonymise(clearing: [])),
        PersonalDataTable("investments.oz_deferred_gains", "investor_id", erasure: .anonymise(clearing: [])),
        // The rendered document names the investor; the figures stay.
        PersonalDataTable("investments.statements", "investor_id", "created_by", erasure: .anonymise(clearing: ["document"])),
        PersonalDataTable("investments.k1_documents", "investor_id", "uploaded_by", omitting: ["sealed"], erasure: .anonymise(clearing: [])),
        PersonalDataTable("investments.property_copies", "sponsor_id", erasure: .anonymise(clearing: [])),
        PersonalDataTable("investments.offerings", "sponsor_id", erasure: .anonymise(clearing: [])),
        PersonalDataTable("investments.offering_documents", "attached_by", erasure: .anonymise(clearing: [])),
        PersonalDataTable("investments.distributions", "created_by", erasure: .anonymise(clearing: [])),
        PersonalDataTable("financials.property_income", "recorded_by", erasure: .anonymise(clearing: [])),
        PersonalDataTable("financials.property_expenses", "recorded_by", erasure: .anonymise(clearing: [])),
        PersonalDataTable("financials.property_performance", "recorded_by", erasure: .anonymise(clearing: [])),
        PersonalDataTable("financials.rent_roll", "recorded_by", erasure: .anonymise(clearing: [])),
    ]
}
