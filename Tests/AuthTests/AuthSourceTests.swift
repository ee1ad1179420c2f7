import Foundation
import Models
import TestSupport
import Testing

@testable import AuthService

/// Seed 000 spells the sixth entry point `join_our_community`; auth said `join_the_community`
/// before issue 14. Both are accepted, only the seed's is stored or published.
@Suite struct AuthSourceTests {
    @Test func theOldSpellingIsAcceptedAndStoredAsTheSeedSpellsIt() async throws {
        try await AuthFixture.run { auth in
            let old = try await auth.client.post(
                "/v1/auth/signup", #"{"email":"old@example.com","password":"correct horse battery","source":"join_the_community"}"#)
            #expect(old.status == 202)
            let new = try await auth.client.post(
                "/v1/auth/signup", #"{"email":"new@example.com","password":"correct horse battery","source":"join_our_community"}"#)
            #expect(new.status == 202)
            #expect(
                try await auth.sql("SELECT email || ' ' || first_auth_source FROM auth.users ORDER BY email")
                    == ["new@example.com join_our_community", "old@example.com join_our_community"])
            #expect(
                try await auth.count(
                    "SELECT count(*) FROM auth.outbox WHERE event_type = 'user.created' AND envelope #>> '{payload,first_auth_source}' = 'join_our_community'"
                ) == 2)

            // A magic link asked for with the old spelling creates the account with the new one.
            #expect(try await auth.client.post("/v1/auth/magic-links", #"{"email":"link@example.com","source":"join_the_community"}"#).status == 202)
            #expect(try await auth.sql("SELECT source FROM auth.magic_links WHERE email = 'link@example.com'") == ["join_our_community"])

            // Anything else is still refused, naming the field and listing the seed's spelling.
            let wrong = try await auth.client.post(
                "/v1/auth/signup", #"{"email":"x@example.com","password":"correct horse battery","source":"join_a_community"}"#)
            #expect(wrong.status == 422)
            #expect(wrong.text.contains(#""field":"source""#))
            #expect(wrong.text.contains("join_our_community"))
        }
    }

    @Test func canonicalSpelling() {
        #expect(AuthSource.canonical("join_the_community") == "join_our_community")
        #expect(AuthSource.canonical("join_our_community") == "join_our_community")
        #expect(AuthSource.canonical("speak_to_the_team") == "speak_to_the_team")
        #expect(AuthSource.canonical(nil) == nil)
        #expect(!AuthSource.allCases.map(\.rawValue).contains("join_the_community"))
    }
}
