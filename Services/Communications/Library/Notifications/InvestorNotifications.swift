import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Tells investors what happened to their money: `investment.committed`, `investment.funded` and
/// `distribution.paid` (one per investor's line) from investments become the
/// `investment_committed`, `investment_funded` and `distribution_paid` emails.
///
/// All the I/O happens in the handler's prepare phase, before the inbox transaction: the address
/// comes from auth (`UserDirectory`), then the mail is sent and its `email_sends` row recorded on
/// its own. The event id is the send's idempotency key, claimed in `email_sends` before the SMTP
/// conversation, so a redelivery — or a delivery whose inbox commit failed after the mail went out —
/// mails nobody twice. If auth or the mail server cannot be reached the handler fails, the inbox
/// records nothing, and the outbox delivers the event again later.
struct InvestorNotifications: Sendable {
    let sends: EmailSends
    let directory: UserDirectory

    func register(in handlers: inout EventHandlers) {
        handlers.on(
            InvestmentCommitted.self,
            prepare: { event, envelope, logger in
                try await self.notify(
                    event.investorId, template: "investment_committed", variables: ["amount": event.amount.dollars], envelope: envelope,
                    logger: logger)
            }
        )
        handlers.on(
            InvestmentFunded.self,
            prepare: { event, envelope, logger in
                try await self.notify(
                    event.investorId, template: "investment_funded",
                    variables: ["amount": event.amount.dollars, "funding_date": event.fundingDate], envelope: envelope, logger: logger
                )
            }
        )
        handlers.on(
            DistributionPaid.self,
            prepare: { event, envelope, logger in
                try await self.notify(
                    event.investorId, template: "distribution_paid",
                    variables: [
                        "distribution_kind": event.distributionType.replacingOccurrences(of: "_", with: " "),
                        "payment_date": event.paymentDate, "gross_amount": event.grossAmount.dollars,
                        "tax_withheld": event.taxWithheld.dollars, "net_amount": event.netAmount.dollars,
                    ],
                    envelope: envelope, logger: logger
                )
            }
        )
    }

    private func notify(_ investor: UUID, template: String, variables: [String: String], envelope: EventEnvelope, logger: Logger) async throws {
        let context = CallContext.background(requestID: envelope.id.uuidString.lowercased())
        guard let contact = try await self.directory.contact(of: investor, context: context) else {
            // The account was deleted since: there is no one to tell.
            logger.notice("no account for an investor notification", metadata: ["event": "\(envelope.type)", "investor": "\(investor)"])
            return
        }
        let request = EmailRequest(
            templateKey: template, to: contact.email,
            variables: variables.merging(["greeting_name": contact.firstName ?? "investor"]) { given, _ in given }
        )
        _ = try await self.sends.send(request, idempotencyKey: envelope.id.uuidString.lowercased(), requestedBy: envelope.source, logger: logger)
    }
}
