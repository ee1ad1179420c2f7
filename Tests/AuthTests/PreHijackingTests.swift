import AuthService
import Foundation
import Models
import ServiceKit
import TestSupport
import Testing

/// Issue 11, item 2: a stranger who signs up someone else's address first must not end up holding
/// the account once its owner proves the address.
@Suite struct PreHijackingTests {
    static func settings() -> AuthSettings {
        // Several mails to one address within a minute.
        var limits = RateLimits()
        limits.emailSendsPerAddress = TokenBucket(10, per: .seconds(60))
        return AuthFixture.settings(limits: limits)
    }

    @Test func aMagicLinkSignInClearsAStrangersPasswordOnAnUnverifiedAccount() async throws {
        try await AuthFixture.run(settings: Self.settings()) { auth in
            let victim = "victim@example.com"
            #expect(try await auth.client.post("/v1/auth/signup", #"{"email":"\#(victim)","password":"attacker chosen phrase"}"#).status == 202)
            #expect(try await auth.client.post("/v1/auth/magic-links", #"{"email":"\#(victim)"}"#).status == 202)
            let token = try #require(AuthFixture.token(in: try await auth.lastMail(to: victim)?.variables["link"]))
            let signedIn = try await auth.client.post("/v1/auth/magic-links/verify", #"{"token":"\#(token)"}"#)
            #expect(signedIn.status == 200)
            #expect(try await auth.client.get("/v1/auth/me", token: try #require(signedIn.string("access_token")))["email_verified"] == .bool(true))
            // The stranger's password is gone: their password grant fails like any wrong password.
            let attacker = try await auth.signIn(victim, password: "attacker chosen phrase")
            #expect(attacker.status == 400)
            #expect(attacker.string("type") == "https://tract.dev/problems/invalid-grant")
            #expect(
                try await auth.count(
                    "SELECT count(*) FROM auth.users WHERE email = '\(victim)' AND password_hash IS NULL AND email_verified_at IS NOT NULL") == 1)
            // The stranger's verification link (mailed to the victim) cannot bring the password back.
            let first = try await auth.sql(
                "SELECT envelope->'payload'->'email'->'variables'->>'link' FROM auth.outbox WHERE envelope->'payload'->'email'->>'template_key' = 'verify_email' ORDER BY id LIMIT 1"
            )
            let verifyToken = try #require(AuthFixture.token(in: first.first))
            #expect(try await auth.client.post("/v1/auth/verify-email", #"{"token":"\#(verifyToken)"}"#).status == 200)
            #expect(try await auth.signIn(victim, password: "attacker chosen phrase").status == 400)
        }
    }

    @Test func verifyingAnUnverifiedAccountByMagicLinkEndsItsSessions() async throws {
        try await AuthFixture.run(settings: Self.settings()) { auth in
            // An account with a live session that is (still, or again) unverified: the state the
            // magic link must not leave behind.
            let email = try await auth.verifiedUser()
            let session = try await auth.signIn(email)
            try await auth.sql("UPDATE auth.users SET email_verified_at = NULL WHERE email = '\(email)'")
            #expect(try await auth.client.post("/v1/auth/magic-links", #"{"email":"\#(email)"}"#).status == 202)
            let token = try #require(AuthFixture.token(in: try await auth.lastMail(to: email)?.variables["link"]))
            #expect(try await auth.client.post("/v1/auth/magic-links/verify", #"{"token":"\#(token)"}"#).status == 200)
            #expect(try await auth.refresh(try #require(session.string("refresh_token"))).status == 400)
            #expect(try await auth.signIn(email).status == 400)
            #expect(try await auth.count("SELECT count(*) FROM auth.outbox WHERE event_type = 'session.revoked'") == 1)
        }
    }

    @Test func theOwnersOwnSignUpLinkKeepsTheOwnersPassword() async throws {
        try await AuthFixture.run(settings: Self.settings()) { auth in
            let victim = "owner@example.com"
            #expect(try await auth.client.post("/v1/auth/signup", #"{"email":"\#(victim)","password":"attacker chosen phrase"}"#).status == 202)
            // The owner signs up too; the answer is the same as for any sign-up, and a link comes.
            let again = try await auth.client.post("/v1/auth/signup", #"{"email":"\#(victim)","password":"the owners own phrase"}"#)
            #expect(again.status == 202)
            let links = try await auth.sql(
                "SELECT envelope->'payload'->'email'->'variables'->>'link' FROM auth.outbox WHERE envelope->'payload'->'email'->>'template_key' = 'verify_email' ORDER BY id"
            )
            #expect(links.count == 2)
            let ownersToken = try #require(AuthFixture.token(in: links.last))
            #expect(try await auth.client.post("/v1/auth/verify-email", #"{"token":"\#(ownersToken)"}"#).status == 200)
            #expect(try await auth.signIn(victim, password: "attacker chosen phrase").status == 400)
            #expect(try await auth.signIn(victim, password: "the owners own phrase").status == 200)
            // The stranger's link, clicked later, changes nothing: the address is already proven.
            let strangersToken = try #require(AuthFixture.token(in: links.first))
            #expect(try await auth.client.post("/v1/auth/verify-email", #"{"token":"\#(strangersToken)"}"#).status == 200)
            #expect(try await auth.signIn(victim, password: "attacker chosen phrase").status == 400)
            #expect(try await auth.signIn(victim, password: "the owners own phrase").status == 200)
            #expect(try await auth.count("SELECT count(*) FROM auth.users") == 1)
        }
    }

    @Test func unverifiedSignUpsExpireAndTheAddressCanBeSignedUpAgain() async throws {
        try await AuthFixture.run(settings: Self.settings()) { auth in
            let email = "late@example.com"
            #expect(try await auth.client.post("/v1/auth/signup", #"{"email":"\#(email)","password":"first sign up phrase"}"#).status == 202)
            let oldToken = try #require(AuthFixture.token(in: try await auth.lastMail(to: email)?.variables["link"]))
            // Older than the default seven days.
            try await auth.sql("UPDATE auth.users SET created_at = now() - interval '8 days' WHERE email = '\(email)'")
            #expect(try await auth.client.post("/v1/auth/signup", #"{"email":"\#(email)","password":"second sign up phrase"}"#).status == 202)
            #expect(try await auth.count("SELECT count(*) FROM auth.users WHERE email = '\(email)' AND deleted_at IS NULL") == 1)
            #expect(
                try await auth.count("SELECT count(*) FROM auth.users WHERE email = '\(email)' AND deleted_at IS NOT NULL AND password_hash IS NULL")
                    == 1)
            #expect(try await auth.count("SELECT count(*) FROM auth.outbox WHERE event_type = 'user.created'") == 2)
            // The expired sign-up's link is dead; the new one verifies the new password.
            #expect(try await auth.client.post("/v1/auth/verify-email", #"{"token":"\#(oldToken)"}"#).status == 400)
            let newToken = try #require(AuthFixture.token(in: try await auth.lastMail(to: email)?.variables["link"]))
            #expect(try await auth.client.post("/v1/auth/verify-email", #"{"token":"\#(newToken)"}"#).status == 200)
            #expect(try await auth.signIn(email, password: "first sign up phrase").status == 400)
            #expect(try await auth.signIn(email, password: "second sign up phrase").status == 200)
            #expect(AuthSettings(keyEncryptionKey: AuthFixture.keyEncryptionKey).unverifiedAccountLifetime == .seconds(7 * 86400))
        }
    }
}
