import Foundation
import ServiceKit

/// auth's tables that the kit's retention purge trims (issue 11, item 26). Sessions, refresh tokens
/// and login history are the user's own record (`/v1/auth/sessions`, `/me/login-history`) and stay.
enum AuthRetention {
    static func purgeTargets(_ settings: AuthSettings) -> [PurgeTarget] {
        [
            .rateLimitBuckets(schema: AuthEntryPoint.name.schemas[0], longestRefill: settings.limits.longestRefill),
            // A count at the hard limit is what keeps an account locked until its password is
            // reset; forgetting it would unlock the account, so only lesser counts age out.
            PurgeTarget(
                table: "auth.sign_in_attempts", timeColumn: "updated_at",
                alsoRequires: "failures < \(settings.lockout.hardLimit)", retention: settings.signInAttemptRetention
            ),
            PurgeTarget(table: "auth.magic_links", timeColumn: "expires_at", retention: settings.emailLinkRetention),
            PurgeTarget(table: "auth.email_tokens", timeColumn: "expires_at", retention: settings.emailLinkRetention),
            // An MFA ticket is worth nothing once expired; a day keeps it for investigations.
            PurgeTarget(table: "auth.mfa_tickets", timeColumn: "expires_at", retention: .seconds(86400)),
            // A passkey challenge is worth nothing once expired; a day is kept for investigations.
            PurgeTarget(table: "auth.passkey_challenges", timeColumn: "expires_at", retention: .seconds(86400)),
            // OAuth flows, sign-in codes and link tickets live minutes; a day later they go.
            PurgeTarget(table: "auth.oauth_flows", timeColumn: "expires_at", retention: .seconds(86400)),
            PurgeTarget(table: "auth.oauth_grants", timeColumn: "expires_at", retention: .seconds(86400)),
            // A data export's archive goes when it expires (its request then answers 410); the
            // request itself is kept 90 days as the record that the user was answered.
            PurgeTarget(table: "auth.data_export_archives", timeColumn: "expires_at", retention: .zero),
            PurgeTarget(
                table: "auth.data_exports", timeColumn: "created_at", alsoRequires: "status <> 'pending'", retention: .seconds(90 * 86400)),
        ]
    }
}
