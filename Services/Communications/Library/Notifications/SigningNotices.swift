import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Investing paperwork (issue 22): when an investor signs an offering's subscription agreement,
/// the offering's sponsor is told (they countersign and send wiring instructions next) and the
/// signer gets the link to their signed copy, which ESIGN §7001(e) says they must be able to keep.
/// Like `NotificationEvents`, each handler only writes, in the inbox transaction; the event id
/// (with the addressee) is the dedupe key.
struct SigningNotices: Sendable {
    let notifier: Notifier
    let settings: NotificationSettings

    func register(in handlers: inout EventHandlers) {
        handlers.on(MediaDocumentSigned.self) { event, envelope, connection, logger in
            try await self.notifier.notify(self.drafts(event, envelope), on: connection, logger: logger)
        }
    }

    func drafts(_ event: MediaDocumentSigned, _ envelope: EventEnvelope) -> [NotificationDraft] {
        let events = NotificationEvents(notifier: self.notifier, settings: self.settings)
        let offeringPath = event.offeringId.map { "/offerings/\($0.uuidString.lowercased())/documents" }
        var sponsor = events.generic(
            user: event.sponsorId, type: MediaDocumentSigned.eventType, category: .documents, title: "An investor signed \(event.title)",
            message: "An investor signed version \(event.version) of \(event.title) electronically. The signed copy is ready to download.",
            path: offeringPath ?? event.signedCopyUrl, priority: .high, expiresAt: nil, envelope: envelope)
        sponsor.dedupeKey += ":sponsor"
        var signer = events.generic(
            user: event.signerId, type: MediaDocumentSigned.eventType, category: .documents, title: "You signed \(event.title)",
            message:
                "Your signature on version \(event.version) of \(event.title) is recorded. Keep your signed copy: it holds the document as you signed it.",
            path: event.signedCopyUrl, priority: .normal, expiresAt: nil, envelope: envelope)
        signer.dedupeKey += ":signer"
        // A sponsor signing their own offering's agreement (a test, a demo) hears it once.
        return event.sponsorId == event.signerId ? [signer] : [sponsor, signer]
    }
}
