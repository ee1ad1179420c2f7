import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import AuthService

/// The OAuth routes' successful answers, with a real provider, are what `oauth.json` documents
/// (the failures are checked in `AuthOpenAPITests`).
@Suite(.enabled(if: OAuthPeer.isConfigured)) struct OAuthDocumentTests {
    @Test func successfulAnswersMatchTheDocument() async throws {
        let peer = try OAuthPeer.oidc()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: peer)) { auth in
            let document = try await auth.client.get("/openapi.json").json
            func check(_ method: String, _ path: String, _ status: Int, _ contentType: String?, _ body: String) {
                let found = OpenAPIConformance.problems(
                    in: document, method: method, path: path, status: status, contentType: contentType ?? "", body: body)
                #expect(found.isEmpty, "\(found)")
            }
            let callback = "/v1/auth/oauth/{provider}/callback"

            try await peer.setUser("doc", claims: #"{"email":"doc@example.com","email_verified":true}"#)
            let started = try await auth.authorize()
            check("POST", "/v1/auth/oauth/{provider}/authorize", started.status, started.headers.first(name: "Content-Type"), started.text)
            let signedIn = try await auth.followCallback(try await auth.approve(try #require(started.string("authorization_url")), as: "doc"))
            check("GET", callback, signedIn.status, signedIn.headers.first(name: "Content-Type"), signedIn.text)
            #expect(signedIn.status == 200)
            let token = try #require(signedIn.string("access_token"))

            let browser = try await auth.authorize("acme", #"{"redirect_uri":"https://app.example/x"}"#)
            let redirected = try await auth.followCallback(
                try await auth.approve(try #require(browser.string("authorization_url")), as: "doc"), json: false)
            check("GET", callback, redirected.status, redirected.headers.first(name: "Content-Type"), redirected.text)
            #expect(redirected.status == 303)

            let ann = try await auth.verifiedUser()
            let conflict = try await auth.oidcSignIn(peer, sub: "ann-doc", claims: #"{"email":"\#(ann)","email_verified":true}"#)
            check("GET", callback, conflict.status, conflict.headers.first(name: "Content-Type"), conflict.text)
            #expect(conflict.status == 409)
            let annToken = try #require(try await auth.signIn(ann).string("access_token"))
            let linked = try await auth.client.post(
                "/v1/auth/oauth/links", #"{"link_ticket":"\#(try #require(conflict.string("link_ticket")))"}"#, token: annToken)
            check("POST", "/v1/auth/oauth/links", linked.status, linked.headers.first(name: "Content-Type"), linked.text)
            #expect(linked.status == 201)

            let listed = try await auth.client.get("/v1/auth/identities", token: token)
            check("GET", "/v1/auth/identities", listed.status, listed.headers.first(name: "Content-Type"), listed.text)
            let identity = try #require(try await auth.sql("SELECT id::text FROM auth.oauth_accounts WHERE provider_user_id = 'doc'").first)
            let last = try await auth.client.send(.DELETE, "/v1/auth/identities/\(identity)", token: token)
            check("DELETE", "/v1/auth/identities/{id}", last.status, last.headers.first(name: "Content-Type"), last.text)
            #expect(last.status == 409)
            let unlinked = try await auth.client.send(.DELETE, "/v1/auth/identities/\(try #require(linked.string("id")))", token: annToken)
            check("DELETE", "/v1/auth/identities/{id}", unlinked.status, unlinked.headers.first(name: "Content-Type"), unlinked.text)
            #expect(unlinked.status == 204)
        }
    }
}
