import Models
import Testing

/// The one table of who publishes and who receives each event, and the scopes derived from it
/// (issue 11, item 4).
@Suite struct ServiceGrantsTests {
    @Test func everySubscribedEventTypeHasItsPublishers() {
        for case .only(let types) in EventSubscriptions.table.values {
            #expect(types.isSubset(of: EventPublishers.table.keys), "subscribed to a type no service publishes")
        }
        #expect(EventPublishers.table.values.allSatisfy { !$0.isEmpty })
        // Every published type reaches someone: analytics hears all but the confidential ones.
        for type in EventPublishers.table.keys {
            #expect(!EventSubscriptions.subscribers(of: type).isEmpty, "\(type) reaches no one")
        }
        #expect(EventSubscriptions.subscribers(of: "email.requested") == ["communications"])
    }

    @Test func eachServiceGetsOnlyWhatItDoes() {
        #expect(ServiceGrants.scopes(of: .analytics) == ["service"])
        #expect(
            ServiceGrants.scopes(of: .communications) == [
                "events:publish", "internal:documents.read", "internal:properties.read", "internal:segments.read", "internal:users.read",
                "service",
            ])
        #expect(ServiceGrants.scopes(of: .properties) == ["events:publish", "service"])
        #expect(ServiceGrants.scopes(of: .auth) == ["events:publish", "internal:emails.send", "service"])
        #expect(
            ServiceGrants.scopes(of: .investments)
                == ["events:publish", "internal:emails.send", "internal:properties.read", "internal:users.read", "service"]
        )
    }

    @Test func aPairIsAcceptedOnlyFromItsPublisherAtItsSubscribers() {
        #expect(ServiceGrants.accepts("property.deleted", from: "properties", at: "investments"))
        #expect(!ServiceGrants.accepts("property.deleted", from: "analytics", at: "investments"))
        #expect(!ServiceGrants.accepts("property.deleted", from: "properties", at: "communications"))
        #expect(ServiceGrants.accepts("email.requested", from: "investments", at: "communications"))
        #expect(!ServiceGrants.accepts("email.requested", from: "auth", at: "analytics"))
        #expect(!ServiceGrants.accepts("made.up", from: "auth", at: "analytics"))
    }
}
