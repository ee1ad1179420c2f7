import Foundation
import Models
import ServiceKit

/// Issue 22: an accreditation decision (`accreditation.decided`, from investments) becomes the
/// investor's notification whose email is `accreditation_approved` or `accreditation_rejected`.
/// Category `legal`, which cannot be turned off: whether one may invest in a Rule 506(c) offering
/// is something the investor must hear of. Like `NotificationEvents`, the handler only writes in the
/// inbox transaction; the delivery worker mails, greeting the investor by the name auth has.
enum AccreditationNotices {
    static func register(in handlers: inout EventHandlers, notifier: Notifier) {
        handlers.on(AccreditationDecided.self) { event, envelope, connection, logger in
            try await notifier.notify([Self.decided(event, envelope)], on: connection, logger: logger)
        }
    }

    static func decided(_ event: AccreditationDecided, _ envelope: EventEnvelope) -> NotificationDraft {
        let path = "/investor-profile/verifications/\(event.verificationId.uuidString.lowercased())"
        let key = NotificationEvents.key(envelope)
        guard event.decision == "approved" else {
            let reason = event.reason ?? "No reason was given."
            return NotificationDraft(
                userID: event.userId, type: AccreditationDecided.eventType, category: .legal,
                title: "Your accredited-investor verification was not approved", message: "The reviewer's reason: \(reason)",
                actionURL: path, priority: .high,
                email: EmailContent(templateKey: "accreditation_rejected", variables: ["reason": reason]), dedupeKey: key)
        }
        let until = event.expiresAt.map { CalendarDate.day(of: $0).description } ?? "further notice"
        return NotificationDraft(
            userID: event.userId, type: AccreditationDecided.eventType, category: .legal,
            title: "Your accredited-investor verification was approved",
            message: "You may invest in offerings open only to verified accredited investors until \(until).", actionURL: path,
            priority: .high, email: EmailContent(templateKey: "accreditation_approved", variables: ["expires_on": until]), dedupeKey: key)
    }
}
