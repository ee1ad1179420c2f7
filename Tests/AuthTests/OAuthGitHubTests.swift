import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import AuthService

/// GitHub is plain OAuth 2.0: no ID token, so who signed in comes from its API, and whether the
/// address is proven only from `GET /user/emails`. Against a local peer speaking GitHub's shapes
/// (`oauth-github-peer.py`) that checks our client secret and PKCE verifier.
@Suite(.enabled(if: OAuthPeer.isConfigured)) struct OAuthGitHubTests {
    /// The whole flow for GitHub user `id`, answered as JSON.
    static func signIn(_ auth: AuthFixture, as id: Int) async throws -> OAuthReply {
        let started = try await auth.authorize("github")
        let url = try #require(started.string("authorization_url"))
        let approved = try await OAuthHTTP.send(.GET, url + "&test_user=\(id)")
        #expect(approved.status == 302, "\(approved.text)")
        return try await auth.followCallback(approved.location)
    }

    @Test func theVerifiedPrimaryAddressSignsUpAndTheUserIDSignsInAgain() async throws {
        let github = try OAuthPeer.gitHub()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: nil, gitHub: github)) { auth in
            try await github.setGitHubUser(
                4242,
                json:
                    #"{"login":"octo","name":"Octo Cat","emails":[{"email":"old@octo.example","primary":false,"verified":true},{"email":"Octo@Octo.example","primary":true,"verified":true}]}"#
            )
            let first = try await Self.signIn(auth, as: 4242)
            #expect(first.status == 200, "\(first.text)")
            let userID = try #require(AuthFixture.subject(ofAccessToken: first.string("access_token")))
            #expect(try await auth.sql("SELECT email FROM auth.users WHERE id = '\(userID)'") == ["octo@octo.example"])
            #expect(try await auth.sql("SELECT provider_user_id || '|' || provider_name FROM auth.oauth_accounts") == ["4242|Octo Cat"])

            // The address changes at GitHub; the numeric id still names the same account.
            try await github.setGitHubUser(4242, json: #"{"login":"octo","emails":[{"email":"new@octo.example","primary":true,"verified":true}]}"#)
            let again = try await Self.signIn(auth, as: 4242)
            #expect(AuthFixture.subject(ofAccessToken: again.string("access_token")) == userID)
            #expect(try await auth.count("SELECT count(*) FROM auth.users") == 1)
        }
    }

    @Test func anUnverifiedOrMissingPrimaryAddressIsRefused() async throws {
        let github = try OAuthPeer.gitHub()
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: nil, gitHub: github)) { auth in
            // A verified address that is not the primary does not count either.
            try await github.setGitHubUser(
                7,
                json:
                    #"{"login":"unproven","emails":[{"email":"p@x.example","primary":true,"verified":false},{"email":"v@x.example","primary":false,"verified":true}]}"#
            )
            try await github.setGitHubUser(8, json: #"{"login":"none","emails":[]}"#)
            for id in [7, 8] {
                let reply = try await Self.signIn(auth, as: id)
                #expect(reply.status == 403, "\(reply.text)")
                #expect(reply.string("type") == "https://tract.dev/problems/unverified-email")
            }
            #expect(try await auth.count("SELECT count(*) FROM auth.users") == 0)
        }
    }

    @Test func aWrongClientSecretIsTheProvidersRefusalNotAServerError() async throws {
        let github = try OAuthPeer(script: "oauth-github-peer.py", arguments: ["github-client", "another-secret"])
        try await AuthFixture.run(settings: AuthFixture.oauthSettings(oidc: nil, gitHub: github)) { auth in
            try await github.setGitHubUser(9, json: #"{"login":"x","emails":[{"email":"x@x.example","primary":true,"verified":true}]}"#)
            let reply = try await Self.signIn(auth, as: 9)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.string("type") == "https://tract.dev/problems/provider-refused")
        }
    }
}
