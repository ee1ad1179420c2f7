import ServiceKit

/// investments' tables that hold rows about a user, for the data export (`PersonalDataTable`):
/// the investor profile, accreditation, investments, transactions, distributions, statements,
/// K-1s, deferred gains; for sponsors their offerings, distributions and financial entries.
/// Stored files (accreditation evidence, sealed K-1s) have download routes of their own and the
/// verifier link's hash is a secret: they are left out. `InvestmentsPersonalDataTests` holds this
/// list to the schemas.
enum InvestmentsPersonalData {
    static let tables: [PersonalDataTable] = [
        PersonalDataTable("investments.investor_profiles", "user_id"),
        PersonalDataTable("investments.verifications", "user_id", "reviewed_by"),
        PersonalDataTable("investments.accreditation_files", "user_id", omitting: ["content"]),
        PersonalDataTable("investments.verifier_requests", "user_id", omitting: ["token_hash"]),
        PersonalDataTable("investments.accreditation_representations", "investor_id"),
        PersonalDataTable("investments.investments", "investor_id"),
        PersonalDataTable("investments.transactions", "investor_id"),
        PersonalDataTable("investments.investor_distributions", "investor_id"),
        PersonalDataTable("investments.oz_deferred_gains", "investor_id"),
        PersonalDataTable("investments.statements", "investor_id", "created_by"),
        PersonalDataTable("investments.k1_documents", "investor_id", "uploaded_by", omitting: ["sealed"]),
        PersonalDataTable("investments.property_copies", "sponsor_id"),
        PersonalDataTable("investments.offerings", "sponsor_id"),
        PersonalDataTable("investments.offering_documents", "attached_by"),
        PersonalDataTable("investments.distributions", "created_by"),
        PersonalDataTable("financials.property_income", "recorded_by"),
        PersonalDataTable("financials.property_expenses", "recorded_by"),
        PersonalDataTable("financials.property_performance", "recorded_by"),
        PersonalDataTable("financials.rent_roll", "recorded_by"),
    ]
}
