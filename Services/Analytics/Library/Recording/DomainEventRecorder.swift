import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Records every domain event analytics receives as an `events` row, in the inbox transaction
/// that records its id, so a redelivery records nothing twice and nothing is only acknowledged
/// (issue 13). The journeys and interests the event moves are updated in the same transaction.
struct DomainEventRecorder: Sendable {
    let writer = EventWriter()
    let journeys = JourneyWriter()
    let clock: ServiceClock

    /// The inbox's one handler: every type goes through `onEvery`, a delivered batch at once.
    func eventHandlers() -> EventHandlers {
        var handlers = EventHandlers()
        handlers.onEvery(batch: { envelopes, connection, logger in
            try await self.record(envelopes, on: connection, logger: logger)
        })
        return handlers
    }

    /// The events in one insert, and the journeys they move in one pass.
    func record(_ envelopes: [EventEnvelope], on connection: PostgresConnection, logger: Logger) async throws {
        let receivedAt = self.clock.now
        let events = envelopes.map { Self.event(from: $0, receivedAt: receivedAt) }
        let stored = try await self.writer.write(events, on: connection, logger: logger)
        let new = events.filter { stored.contains($0.id) }
        guard !new.isEmpty else { return }
        try await self.journeys.apply(events: new, on: connection, logger: logger)
    }

    /// The row an envelope becomes: its id, type, publisher and time; the user it is about
    /// (`EventSubjects`); its payload without the sensitive fields (`SensitiveFields`).
    static func event(from envelope: EventEnvelope, receivedAt: Date) -> RecordedEvent {
        RecordedEvent(
            id: envelope.id,
            name: envelope.type,
            origin: envelope.source,
            occurredAt: envelope.occurredAt,
            receivedAt: receivedAt,
            userID: EventSubjects.user(of: envelope.type, in: envelope.payload),
            properties: SensitiveFields.scrub(envelope.payload)
        )
    }
}
