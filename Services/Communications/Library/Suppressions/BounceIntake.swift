import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `POST /v1/communications/bounces/{provider}`: a mail provider reports a bounce or a complaint.
///
/// No user token: the provider signs the body the Standard Webhooks way with its own `whsec_`
/// secret (`BOUNCE_PROVIDER_SECRETS`), checked by the same code that signs Tract's outgoing
/// webhooks. An unknown provider and a bad signature are the same 401, so the answer does not say
/// which providers exist.
struct BounceIntakeController: RouteController {
    let store: BounceStore
    let settings: BounceSettings
    let clock: ServiceClock

    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .post(":provider", use: self.receive)
    }

    static let unauthenticated = Problem(.unauthorized, detail: "The report is not signed with a secret this service knows for the provider.")

    @Sendable func receive(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        let provider = context.parameters.get("provider") ?? ""
        guard BounceSettings.isProviderName(provider), let secrets = self.settings.providerSecrets[provider] else {
            context.logger.notice("bounce report from an unknown provider")
            throw Self.unauthenticated
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: BounceSettings.maximumBody)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw Problem(.contentTooLarge, detail: "A bounce report is at most \(BounceSettings.maximumBody) bytes.")
        }
        let bytes = Array(buffer.readableBytesView)
        do {
            try StandardWebhookSignature.verify(
                headers: request.headers, body: bytes, secrets: secrets, now: self.clock.now, tolerance: self.settings.tolerance)
        } catch {
            context.logger.notice("bounce report refused", metadata: ["provider": "\(provider)", "reason": "\(error)"])
            throw Self.unauthenticated
        }
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            throw Problem(.unsupportedMediaType, detail: "Send the report as application/json.")
        }
        let report = try BounceReport.read(try RequestJSON.decode(JSONValue.self, from: bytes))
        return try await self.store.record(report, provider: provider, logger: context.logger)
    }
}

/// SQL for `email_bounces`: one transaction records the report, links it to the mail it is about,
/// marks that mail bounced and suppresses the address when the kind calls for it. Idempotent per
/// (provider, event id): a provider's retry changes nothing and gets the first answer.
struct BounceStore: Sendable {
    let postgres: PostgresClient
    let clock: ServiceClock
    let ids: IDGenerator

    func record(_ report: BounceReport, provider: String, logger: Logger) async throws -> JSONDocument {
        let now = self.clock.now
        return try await self.postgres.transaction(logger: logger) { connection in
            let forms = report.messageIDForms
            let inserted = try await connection.query(
                """
                INSERT INTO communications.email_bounces
                    (id, provider, provider_event_id, email, kind, provider_message_id, email_send_id, diagnostic, occurred_at, received_at)
                VALUES (\(self.ids.next()), \(provider), \(report.eventID), \(report.email), \(report.kind.rawValue), \(report.providerMessageID),
                        (SELECT id FROM communications.email_sends WHERE cardinality(\(forms)::text[]) > 0 AND provider_message_id = ANY(\(forms))
                         ORDER BY created_at DESC LIMIT 1),
                        \(report.diagnostic), \(report.occurredAt), \(now))
                ON CONFLICT (provider, provider_event_id) DO NOTHING
                RETURNING id, email_send_id
                """, logger: logger)
            var created: (UUID, UUID?)?
            for try await row in inserted.decode((UUID, UUID?).self) { created = row }
            guard let (_, send) = created else {
                return JSONDocument(try await Self.document(provider: provider, eventID: report.eventID, on: connection, logger: logger))
            }
            if let send, report.kind != .complaint {
                // A bounce is a bounce for the campaign report; only a hard one says the mail is gone for good.
                try await connection.query(
                    """
                    UPDATE communications.email_sends
                    SET bounced_at = COALESCE(bounced_at, \(report.occurredAt)), updated_at = \(now),
                        status = CASE WHEN \(report.kind == .hard) AND status IN ('sent', 'delivered') THEN 'bounced' ELSE status END
                    WHERE id = \(send)
                    """, logger: logger)
            }
            if let reason = report.kind.suppression {
                try await Suppressions.suppress(
                    report.email, reason: reason, source: "bounce:\(provider)", detail: report.diagnostic, at: now, on: connection, logger: logger)
            }
            logger.info("bounce recorded", metadata: ["provider": "\(provider)", "kind": "\(report.kind.rawValue)", "linked": "\(send != nil)"])
            return JSONDocument(
                try await Self.document(provider: provider, eventID: report.eventID, on: connection, logger: logger), status: .created)
        }
    }

    static func document(provider: String, eventID: String, on connection: PostgresConnection, logger: Logger) async throws -> String {
        let rows = try await connection.query(
            """
            SELECT jsonb_build_object('id', b.id, 'provider', b.provider, 'event_id', b.provider_event_id, 'type', b.kind, 'email', b.email,
                'provider_message_id', b.provider_message_id, 'email_send_id', b.email_send_id, 'diagnostic', b.diagnostic,
                'occurred_at', communications.rfc3339(b.occurred_at), 'received_at', communications.rfc3339(b.received_at),
                'suppressed', EXISTS (SELECT 1 FROM communications.email_suppressions s WHERE s.email = lower(b.email)))::text
            FROM communications.email_bounces b WHERE b.provider = \(provider) AND b.provider_event_id = \(eventID)
            """, logger: logger)
        for try await text in rows.decode(String.self) { return text }
        throw Problem.notFound("No bounce report has this id.")
    }
}
