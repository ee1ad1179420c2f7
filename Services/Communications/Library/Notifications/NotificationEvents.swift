import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Notifications from other services' events (issue 14). Each handler runs in the inbox
/// transaction and only writes (no call, no mail): the notification, its planned email and the
/// live-feed items commit with the inbox row, and `NotificationDelivery` mails later. The event's
/// id is every draft's dedupe key, so a redelivery creates nothing twice.
///
/// The investor emails of issue 5 (`investment_committed`, `investment_funded`,
/// `distribution_paid`) are the email channel of these notifications, not a path of their own.
struct NotificationEvents: Sendable {
    let notifier: Notifier
    let settings: NotificationSettings

    func register(in handlers: inout EventHandlers) {
        handlers.on(InvestmentCommitted.self) { event, envelope, connection, logger in
            // The projection a property's updates fan out over: who invested where.
            try await connection.query(
                """
                INSERT INTO communications.property_investors (property_id, investor_id, first_committed_at)
                VALUES (\(event.propertyId), \(event.investorId), \(envelope.occurredAt)) ON CONFLICT DO NOTHING
                """,
                logger: logger
            )
            try await self.notifier.notify([Self.committed(event, envelope)], on: connection, logger: logger)
        }
        handlers.on(InvestmentFunded.self) { event, envelope, connection, logger in
            try await self.notifier.notify([Self.funded(event, envelope)], on: connection, logger: logger)
        }
        handlers.on(DistributionPaid.self) { event, envelope, connection, logger in
            try await self.notifier.notify([Self.paid(event, envelope)], on: connection, logger: logger)
        }
        handlers.on(StatementSent.self) { event, envelope, connection, logger in
            try await self.notifier.notify([Self.statement(event, envelope)], on: connection, logger: logger)
        }
        handlers.on(MediaDocumentShared.self) { event, envelope, connection, logger in
            // A share by link has no user to tell.
            guard let draft = self.documentShared(event, envelope) else { return }
            try await self.notifier.notify([draft], on: connection, logger: logger)
        }
        handlers.on(MediaSignatureRequested.self) { event, envelope, connection, logger in
            try await self.notifier.notify([self.signatureRequested(event, envelope)], on: connection, logger: logger)
        }
        handlers.on(RenovationProgressUpdated.self) { event, envelope, connection, logger in
            try await self.progressUpdated(event, envelope, on: connection, logger: logger)
        }
        self.registerTaxDocuments(in: &handlers)
        handlers.on(ComplianceDeadlineApproaching.self) { event, envelope, connection, logger in
            try await self.notifier.notify([self.complianceDeadline(event, envelope)], on: connection, logger: logger)
        }
    }

    /// The sponsor of an OZ fund, `days_left` days before a 90% test date or the end of an at-risk
    /// improvement window (issue 21): in the app and by email (a missed test costs the fund a
    /// penalty every month).
    func complianceDeadline(_ event: ComplianceDeadlineApproaching, _ envelope: EventEnvelope) -> NotificationDraft {
        let what = event.kind == "improvement_window" ? "substantial-improvement window closes" : "90% asset test date is"
        let when = event.daysLeft == 0 ? "today" : "in \(event.daysLeft) day\(event.daysLeft == 1 ? "" : "s")"
        return self.generic(
            user: event.sponsorId, type: ComplianceDeadlineApproaching.eventType, category: .legal,
            title: "\(event.offeringName): the \(what) \(when)",
            message: "Deadline \(event.deadline)." + (event.detail.map { " \($0)." } ?? ""),
            path: "/offerings/\(event.offeringId.uuidString.lowercased())/compliance",
            priority: event.daysBefore <= 7 ? .high : .normal, expiresAt: nil, envelope: envelope)
    }

    static func committed(_ event: InvestmentCommitted, _ envelope: EventEnvelope) -> NotificationDraft {
        NotificationDraft(
            userID: event.investorId, type: InvestmentCommitted.eventType, category: .investments,
            title: "Your \(event.amount.dollars) commitment is confirmed",
            message: "The room is reserved for you in the offering. The sponsor will send wiring instructions next.",
            actionURL: "/investments/\(event.investmentId.uuidString.lowercased())", priority: .high,
            email: EmailContent(templateKey: "investment_committed", variables: ["amount": event.amount.dollars]),
            dedupeKey: Self.key(envelope)
        )
    }

    static func funded(_ event: InvestmentFunded, _ envelope: EventEnvelope) -> NotificationDraft {
        NotificationDraft(
            userID: event.investorId, type: InvestmentFunded.eventType, category: .money,
            title: "We received your \(event.amount.dollars) investment",
            message: "Your investment was funded on \(event.fundingDate).",
            actionURL: "/investments/\(event.investmentId.uuidString.lowercased())", priority: .high,
            email: EmailContent(
                templateKey: "investment_funded", variables: ["amount": event.amount.dollars, "funding_date": event.fundingDate]),
            dedupeKey: Self.key(envelope)
        )
    }

    static func paid(_ event: DistributionPaid, _ envelope: EventEnvelope) -> NotificationDraft {
        let kind = event.distributionType.replacingOccurrences(of: "_", with: " ")
        return NotificationDraft(
            userID: event.investorId, type: DistributionPaid.eventType, category: .money,
            title: "Your \(kind) distribution of \(event.netAmount.dollars) was paid",
            message: "Paid on \(event.paymentDate): \(event.grossAmount.dollars) gross, \(event.taxWithheld.dollars) tax withheld.",
            actionURL: "/portfolio/distributions", priority: .high,
            email: EmailContent(
                templateKey: "distribution_paid",
                variables: [
                    "distribution_kind": kind, "payment_date": event.paymentDate, "gross_amount": event.grossAmount.dollars,
                    "tax_withheld": event.taxWithheld.dollars, "net_amount": event.netAmount.dollars,
                ]
            ),
            dedupeKey: Self.key(envelope)
        )
    }

    /// In the app only: investments mails the statement itself (`statement_ready`, requested in
    /// the transaction that sent it), so a second mail here would say the same thing twice.
    static func statement(_ event: StatementSent, _ envelope: EventEnvelope) -> NotificationDraft {
        NotificationDraft(
            userID: event.investorId, type: StatementSent.eventType, category: .documents,
            title: "Your \(event.statementType) statement is ready",
            message: "Your statement for \(event.periodStart) to \(event.periodEnd) is ready to read.",
            actionURL: "/statements/\(event.statementId.uuidString.lowercased())", dedupeKey: Self.key(envelope)
        )
    }

    func documentShared(_ event: MediaDocumentShared, _ envelope: EventEnvelope) -> NotificationDraft? {
        guard let user = event.sharedWith else { return nil }
        let path = "/documents/\(event.documentId.uuidString.lowercased())"
        return self.generic(
            user: user, type: MediaDocumentShared.eventType, category: .documents, title: "A document was shared with you",
            message: "A document on Tract was shared with you\(event.expiresAt == nil ? "" : " for a limited time").", path: path,
            priority: .normal, expiresAt: event.expiresAt, envelope: envelope)
    }

    func signatureRequested(_ event: MediaSignatureRequested, _ envelope: EventEnvelope) -> NotificationDraft {
        self.generic(
            user: event.signerId, type: MediaSignatureRequested.eventType, category: .legal, title: "Your signature is requested",
            message: "A document on Tract is waiting for your signature.",
            path: "/documents/\(event.documentId.uuidString.lowercased())", priority: .high, expiresAt: nil, envelope: envelope)
    }

    /// One update to every investor of the property and to no one else: the investors come from
    /// the projection, in one statement, and the notifications go in set-based.
    func progressUpdated(_ event: RenovationProgressUpdated, _ envelope: EventEnvelope, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        var investors: [UUID] = []
        for try await investor in try await connection.query(
            "SELECT investor_id FROM communications.property_investors WHERE property_id = \(event.propertyId)", logger: logger
        ).decode(UUID.self) {
            investors.append(investor)
        }
        guard !investors.isEmpty else { return }
        try await self.notifier.notify(self.progressDrafts(event, envelope, investors: investors), on: connection, logger: logger)
    }

    func progressDrafts(_ event: RenovationProgressUpdated, _ envelope: EventEnvelope, investors: [UUID]) -> [NotificationDraft] {
        let message =
            "The renovation is \(event.projectCompletionPercentage)% complete (\(event.projectStatus.replacingOccurrences(of: "_", with: " "))) as of \(event.updateDate)."
        let path = "/properties/\(event.propertyId.uuidString.lowercased())/renovation"
        return investors.map { investor in
            self.generic(
                user: investor, type: RenovationProgressUpdated.eventType, category: .propertyUpdates,
                title: "Renovation progress on a property you invested in", message: message, path: path, priority: .normal,
                expiresAt: nil, envelope: envelope)
        }
    }

    /// A notification whose mail is the `notification` template: its title, message and link.
    func generic(
        user: UUID, type: String, category: NotificationCategory, title: String, message: String, path: String,
        priority: NotificationPriority, expiresAt: Date?, envelope: EventEnvelope
    ) -> NotificationDraft {
        NotificationDraft(
            userID: user, type: type, category: category, title: title, message: message, actionURL: path, priority: priority,
            expiresAt: expiresAt,
            email: EmailContent(templateKey: "notification", variables: ["title": title, "message": message, "link": self.settings.link(path)]),
            dedupeKey: Self.key(envelope)
        )
    }

    static func key(_ envelope: EventEnvelope) -> String { "event:\(envelope.id.uuidString.lowercased())" }
}
