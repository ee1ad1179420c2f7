import Foundation
import HTTPTypes
import Models
import ServiceKit
import Synchronization
import TestSupport
import Testing

@testable import PropertiesService

/// The media stores take "now" and new ids from the service's dependencies (issue 12), so a test
/// that fixes them sees them in what is stored and answered.
@Suite struct MediaDependenciesTests {
    /// 2030-01-01T00:00:00Z.
    static let now = Date(timeIntervalSince1970: 1_893_456_000)

    /// Ids `00000000-0000-7000-8000-00000000000n`, n counting up from 1.
    static func countingIDs() -> IDGenerator {
        let next = Atomic<Int>(0)
        return IDGenerator {
            let n = next.add(1, ordering: .relaxed).newValue
            return UUID(uuidString: String(format: "00000000-0000-7000-8000-%012x", n))!
        }
    }

    static func issued(_ id: String?) -> Bool { id?.hasPrefix("00000000-0000-7000-8000-") == true }

    @Test func photosDocumentsSharesAndSignatureRequestsUseTheServiceClockAndIDs() async throws {
        let overrides = ServiceOverrides(runsOutboxDispatcher: false, clock: .fixed(Self.now), ids: Self.countingIDs())
        try await MediaRouterFixture.run(overrides: overrides) { fixture in
            let (_, sponsor) = try await fixture.sponsor()
            let property = try await fixture.property(token: sponsor).lowercased

            let photo = try await fixture.send(
                .post, "/v1/properties/\(property)/photos", token: sponsor, contentType: "image/png", body: MediaSamples.png(width: 2, height: 2)
            )
            #expect(photo.status == .created)
            #expect(Self.issued(photo.string("id")))
            #expect(photo.headers[.location] == "/v1/properties/\(property)/photos/\(photo.string("id") ?? "")")

            let document = try await fixture.send(
                .post, "/v1/properties/\(property)/documents?name=Deck", token: sponsor, contentType: "application/pdf",
                body: MediaSamples.pdf("deck")
            )
            #expect(document.status == .created)
            let documentID = try #require(document.string("id"))
            #expect(Self.issued(documentID))

            // A link share's expiry is counted from the service's "now", not the wall clock's.
            let share = try await fixture.send(
                .post, "/v1/documents/\(documentID)/shares", token: sponsor, contentType: "application/json",
                body: Array(#"{"expires_in_seconds": 3600}"#.utf8)
            )
            #expect(share.status == .created)
            #expect(Self.issued(share.string("id")))
            #expect(share.string("expires_at")?.hasPrefix("2030-01-01T01:00:00") == true)

            let signature = try await fixture.send(
                .post, "/v1/documents/\(documentID)/signature-requests", token: sponsor, contentType: "application/json",
                body: Array(#"{"signer_id": "\#(UUID().uuidString.lowercased())"}"#.utf8)
            )
            #expect(signature.status == .created)
            #expect(Self.issued(signature.string("id")))
        }
    }
}
