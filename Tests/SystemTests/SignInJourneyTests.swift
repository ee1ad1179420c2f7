import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// What a new investor does on the first day, across real processes: auth, communications and
/// properties as `make run` starts them, mail delivered over SMTP to a real server (the sink),
/// tokens verified by the other services through auth's JWKS.
@Suite(.serialized) struct SignInJourneyTests {
    @Test func signUpVerifySignInRefreshAndSignOut() async throws {
        try await RunningSuite.with([.auth, .communications, .properties]) { suite in
            let email = "journey.\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let password = "a long journey passphrase"
            let signUp = try await SystemClient.send(
                .POST, "\(suite.auth)/v1/auth/signup",
                #"{"email":"\#(email)","password":"\#(password)","source":"qualify_as_an_investor"}"#)
            #expect(signUp.status == 202)

            // Not verified yet: sign-in is refused with a reason the app can show.
            let early = try await SystemClient.signIn(suite, email, password)
            #expect(early.status == 403)
            #expect(early.text.contains("email-not-verified"))

            // auth's outbox → communications' inbox → SMTP → the sink.
            let mail = try await suite.sink.waitForMessage(to: email, timeout: .seconds(30))
            #expect(mail.subject == "Confirm your email for Tract")
            #expect(mail.html?.contains("https://app.tract.test/verify-email?token=") == true)
            let token = try #require(SystemClient.token(in: mail.text ?? ""))
            let verified = try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/verify-email", #"{"token":"\#(token)"}"#)
            #expect(verified.status == 200)

            let signedIn = try await SystemClient.signIn(suite, email, password)
            #expect(signedIn.status == 200)
            let access = try #require(signedIn.string("access_token"))
            let refresh = try #require(signedIn.string("refresh_token"))

            // Another service checks the token against auth's JWKS: known but not a service → 403;
            // a tampered one → 401.
            let forbidden = try await SystemClient.send(.POST, "\(suite.communications)/internal/v1/emails", "{}", token: access)
            #expect(forbidden.status == 403)
            let accepted = try await SystemClient.send(.GET, "\(suite.properties)/v1/properties/nothing", token: access)
            #expect(accepted.status == 404)
            let tampered = try await SystemClient.send(.GET, "\(suite.properties)/v1/properties/nothing", token: access + "x")
            #expect(tampered.status == 401)
            let me = try await SystemClient.send(.GET, "\(suite.auth)/v1/auth/me", token: access)
            #expect(me.string("email") == email)
            #expect(me.string("current_role") == "investor")

            let refreshed = try await SystemClient.send(
                .POST, "\(suite.auth)/v1/auth/token",
                #"{"grant_type":"refresh_token","refresh_token":"\#(refresh)"}"#)
            #expect(refreshed.status == 200)
            let newAccess = try #require(refreshed.string("access_token"))
            let newRefresh = try #require(refreshed.string("refresh_token"))
            #expect(newRefresh != refresh)

            let loggedOut = try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/logout", token: newAccess)
            #expect(loggedOut.status == 204)
            let afterLogout = try await SystemClient.send(
                .POST, "\(suite.auth)/v1/auth/token",
                #"{"grant_type":"refresh_token","refresh_token":"\#(newRefresh)"}"#)
            // OAuth's invalid_grant (RFC 6749 §5.2): 400, saying why.
            #expect(afterLogout.status == 400)
            #expect(afterLogout.text.contains("problems/invalid-grant"))
            #expect(try suite.sink.messages().filter { $0.rcptTos == [email] }.count == 1)
        }
    }

    @Test func aMagicLinkCreatesTheAccountAndScannersDoNotSpendIt() async throws {
        try await RunningSuite.with([.auth, .communications, .properties]) { suite in
            let email = "magic.\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let request = try await SystemClient.send(
                .POST, "\(suite.auth)/v1/auth/magic-links",
                #"{"email":"\#(email)","source":"check_if_your_development_is_in_an_oz"}"#)
            #expect(request.status == 202)
            let mail = try await suite.sink.waitForMessage(to: email, timeout: .seconds(30))
            #expect(mail.text?.contains("https://app.tract.test/magic-link?token=") == true)
            let token = try #require(SystemClient.token(in: mail.text ?? ""))

            // A mail scanner opening the link twice consumes nothing: GET is only the confirm step.
            for _ in 0..<2 {
                let confirm = try await SystemClient.send(.GET, "\(suite.auth)/v1/auth/magic-links/\(token)")
                #expect(confirm.status == 200)
                #expect(confirm.string("email") == email)
            }
            let signedIn = try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/magic-links/verify", #"{"token":"\#(token)"}"#)
            #expect(signedIn.status == 200)
            let access = try #require(signedIn.string("access_token"))
            let me = try await SystemClient.send(.GET, "\(suite.auth)/v1/auth/me", token: access)
            #expect(me.string("email") == email)
            #expect(me.string("first_auth_source") == "check_if_your_development_is_in_an_oz")
            #expect(try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/magic-links/verify", #"{"token":"\#(token)"}"#).status == 400)

            // Another mail to the same address within a minute is refused (GoTrue's default limit).
            let tooSoon = try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/magic-links", #"{"email":"\#(email)"}"#)
            #expect(tooSoon.status == 429)
            #expect(try suite.sink.messages().filter { $0.rcptTos == [email] }.count == 1)
        }
    }
}
