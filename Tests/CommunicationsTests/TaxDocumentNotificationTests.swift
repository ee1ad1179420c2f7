import Foundation
import Models
import TestSupport
import Testing

@testable import CommunicationsService

/// Issue 22: a delivered K-1 tells its investor, in the app and by email (through the real SMTP
/// sink), and a corrected one says it replaces the first.
@Suite struct TaxDocumentNotificationTests {
    static let grace = UserContact(id: UUID(), email: "grace.k1@example.com", firstName: "Grace", emailVerified: true)
    static let hugo = UserContact(id: UUID(), email: "hugo.k1@example.com", firstName: "Hugo", emailVerified: true)

    static func delivered(_ investor: UserContact, corrected: Bool) -> String {
        """
        {"k1_id":"\(UUID().uuidString.lowercased())","offering_id":"\(UUID().uuidString.lowercased())",
         "offering_name":"The Elm Residences","investor_id":"\(investor.id.uuidString.lowercased())","tax_year":2025,
         "corrected":\(corrected)}
        """
    }

    @Test func theInvestorIsToldTheirK1IsReadyAndNobodyElse() async throws {
        try await NotificationFixture.run(accounts: [Self.grace, Self.hugo]) { fixture in
            let first = try await fixture.deliver("k1.delivered", from: .investments, payload: Self.delivered(Self.grace, corrected: false))
            #expect(first.string("outcome") == "applied")
            try await fixture.deliver("k1.delivered", from: .investments, payload: Self.delivered(Self.grace, corrected: true))
            #expect(
                try await fixture.titles(Self.grace.id) == [
                    "A corrected 2025 K-1 for The Elm Residences is ready", "Your 2025 K-1 for The Elm Residences is ready",
                ])
            #expect(try await fixture.titles(Self.hugo.id).isEmpty)
            let mail = try await fixture.sink.waitForMessage(to: Self.grace.email, subjectPrefix: "Your 2025 K-1")
            #expect(mail.text?.contains("Hello Grace,") == true)
            #expect(mail.text?.contains("/k1s/") == true)
            let corrected = try await fixture.sink.waitForMessage(to: Self.grace.email, subjectPrefix: "A corrected 2025 K-1")
            #expect(corrected.text?.contains("replaces the one sent before") == true)
            // Only investments may say a K-1 was delivered.
            let forged = try await fixture.deliver("k1.delivered", from: .properties, payload: Self.delivered(Self.hugo, corrected: false))
            #expect(forged.status == 403)
            #expect(try await fixture.titles(Self.hugo.id).isEmpty)
        }
    }
}
