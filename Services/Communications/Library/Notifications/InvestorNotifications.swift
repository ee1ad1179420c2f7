import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Tells investors what happened to their money: `investment.committed`, `investment.funded` and
/// `distribution.paid` (one per investor's line) from investments become the
/// `investment_committed`, `investment_funded` and `distribution_paid` emails. The address
/// comes from auth when the event arrives (`UserDirectory`); if auth cannot be reached the handler
/// fails, the inbox records nothing, and the outbox delivers the event again later. The event id is
/// the send's idempotency key, so a redelivery mails nobody twice.
struct InvestorNotifications: Sendable {
    let sends: EmailSends
    let directory: UserDirectory

    func register(in handlers: inout EventHandlers) {
        handlers.on(InvestmentCommitted.self) { event, envelope, connection, logger in
            try await self.notify(
                event.investorId, template: "investment_committed", variables: ["amount": event.amount.dollars],
                envelope: envelope, connection: connection, logger: logger
            )
        }
        handlers.on(InvestmentFunded.self) { event, envelope, connection, logger in
            try await self.notify(
                event.investorId, template: "investment_funded",
                variables: ["amount": event.amount.dollars, "funding_date": event.fundingDate],
                envelope: envelope, connection: connection, logger: logger
            )
        }
        handlers.on(DistributionPaid.self) { event, envelope, connection, logger in
            try await self.notify(
                event.investorId, template: "distribution_paid",
                variables: [
                    "distribution_kind": event.distributionType.replacingOccurrences(of: "_", with: " "),
                    "payment_date": event.paymentDate, "gross_amount": event.grossAmount.dollars,
                    "tax_withheld": event.taxWithheld.dollars, "net_amount": event.netAmount.dollars,
                ],
                envelope: envelope, connection: connection, logger: logger
            )
        }
    }

    private func notify(
        _ investor: UUID, template: String, variables: [String: String], envelope: EventEnvelope,
        connection: PostgresConnection, logger: Logger
    ) async throws {
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
        _ = try await self.sends.send(
            request, idempotencyKey: envelope.id.uuidString.lowercased(), requestedBy: envelope.source,
            database: { query, logger in try await connection.query(query, logger: logger) },
            logger: logger
        )
    }
}
