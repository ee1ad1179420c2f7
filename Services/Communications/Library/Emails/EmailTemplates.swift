import Foundation
import HTTPTypes
import Models
import Mustache
import ServiceKit

/// The templates `communications` can send, each a subject, a plain-text and an HTML part
/// (`Resources/Templates/<key>.{subject,text,html}.mustache`). HTML parts escape variables;
/// text parts use triple braces so links arrive intact.
struct EmailTemplates: Sendable {
    struct Rendered: Sendable, Equatable {
        var subject: String
        var text: String
        var html: String
        /// The subject as `email_sends` records it: sensitive variables masked.
        var recordedSubject: String
    }

    /// Variables that are secrets — a sign-in code, a link that signs in, verifies or resets — sent
    /// to the recipient and never stored: `email_sends.subject` gets `redactedValue` in their place
    /// (the sign-in code is in the magic-link subject so phones show it in the notification).
    static let sensitiveVariables: [String: Set<String>] = [
        "magic_link": ["link", "code"],
        "verify_email": ["link"],
        "password_reset": ["link"],
        "organization_invitation": ["link"],
        // The verifier's single-use upload link (issue 22).
        "accreditation_verifier_request": ["link"],
    ]

    static let redactedValue = "[redacted]"

    /// Variables each template needs; a request missing one is refused before anything is sent.
    static let requiredVariables: [String: Set<String>] = [
        "verify_email": ["email", "link", "expires_in_minutes"],
        "password_reset": ["email", "link", "expires_in_minutes"],
        "magic_link": ["link", "code", "expires_in_minutes"],
        "new_device_sign_in": ["email", "device", "reset_link"],
        "organization_invitation": ["organization_name", "role", "link", "expires_in_days"],
        "statement_ready": ["greeting_name", "statement_title", "period", "link"],
        "investment_committed": ["greeting_name", "amount"],
        "investment_funded": ["greeting_name", "amount", "funding_date"],
        "distribution_paid": ["greeting_name", "distribution_kind", "payment_date", "gross_amount", "tax_withheld", "net_amount"],
        // Issue 14: a notification's mail (`unsubscribe_url` optional, added to non-critical mail) and a digest.
        "notification": ["greeting_name", "title", "message", "link"],
        "notification_digest": ["greeting_name", "count", "items", "noun"],
        "team_request_received": ["greeting_name", "topic", "reference"],
        "team_request_answered": ["greeting_name", "topic", "answer", "reference"],
        // Issue 22: a verifier asked for an accreditation letter; the investor told of the decision.
        "accreditation_verifier_request": ["verifier_name", "investor_name", "verifier_role", "link", "expires_on", "valid_days"],
        "accreditation_approved": ["greeting_name", "expires_on"],
        "accreditation_rejected": ["greeting_name", "reason"],
        // Issue 16: staff approved or rejected a sponsor application (auth mails both).
        "sponsor_application_approved": ["greeting_name", "legal_name"],
        "sponsor_application_rejected": ["greeting_name", "legal_name", "reason"],
    ]

    /// Variable values are short texts; a cap keeps a caller from mailing a novel.
    static let maximumVariableLength = 2000

    let library: MustacheLibrary

    /// Loads and parses every template shipped in the bundle, failing start-up on a broken one.
    static func bundled(_ bundle: Bundle = .module) throws -> EmailTemplates {
        guard let folder = bundle.resourceURL?.appendingPathComponent("Templates") else {
            throw ConfigurationError(variable: "Resources/Templates", reason: "email templates are missing from the build")
        }
        var library = MustacheLibrary()
        for key in requiredVariables.keys {
            for part in ["subject", "text", "html"] {
                let name = "\(key).\(part)"
                let text = try String(contentsOf: folder.appendingPathComponent("\(name).mustache"), encoding: .utf8)
                try library.register(text, named: name)
            }
        }
        return EmailTemplates(library: library)
    }

    /// Renders `key`, or names what is wrong with the request as a 422.
    func render(_ key: String, variables: [String: String]) throws -> Rendered {
        guard let required = Self.requiredVariables[key] else {
            throw Problem.validation(
                field: "template_key",
                "must be one of \(Self.requiredVariables.keys.sorted().joined(separator: ", "))"
            )
        }
        var errors = FieldErrors()
        for name in required.subtracting(variables.keys).sorted() { errors.add("variables.\(name)", "is required by \(key)") }
        for name in variables.filter({ $0.value.count > Self.maximumVariableLength }).keys.sorted() {
            errors.add("variables.\(name)", "must be at most \(Self.maximumVariableLength) characters")
        }
        try errors.check()
        guard let subject = library.render(variables, withTemplate: "\(key).subject"),
            let text = library.render(variables, withTemplate: "\(key).text"),
            let html = library.render(variables, withTemplate: "\(key).html")
        else {
            throw Problem(.internalServerError, detail: "Template \(key) is incomplete.")
        }
        var masked = variables
        for name in Self.sensitiveVariables[key] ?? [] where masked[name] != nil { masked[name] = Self.redactedValue }
        let recordedSubject = library.render(masked, withTemplate: "\(key).subject") ?? ""
        return Rendered(subject: Self.oneLine(subject), text: text, html: html, recordedSubject: Self.oneLine(recordedSubject))
    }

    /// A subject is one line; a variable holding a line break must not split it.
    static func oneLine(_ subject: String) -> String {
        subject.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }
}
