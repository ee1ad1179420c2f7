import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Ticks checklist steps off as the events that prove them arrive, inside the inbox transaction
/// that records each event (so a redelivery changes nothing). Added after whatever else auth does
/// with the same type (`RoleEvents`), never instead of it.
struct OnboardingEvents: Sendable {
    func register(in handlers: inout EventHandlers) {
        Self.on(InvestorProfileCreated.self, in: &handlers) { event in (event.userId, .investorProfile) }
        Self.on(AccreditationDecided.self, in: &handlers) { event in
            // Only an approval verifies; a rejection leaves the step to do.
            event.decision == "approved" ? (event.userId, .accreditationVerified) : nil
        }
        Self.on(TaxCalculatorUsed.self, in: &handlers) { event in (event.userId, .firstTaxEstimate) }
        Self.on(InvestmentCommitted.self, in: &handlers) { event in (event.investorId, .firstInvestment) }
        Self.on(PropertyPublished.self, in: &handlers) { event in (event.property.sponsorId, .firstListing) }
        Self.on(OZCheckCompleted.self, in: &handlers) { event in (event.userId, .firstOZCheck) }
    }

    private static func on<Event: DomainEvent>(
        _ type: Event.Type, in handlers: inout EventHandlers, step: @escaping @Sendable (Event) -> (UUID, OnboardingStep)?
    ) {
        handlers.also(Event.eventType) { envelope, connection, logger in
            guard let (userID, done) = step(try envelope.decodePayload(as: Event.self)) else { return }
            try await OnboardingStore.mark(done, userID: userID, at: envelope.occurredAt, on: connection, logger: logger)
        }
    }
}
