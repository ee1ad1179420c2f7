import Foundation
import Models
import ServiceKit

/// Investors hear that a K-1 is ready (issue 22): in the app and by email, at high priority (a tax
/// document has a deadline), linking to the K-1 itself. A correction says so, so the investor
/// knows to give their preparer the new one.
extension NotificationEvents {
    func registerTaxDocuments(in handlers: inout EventHandlers) {
        handlers.on(K1Delivered.self) { event, envelope, connection, logger in
            try await self.notifier.notify([self.k1Delivered(event, envelope)], on: connection, logger: logger)
        }
    }

    func k1Delivered(_ event: K1Delivered, _ envelope: EventEnvelope) -> NotificationDraft {
        let title =
            event.corrected
            ? "A corrected \(event.taxYear) K-1 for \(event.offeringName) is ready"
            : "Your \(event.taxYear) K-1 for \(event.offeringName) is ready"
        let message =
            event.corrected
            ? "The sponsor issued a corrected Schedule K-1. It replaces the one sent before: give your tax preparer this one."
            : "Your Schedule K-1 (Form 1065) is ready to download for your tax return."
        return self.generic(
            user: event.investorId, type: K1Delivered.eventType, category: .documents, title: title, message: message,
            path: "/k1s/\(event.k1Id.uuidString.lowercased())", priority: .high, expiresAt: nil, envelope: envelope)
    }
}
