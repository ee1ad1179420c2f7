import ServiceKit

/// auth's tables that hold rows about a user, for the data export (`PersonalDataTable`). Hashes,
/// sealed secrets and challenge material are left out: they say nothing about the person and
/// would only help whoever got hold of an archive. Tables keyed by email address alone
/// (`magic_links`, `sign_in_attempts`, `sign_in_sources`) are short-lived limits, not the
/// account's record. `PrivacyExportTests` holds this list to every table that references users.
enum AuthPersonalData {
    static let tables: [PersonalDataTable] = [
        PersonalDataTable("auth.users", "id", omitting: ["password_hash"]),
        PersonalDataTable("auth.sessions", "user_id"),
        PersonalDataTable("auth.login_history", "user_id"),
        PersonalDataTable("auth.email_tokens", "user_id", omitting: ["token_hash", "password_hash"]),
        PersonalDataTable("auth.passkeys", "user_id", omitting: ["public_key"]),
        PersonalDataTable("auth.oauth_accounts", "user_id", omitting: ["access_token_encrypted", "refresh_token_encrypted"]),
        PersonalDataTable("auth.passkey_challenges", "user_id", omitting: ["challenge_hash"]),
        PersonalDataTable("auth.oauth_flows", "user_id", omitting: ["state_hash", "nonce"]),
        PersonalDataTable("auth.oauth_grants", "user_id", omitting: ["secret_hash"]),
        PersonalDataTable("auth.totp_credentials", "user_id", omitting: ["secret_sealed"]),
        PersonalDataTable("auth.recovery_codes", "user_id", omitting: ["code_hash"]),
        PersonalDataTable("auth.mfa_tickets", "user_id", omitting: ["ticket_hash"]),
        PersonalDataTable("auth.consents", "user_id"),
        PersonalDataTable("auth.data_exports", "user_id"),
        // The audit log's pseudonym for the user; the log's rows name the pseudonym, not the user.
        PersonalDataTable("auth.audit_subjects", "user_id"),
        // Issue 16's other parts: organisations the user made or belongs to, invitations they sent,
        // API tokens (never the hash), sponsor applications, the profile and onboarding progress.
        PersonalDataTable("auth.organizations", "created_by"),
        PersonalDataTable("auth.organization_members", "user_id"),
        PersonalDataTable("auth.organization_invitations", "invited_by", omitting: ["token_hash"]),
        PersonalDataTable("auth.api_tokens", "user_id", omitting: ["token_hash"]),
        PersonalDataTable("auth.sponsor_applications", "user_id"),
        PersonalDataTable("auth.profiles", "user_id"),
        PersonalDataTable("auth.onboarding_steps", "user_id"),
        PersonalDataTable("auth.onboarding_dismissals", "user_id"),
        // A pending account deletion (once carried out the row no longer names the user).
        PersonalDataTable("auth.deletion_requests", "user_id"),
    ]
}
