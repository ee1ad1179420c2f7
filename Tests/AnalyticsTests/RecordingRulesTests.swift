import Foundation
import Models
import Testing

@testable import AnalyticsService

/// What a recorded domain event keeps: whom it is about, and its payload without what identifies
/// or reaches a person.
@Suite struct RecordingRulesTests {
    /// Every type the services publish to analytics has its row: a new type cannot slip in with
    /// its user guessed.
    @Test func everyPublishedTypeSaysWhomItIsAbout() {
        let recorded = Set(EventPublishers.table.keys).filter { EventSubscriptions.subscribers(of: $0).contains("analytics") }
        #expect(recorded == Set(EventPublishers.table.keys).subtracting(EventSubscriptions.confidential))
        let missing = recorded.subtracting(EventSubjects.table.keys)
        #expect(missing.isEmpty, "types without a subject row: \(missing.sorted())")
    }

    @Test func theUserComesFromEachPayloadsOwnKey() throws {
        let user = UUID()
        func payload(_ event: some DomainEvent) throws -> JSONValue {
            try JSONDecoder.tract.decode(JSONValue.self, from: JSONEncoder.tract.encode(event))
        }
        let created = try payload(
            UserCreated(userId: user, email: "ann@example.com", currentRole: "investor", firstAuthSource: nil, authMethod: "password"))
        #expect(EventSubjects.user(of: "user.created", in: created) == user)
        let committed = try payload(
            InvestmentCommitted(investmentId: UUID(), offeringId: UUID(), propertyId: UUID(), investorId: user, amount: Money(cents: 2_500_000)))
        #expect(EventSubjects.user(of: "investment.committed", in: committed) == user)
        let snapshot = PropertySnapshot(
            propertyId: UUID(), slug: "elm", propertyName: "The Elm", status: "active", visibility: "investors", city: "Prattville", state: "AL",
            propertyType: nil, propertyClass: nil, inOz: true, ozTractGeoid: nil, investmentOpen: true, minimumInvestment: nil,
            maximumInvestment: nil, targetRaise: nil, sponsorId: user)
        #expect(EventSubjects.user(of: "property.published", in: try payload(PropertyPublished(property: snapshot))) == user)
        let signature = try payload(MediaSignatureRequested(signatureId: UUID(), documentId: UUID(), signerId: user, requestedBy: UUID()))
        #expect(EventSubjects.user(of: "media.signature_requested", in: signature) == user)
        let totals = try payload(
            OfferingTotalsChanged(offeringId: UUID(), propertyId: UUID(), amountRaised: Money(cents: 0), investorCount: 0, version: 1))
        #expect(EventSubjects.user(of: "offering.totals_changed", in: totals) == nil)
        // A type published after this table was written: the suite's usual key.
        #expect(EventSubjects.user(of: "webinar.registered", in: .object(["user_id": .string(user.uuidString)])) == user)
        #expect(EventSubjects.user(of: "user.created", in: .object(["user_id": .string("not a uuid")])) == nil)
    }

    @Test func sensitiveFieldsAreDroppedAtEveryDepth() {
        let payload: JSONValue = .object([
            "user_id": .string("u1"), "email": .string("ann@example.com"), "first_name": .string("Ann"), "last_name": .string("Lee"),
            "auth_method": .string("password"), "first_auth_source": .string("see_oz_listings"),
            "contact": .object(["phone_number": .string("555"), "contact_email": .string("a@b.c"), "city": .string("Prattville")]),
            "shares": .array([.object(["refresh_token": .string("t"), "document_id": .string("d")])]),
            "client_secret": .string("s"), "code": .string("123456"), "ip_address": .string("203.0.113.9"),
        ])
        #expect(
            SensitiveFields.scrub(payload)
                == .object([
                    "user_id": .string("u1"), "auth_method": .string("password"), "first_auth_source": .string("see_oz_listings"),
                    "contact": .object(["city": .string("Prattville")]), "shares": .array([.object(["document_id": .string("d")])]),
                ]))
        #expect(SensitiveFields.scrub(.string("x")) == .object(["value": .string("x")]))
        for key in ["email", "Email", "full_name", "password", "token", "access_token", "signer_name", "address_line1"] {
            #expect(SensitiveFields.isSensitive(key), "\(key)")
        }
        for key in ["user_id", "property_name", "amount", "status", "source", "first_auth_source", "auth_method"] {
            #expect(!SensitiveFields.isSensitive(key), "\(key)")
        }
    }

    @Test func anEnvelopeBecomesItsRow() {
        let user = UUID()
        let envelope = EventEnvelope(
            id: UUID(), type: "user.created", source: "auth", occurredAt: Date(timeIntervalSince1970: 1_790_000_000),
            payload: .object(["user_id": .string(user.uuidString), "email": .string("ann@example.com"), "auth_method": .string("password")])
        )
        let received = Date(timeIntervalSince1970: 1_790_000_005)
        let event = DomainEventRecorder.event(from: envelope, receivedAt: received)
        #expect(
            event
                == RecordedEvent(
                    id: envelope.id, name: "user.created", origin: "auth", occurredAt: envelope.occurredAt, receivedAt: received, userID: user,
                    properties: .object(["user_id": .string(user.uuidString), "auth_method": .string("password")])))
    }
}
