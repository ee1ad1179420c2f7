import Models
import ServiceKit

/// Which service may ask for which template. A service may request mail (`internal:emails.send`,
/// `email.requested`), but only its own kind: a sign-in link or code comes from auth alone, so a
/// leaked investments secret cannot mail a signed magic link of its making (issue 11, item 4).
enum TemplateRequesters {
    static let table: [String: Set<ServiceName>] = [
        "verify_email": [.auth],
        "password_reset": [.auth],
        "magic_link": [.auth],
        // Issue 16: an organisation's invitation link.
        "organization_invitation": [.auth],
        // communications itself mails it as the email channel of a security notification (issue 14).
        "new_device_sign_in": [.auth, .communications],
        "statement_ready": [.investments],
        // The email channel of notifications made from investments' events (issue 14): the delivery
        // worker sends them as communications.
        "investment_committed": [.investments, .communications],
        "investment_funded": [.investments, .communications],
        "distribution_paid": [.investments, .communications],
        // Notifications' own mails, and the digest gathering them: nobody else sends these.
        "notification": [.communications],
        "notification_digest": [.communications],
        // communications' own mail to people who asked to speak to the team.
        "team_request_received": [.communications],
        "team_request_answered": [.communications],
        // Issue 22: investments mails a verifier its upload link; decisions are notifications' email channel.
        "accreditation_verifier_request": [.investments],
        "accreditation_approved": [.communications],
        "accreditation_rejected": [.communications],
        // Issue 16: staff's decision on a sponsor application, mailed by auth.
        "sponsor_application_approved": [.auth],
        "sponsor_application_rejected": [.auth],
    ]

    /// 403 when `requester` may not send `template`; unknown templates are the renderer's 422.
    static func check(_ template: String, requestedBy requester: String) throws {
        guard let allowed = Self.table[template] else { return }
        guard let service = ServiceName(rawValue: requester), allowed.contains(service) else {
            throw Problem.forbidden("\(requester) may not send the \(template) template.")
        }
    }
}
