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
    /// The W3C `traceparent` of the span that published the event (the request that caused it),
    /// kept in the outbox row so delivery and handling continue that trace; absent when none.
    public var traceparent: String?

    public init(id: UUID, type: String, source: String, occurredAt: Date, payload: JSONValue, traceparent: String? = nil) {
        self.id = id
        self.type = type
        self.source = source
        self.occurredAt = occurredAt
        self.payload = payload
        self.traceparent = traceparent
    }

    /// Decodes the payload as a concrete event body.
    public func decodePayload<Payload: Decodable>(as type: Payload.Type) throws -> Payload {
        let data = try JSONEncoder.tract.encode(self.payload)
        return try JSONDecoder.tract.decode(Payload.self, from: data)
    }
}
