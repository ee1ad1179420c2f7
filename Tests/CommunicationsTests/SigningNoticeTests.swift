import Foundation
import Models
import TestSupport
import Testing

@testable import CommunicationsService

/// Issue 22: an investor's ESIGN signature (`media.document_signed`) tells the offering's sponsor,
/// and gives the signer the link to their signed copy — in the app and by email, once each.
@Suite struct SigningNoticeTests {
    static let sponsor = UserContact(id: UUID(), email: "sam.sponsor@example.com", firstName: "Sam", emailVerified: true)
    static let investor = UserContact(id: UUID(), email: "ivy.investor@example.com", firstName: "Ivy", emailVerified: true)

    @Test func theSponsorAndTheSignerHearOfTheSignature() async throws {
        try await NotificationFixture.run(accounts: [Self.sponsor, Self.investor]) { fixture in
            let signature = UUID().uuidString.lowercased()
            let offering = UUID().uuidString.lowercased()
            let payload = """
                {"signature_id":"\(signature)","document_id":"\(UUID().uuidString.lowercased())",
                 "property_id":"\(UUID().uuidString.lowercased())","sponsor_id":"\(Self.sponsor.id.uuidString.lowercased())",
                 "offering_id":"\(offering)","signer_id":"\(Self.investor.id.uuidString.lowercased())",
                 "title":"Subscription Agreement","version":2,"document_sha256":"\(String(repeating: "ab", count: 32))",
                 "signed_copy_url":"/v1/media/signed-copies/\(signature)","signed_at":"2026-12-06T17:00:00.000000Z"}
                """
            let id = UUID()
            #expect(try await fixture.deliver("media.document_signed", from: .properties, id: id, payload: payload).string("outcome") == "applied")
            // A redelivery changes nothing.
            _ = try await fixture.deliver("media.document_signed", from: .properties, id: id, payload: payload)
            #expect(try await fixture.titles(Self.sponsor.id) == ["An investor signed Subscription Agreement"])
            #expect(try await fixture.titles(Self.investor.id) == ["You signed Subscription Agreement"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.notifications") == ["2"])
            #expect(
                try await fixture.sql(
                    "SELECT action_url FROM communications.notifications WHERE user_id = '\(Self.investor.id.uuidString.lowercased())'")
                    == ["/v1/media/signed-copies/\(signature)"])
            let mail = try await fixture.sink.waitForMessage(to: Self.sponsor.email, subjectPrefix: "An investor signed")
            #expect(mail.text?.contains("version 2 of Subscription Agreement") == true)
            #expect(mail.text?.contains("/offerings/\(offering)/documents") == true)
            _ = try await fixture.sink.waitForMessage(to: Self.investor.email, subjectPrefix: "You signed Subscription Agreement")
            // Only properties may say a document was signed.
            let forged = try await fixture.deliver("media.document_signed", from: .investments, payload: payload)
            #expect(forged.status == 403, "\(forged.text)")
        }
    }
}
