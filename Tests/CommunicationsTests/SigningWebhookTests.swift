import Foundation
import Models
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// Issue 22 (and issue 17's leftover): a sponsor's webhook endpoint may subscribe to
/// `media.document_signed` and receives an investor's signature on its property's paperwork,
/// signed per the specification; another sponsor's endpoint hears nothing.
@Suite struct SigningWebhookTests {
    @Test func aSponsorsEndpointHearsThatItsAgreementWasSigned() async throws {
        try await WebhookFixture.run(withProperties: true) { fixture in
            let properties = try #require(fixture.properties)
            let sponsor = try await fixture.user([.sponsor])
            let other = try await fixture.user([.sponsor])
            let listed = try await properties.post("/v1/properties", WebhookDeliveryTests.elm, token: sponsor.token)
            let property = try #require(listed.string("id"), "\(listed.text)")
            let (_, secret) = try await fixture.register(sponsor, path: "/hook?who=sponsor", types: ["media.document_signed"])
            _ = try await fixture.register(other, path: "/hook?who=other", types: ["media.document_signed"])

            let signature = UUID().uuidString.lowercased()
            let envelope = """
                {"id":"\(UUID().uuidString.lowercased())","type":"media.document_signed","source":"properties","occurred_at":"2026-12-06T10:00:00Z",
                 "payload":{"signature_id":"\(signature)","document_id":"\(UUID().uuidString.lowercased())","property_id":"\(property)",
                 "sponsor_id":"\(sponsor.id.uuidString.lowercased())","offering_id":null,"signer_id":"\(UUID().uuidString.lowercased())",
                 "title":"Subscription Agreement","version":1,"document_sha256":"\(String(repeating: "0f", count: 32))",
                 "signed_copy_url":"/v1/media/signed-copies/\(signature)","signed_at":"2026-12-06T10:00:00.000000Z"}}
                """
            let token = try await fixture.issuer.serviceToken(for: .properties)
            #expect(try await fixture.client.post("/internal/events", envelope, token: token).string("outcome") == "applied")
            let received = try await fixture.receiver.wait(for: 1)
            try await Task.sleep(for: .milliseconds(200))
            #expect(fixture.receiver.received.map(\.path) == ["/hook?who=sponsor"])
            let message = try #require(received.first)
            let body = try JSONDecoder().decode(JSONValue.self, from: Data(message.body.utf8))
            #expect(body["type"] == "media.document_signed")
            #expect(body["data"]?["signed_copy_url"] == .string("/v1/media/signed-copies/\(signature)"))
            #expect(try await WebhookFixture.referenceVerdicts([message], secret: secret) == ["ok"])
        }
    }
}
