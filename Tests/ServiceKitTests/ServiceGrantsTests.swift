import Foundation
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
        // Every service but auth asks auth about personal API tokens; auth reads its own table.
        #expect(ServiceGrants.scopes(of: .analytics) == ["internal:api-tokens.introspect", "service"])
        #expect(
            ServiceGrants.scopes(of: .communications) == [
                "events:publish", "internal:api-tokens.introspect", "internal:documents.read", "internal:properties.read",
                "internal:segments.read", "internal:users.read", "service",
            ])
        #expect(ServiceGrants.scopes(of: .properties) == ["events:publish", "internal:api-tokens.introspect", "service"])
        #expect(
            ServiceGrants.scopes(of: .auth) == ["events:publish", "internal:emails.send", "internal:users.erase", "internal:users.export", "service"])
        #expect(
            ServiceGrants.scopes(of: .investments)
                == [
                    "events:publish", "internal:api-tokens.introspect", "internal:documents.sign", "internal:emails.send",
                    "internal:properties.read", "internal:users.read", "service",
                ]
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

    /// The NetworkPolicies' map (deploy/kubernetes/callers.txt) says exactly what the code calls:
    /// a new internal route or subscription without its line would be refused in the cluster.
    @Test func theDeploysCallerMapMatchesTheCode() throws {
        #expect(
            Set(ServiceCalls.routeOwners.keys).union(ServiceCalls.servedByEvery) == Set(ServiceGrants.internalRoutes.keys),
            "an internal route without its owner")
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../deploy/kubernetes/callers.txt")
        var written: [String: Set<String>] = [:]
        for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let words = line.split(separator: " ").map(String.init)
            if let service = words.first { written[service] = Set(words.dropFirst()) }
        }
        let expected = Dictionary(uniqueKeysWithValues: ServiceName.allCases.map { ($0.rawValue, Set(ServiceCalls.callers(of: $0).map(\.rawValue))) })
        let lines = ServiceName.allCases.map { ([$0.rawValue] + ServiceCalls.callers(of: $0).map(\.rawValue).sorted()).joined(separator: " ") }
        #expect(written == expected, "deploy/kubernetes/callers.txt should read:\n\(lines.joined(separator: "\n"))")
        // Sanity: the calls everyone knows about are there.
        #expect(ServiceCalls.callers(of: .auth) == [.properties, .investments, .communications, .analytics])
        #expect(ServiceCalls.callers(of: .analytics).isSuperset(of: [.auth, .properties, .investments, .communications]))
    }
}
