import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Verification, password reset and magic links, up to the mail auth asks communications to send.
@Suite struct EmailFlowTests {
    @Test func signUpMailsASingleUseVerificationLink() async throws {
        try await AuthFixture.run { auth in
            #expect(try await auth.client.post("/v1/auth/signup", #"{"email":"vera@example.com","password":"correct horse battery"}"#).status == 202)
            let mail = try #require(try await auth.lastMail(to: "vera@example.com"))
            #expect(mail.template == "verify_email")
            #expect(mail.variables["link"]?.hasPrefix("http://127.0.0.1:8080/verify-email?token=") == true)
            let token = try #require(AuthFixture.token(in: mail.variables["link"]))
            #expect(try await auth.client.post("/v1/auth/verify-email", #"{"token":"\#(token)"}"#).text == #"{"status":"verified"}"#)
            #expect(try await auth.client.post("/v1/auth/verify-email", #"{"token":"\#(token)"}"#).status == 400)
            #expect(try await auth.signIn("vera@example.com").status == 200)
            // Only communications receives mail requests, and they are marked for redaction.
            #expect(
                try await auth.count(
                    "SELECT count(*) FROM auth.outbox WHERE event_type = 'email.requested' AND (subscriber <> 'communications' OR NOT sensitive)")
                    == 0)
        }
    }

    @Test func passwordResetWorksOnceAndSignsOutEverywhere() async throws {
        // The sign-up mail and the reset mail go to one address within a minute.
        var limits = RateLimits()
        limits.emailSendsPerAddress = TokenBucket(5, per: .seconds(60))
        try await AuthFixture.run(settings: AuthFixture.settings(limits: limits)) { auth in
            let email = try await auth.verifiedUser()
            let session = try await auth.signIn(email)
            let known = try await auth.client.post("/v1/auth/password-reset", #"{"email":"\#(email)"}"#)
            let unknown = try await auth.client.post("/v1/auth/password-reset", #"{"email":"ghost@example.com"}"#)
            #expect(known.status == 202 && known.text == unknown.text)
            #expect(try await auth.lastMail(to: "ghost@example.com") == nil)
            let mail = try #require(try await auth.lastMail(to: email))
            #expect(mail.template == "password_reset")
            let token = try #require(AuthFixture.token(in: mail.variables["link"]))

            let weak = try await auth.client.post("/v1/auth/password-reset/confirm", #"{"token":"\#(token)","new_password":"password1"}"#)
            #expect(weak.status == 422)
            let done = try await auth.client.post(
                "/v1/auth/password-reset/confirm", #"{"token":"\#(token)","new_password":"a completely new phrase"}"#)
            #expect(done.status == 204)
            #expect(
                try await auth.client.post("/v1/auth/password-reset/confirm", #"{"token":"\#(token)","new_password":"yet another phrase"}"#).status
                    == 400)
            #expect(try await auth.refresh(try #require(session.string("refresh_token"))).status == 400)
            #expect(try await auth.signIn(email).status == 400)
            #expect(try await auth.signIn(email, password: "a completely new phrase").status == 200)
        }
    }

    @Test func magicLinksConfirmOnGetSignInOnPostAndCreateTheAccount() async throws {
        try await AuthFixture.run { auth in
            let asked = try await auth.client.post(
                "/v1/auth/magic-links", #"{"email":"Dev@Example.com","source":"check_if_your_development_is_in_an_oz"}"#)
            #expect(asked.status == 202)
            let mail = try #require(try await auth.lastMail(to: "dev@example.com"))
            #expect(mail.template == "magic_link")
            #expect(mail.variables["code"]?.count == 6)
            let token = try #require(AuthFixture.token(in: mail.variables["link"]))

            // A mail scanner opening the link twice spends nothing.
            for _ in 0..<2 {
                let preview = try await auth.client.get("/v1/auth/magic-links/\(token)")
                #expect(preview.status == 200)
                #expect(preview.string("email") == "dev@example.com")
            }
            let signedIn = try await auth.client.post("/v1/auth/magic-links/verify", #"{"token":"\#(token)"}"#)
            #expect(signedIn.status == 200)
            let access = try #require(signedIn.string("access_token"))
            let me = try await auth.client.get("/v1/auth/me", token: access)
            #expect(me.string("first_auth_source") == "check_if_your_development_is_in_an_oz")
            #expect(me["email_verified"] == .bool(true))
            #expect(try await auth.client.post("/v1/auth/magic-links/verify", #"{"token":"\#(token)"}"#).status == 400)
            #expect(try await auth.client.get("/v1/auth/magic-links/\(token)").status == 404)
            #expect(try await auth.count("SELECT count(*) FROM auth.outbox WHERE event_type = 'user.created'") == 1)
        }
    }

    @Test func codesAllowFiveAttempts() async throws {
        var limits = RateLimits()
        limits.emailSendsPerAddress = TokenBucket(5, per: .seconds(60))
        try await AuthFixture.run(settings: AuthFixture.settings(limits: limits)) { auth in
            #expect(try await auth.client.post("/v1/auth/magic-links", #"{"email":"coder@example.com"}"#).status == 202)
            let code = try #require(try await auth.lastMail(to: "coder@example.com")?.variables["code"])
            let wrong = code == "000000" ? "111111" : "000000"
            for _ in 0..<5 {
                #expect(try await auth.client.post("/v1/auth/magic-links/verify", #"{"email":"coder@example.com","code":"\#(wrong)"}"#).status == 400)
            }
            // The right code after five misses is refused: the link is spent for guessing.
            #expect(try await auth.client.post("/v1/auth/magic-links/verify", #"{"email":"coder@example.com","code":"\#(code)"}"#).status == 400)
            #expect(try await auth.client.post("/v1/auth/magic-links", #"{"email":"coder@example.com"}"#).status == 202)
            let fresh = try #require(try await auth.lastMail(to: "coder@example.com")?.variables["code"])
            let reply = try await auth.client.post("/v1/auth/magic-links/verify", #"{"email":"Coder@example.com","code":"\#(fresh)"}"#)
            #expect(reply.status == 200)
            #expect(reply.string("refresh_token") != nil)
        }
    }

    /// Issue 11, item 3: a new link every minute must not buy five more guesses each time.
    @Test func codeGuessesAreBoundedPerAddressAcrossLinksAndANewLinkEndsTheOldOne() async throws {
        var limits = RateLimits()
        limits.emailSendsPerAddress = TokenBucket(5, per: .seconds(60))
        limits.codeAttemptsPerAddress = TokenBucket(7, per: .seconds(86400))
        try await AuthFixture.run(settings: AuthFixture.settings(limits: limits)) { auth in
            let email = "walker@example.com"
            #expect(try await auth.client.post("/v1/auth/magic-links", #"{"email":"\#(email)"}"#).status == 202)
            let firstToken = try #require(AuthFixture.token(in: try await auth.lastMail(to: email)?.variables["link"]))
            for _ in 0..<5 {
                #expect(try await auth.client.post("/v1/auth/magic-links/verify", #"{"email":"\#(email)","code":"000000"}"#).status == 400)
            }
            #expect(try await auth.client.post("/v1/auth/magic-links", #"{"email":"\#(email)"}"#).status == 202)
            let second = try #require(try await auth.lastMail(to: email))
            let code = try #require(second.variables["code"])
            let wrong = code == "000000" ? "111111" : "000000"
            // The first link died when the second was issued.
            #expect(try await auth.client.get("/v1/auth/magic-links/\(firstToken)").status == 404)
            #expect(try await auth.client.post("/v1/auth/magic-links/verify", #"{"token":"\#(firstToken)"}"#).status == 400)
            for _ in 0..<2 {
                #expect(try await auth.client.post("/v1/auth/magic-links/verify", #"{"email":"\#(email)","code":"\#(wrong)"}"#).status == 400)
            }
            // Seven guesses at this address: even the right code now waits.
            let limited = try await auth.client.post("/v1/auth/magic-links/verify", #"{"email":"\#(email)","code":"\#(code)"}"#)
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(Int(limited.headers.first(name: "Retry-After") ?? "") ?? 0 > 0)
            // The link in the mail still signs the owner in.
            let token = try #require(AuthFixture.token(in: second.variables["link"]))
            #expect(try await auth.client.post("/v1/auth/magic-links/verify", #"{"token":"\#(token)"}"#).status == 200)
        }
    }

    @Test func aSignInFromANewKindOfDeviceIsMailedToTheOwner() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Chrome/120.0 Safari/537.36"
            let iPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"
            // The first sign-in ever and a repeat from the same kind of device are not news.
            #expect(try await auth.signIn(email, userAgent: mac).status == 200)
            #expect(try await auth.signIn(email, userAgent: mac).status == 200)
            #expect(try await auth.lastMail(to: email)?.template == "verify_email")

            #expect(try await auth.signIn(email, userAgent: iPhone).status == 200)
            let mail = try #require(try await auth.lastMail(to: email))
            #expect(mail.template == "new_device_sign_in")
            #expect(mail.variables["device"] == "Safari on iOS (mobile)")
            #expect(mail.variables["reset_link"]?.hasSuffix("/reset-password") == true)
            #expect(
                try await auth.count("SELECT count(*) FROM auth.outbox WHERE envelope->'payload'->'email'->>'template_key' = 'new_device_sign_in'")
                    == 1)
        }
    }
}
