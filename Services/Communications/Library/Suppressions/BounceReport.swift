import Foundation
import Models
import ServiceKit

/// A bounce or complaint as a provider reports it, in the provider-neutral shape intake accepts:
///
/// ```json
/// {"event_id": "…", "type": "hard" | "soft" | "complaint", "email": "a@example.com",
///  "provider_message_id": "<…@tract>", "diagnostic": "550 5.1.1 user unknown", "occurred_at": "2026-…Z"}
/// ```
///
/// Pure: reading and checking only.
struct BounceReport: Sendable, Equatable {
    enum Kind: String, Sendable, CaseIterable {
        case hard, soft, complaint

        /// What a report of this kind does to the address: hard bounces and complaints stop all
        /// bulk mail to it; a soft bounce (mailbox full, greylisted) is only recorded.
        var suppression: Suppressions.Reason? {
            switch self {
            case .hard: .hardBounce
            case .complaint: .complaint
            case .soft: nil
            }
        }
    }

    var eventID: String
    var kind: Kind
    var email: String
    var providerMessageID: String?
    var diagnostic: String?
    var occurredAt: Date

    static let maximumDiagnostic = 2000

    static func read(_ body: JSONValue) throws -> BounceReport {
        var fields = try BodyFields(
            body, allowed: ["event_id", "type", "email", "provider_message_id", "diagnostic", "occurred_at"],
            required: ["event_id", "type", "email", "occurred_at"])
        let eventID = fields.text("event_id", max: 255, required: true)
        let type = fields.text("type", max: 20, required: true)
        let kind = type.flatMap(Kind.init(rawValue:))
        if type != nil, kind == nil { fields.add("type", "must be one of: hard, soft, complaint") }
        let email = fields.text("email", max: 255, required: true)
        if let email, !Self.isAddress(email) { fields.add("email", "must be an email address") }
        let messageID = fields.text("provider_message_id", max: 255)
        let diagnostic = fields.multilineText("diagnostic", max: Self.maximumDiagnostic)
        let occurredAt = fields.instant("occurred_at")
        try fields.check()
        guard let eventID, let kind, let email, let occurredAt else { throw Problem.validation(field: "body", "is incomplete") }
        return BounceReport(
            eventID: eventID, kind: kind, email: email.lowercased(), providerMessageID: messageID, diagnostic: diagnostic, occurredAt: occurredAt)
    }

    /// One `@` with something on each side and no spaces: providers report the address the mail
    /// went to, so anything else is not a report of ours.
    static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && !text.contains(where: { $0.isWhitespace })
    }

    /// The message id as sent and without its angle brackets (or with them): providers differ in
    /// which form of the `Message-ID` header they echo back.
    var messageIDForms: [String] {
        guard let id = self.providerMessageID else { return [] }
        if id.hasPrefix("<"), id.hasSuffix(">"), id.count > 2 { return [id, String(id.dropFirst().dropLast())] }
        return [id, "<\(id)>"]
    }
}
