import AuthService
import Foundation
import HummingbirdTesting
import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Every paged list of auth pages through 500 rows made in one statement, so sharing one
/// `created_at` to the microsecond, and shows each exactly once (issue 12). With the old
/// `created_at` cursor, which went through milliseconds, the second page started before every
/// one of them: the sweep saw only the first page.
@Suite struct KeysetPagingTests {
    @Test func everyPagedListShowsEachRowOnce() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let token = try #require(try await auth.signIn(email).string("access_token"))
            let userID = try #require(UUID(uuidString: try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(email)'").first ?? ""))
            // What the user has already: the session of the sign-in, the sign-up and sign-in history.
            let sessions = try await auth.count("SELECT count(*) FROM auth.sessions WHERE user_id = '\(userID)'")
            let history = try await auth.count("SELECT count(*) FROM auth.login_history WHERE user_id = '\(userID)'")
            let lists = [
                PagedList("/v1/auth/sessions", token: token, count: 500 + sessions) { postgres in
                    try await postgres.query(
                        """
                        INSERT INTO auth.sessions (id, user_id, auth_method, expires_at)
                        SELECT gen_random_uuid(), \(userID), 'password', now() + interval '1 day' FROM generate_series(1, 500)
                        """
                    )
                },
                PagedList("/v1/auth/me/login-history", token: token, count: 500 + history) { postgres in
                    try await postgres.query(
                        """
                        INSERT INTO auth.login_history (id, user_id, email, event_type, auth_method, success)
                        SELECT gen_random_uuid(), \(userID), \(email), 'sign_in', 'password', true FROM generate_series(1, 500)
                        """
                    )
                },
                PagedList("/v1/auth/identities", token: token, count: 500) { postgres in
                    try await postgres.query(
                        """
                        INSERT INTO auth.oauth_accounts (id, user_id, provider, provider_user_id)
                        SELECT gen_random_uuid(), \(userID), 'acme', 'sub-' || n FROM generate_series(1, 500) n
                        """
                    )
                },
                PagedList("/v1/auth/passkeys", token: token, count: 500) { postgres in
                    try await postgres.query(
                        """
                        INSERT INTO auth.passkeys (id, user_id, credential_id, public_key, algorithm, device_name, attestation_format,
                                                   backup_eligible, backed_up)
                        SELECT gen_random_uuid(), \(userID), decode(md5(g::text || random()::text), 'hex'), '\\xa0'::bytea, -7, 'Key ' || g,
                               'none', false, false
                        FROM generate_series(1, 500) g
                        """
                    )
                },
            ]
            let document = try await auth.client.get("/openapi.json").json
            PagingSweep.expectCoverage(of: document, by: lists, except: ["/internal/outbox/dead-letters"])

            // The sweep talks to the router of a second instance on the same database, verifying
            // tokens with the running one's JWKS.
            let configuration = ServiceConfiguration.forTesting(
                .auth, database: auth.database, jwksURL: try #require(URL(string: "\(auth.client.baseURL)/.well-known/jwks.json")),
                port: try await freePort()
            )
            let app = try await buildApplication(configuration, settings: auth.settings, overrides: ServiceOverrides(runsOutboxDispatcher: false))
            try await app.test(.router) { client in
                try await TestDatabase.withAdmin(database: auth.database.name) { postgres in
                    for list in lists { try await PagingSweep.check(list, postgres: postgres, client: client) }
                }
            }
        }
    }
}
