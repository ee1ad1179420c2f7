import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The events sponsors' webhook endpoints may subscribe to, and their recording from the inbox.
///
/// Each handler runs after communications' own (`EventHandlers.also`), in the inbox transaction,
/// and only writes: the event waits in `webhook_events` until the delivery worker has found whose
/// it is and queued a delivery per endpoint. Events no enabled endpoint subscribes to are not kept.
enum WebhookEvents {
    /// What communications already receives and a sponsor can act on. Each names the property it
    /// is about, whose sponsor owns it, or the sponsor itself. A document signed is the ESIGN
    /// signature of investing paperwork (issue 22), which names the property and the offering's sponsor.
    static let types: [String] = [
        InvestmentCommitted.eventType, InvestmentFunded.eventType, DistributionCompleted.eventType, RenovationProgressUpdated.eventType,
        MediaDocumentSigned.eventType,
    ]
    /// What `POST …/test` sends; any endpoint receives it whatever it subscribes to.
    static let testType = "webhook.test"

    static func register(in handlers: inout EventHandlers, clock: ServiceClock) {
        for type in Self.types {
            handlers.also(type) { envelope, connection, logger in
                try await Self.record(envelope, now: clock.now, on: connection, logger: logger)
            }
        }
    }

    static func record(_ envelope: EventEnvelope, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        let property = Self.uuid(envelope.payload["property_id"])
        let sponsor = Self.uuid(envelope.payload["sponsor_id"])
        let body = try Self.body(type: envelope.type, timestamp: envelope.occurredAt, data: envelope.payload)
        try await connection.query(
            """
            INSERT INTO communications.webhook_events (id, event_type, property_id, sponsor_id, payload, occurred_at, received_at, next_fan_out_at)
            SELECT \(envelope.id), \(envelope.type), \(property), \(sponsor), \(body), \(envelope.occurredAt), \(now), \(now)
            WHERE EXISTS (SELECT 1 FROM communications.webhook_endpoints WHERE enabled AND \(envelope.type) = ANY (event_types))
            ON CONFLICT (id) DO NOTHING
            """,
            logger: logger)
    }

    /// The body every endpoint receives, in the shape the specification recommends: `type`,
    /// `timestamp` and the event's own fields under `data`. Made once: every attempt and replay
    /// sends (and signs) the same bytes.
    static func body(type: String, timestamp: Date, data: JSONValue) throws -> String {
        let message = JSONValue.object(["type": .string(type), "timestamp": .string(RFC3339.string(from: timestamp)), "data": data])
        return String(decoding: try JSONEncoder.tract.encode(message), as: UTF8.self)
    }

    private static func uuid(_ value: JSONValue?) -> UUID? {
        guard case .string(let text)? = value else { return nil }
        return UUID(uuidString: text)
    }
}
