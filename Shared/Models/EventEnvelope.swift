import Foundation

/// The wire form of a domain event as it travels from one service's outbox to another's
/// `POST /internal/events` (ARCHITECTURE.md, "Events").
///
/// `id` is the idempotency key of the whole delivery chain: a subscriber records it in its inbox in
/// the same transaction as its effect, so a redelivered envelope changes nothing.
public struct EventEnvelope: Codable, Sendable, Equatable {
    public var id: UUID
    /// Dotted name such as `user.created`; subscribers route on it.
    public var type: String
    /// The service that published the event.
    public var source: String
    public var occurredAt: Date
    /// Event-specific body, kept as raw JSON so the transport does not need to know every payload.
    public var payload: JSONValue

    public init(id: UUID, type: String, source: String, occurredAt: Date, payload: JSONValue) {
        self.id = id
        self.type = type
        self.source = source
        self.occurredAt = occurredAt
        self.payload = payload
    }

    /// Decodes the payload as a concrete event body.
    public func decodePayload<Payload: Decodable>(as type: Payload.Type) throws -> Payload {
        let data = try JSONEncoder.tract.encode(self.payload)
        return try JSONDecoder.tract.decode(Payload.self, from: data)
    }
}
