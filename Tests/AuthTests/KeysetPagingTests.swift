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
            // Issue 16's lists: staff lists need an admin; the organisation's lists one organisation.
            let adminEmail = try await auth.verifiedUser()
            try await auth.sql("UPDATE auth.users SET account_role = 'admin' WHERE email = '\(adminEmail)'")
            let admin = try #require(try await auth.signIn(adminEmail).string("access_token"))
            let organization = UUID()
            try await auth.sql(
                """
                WITH made AS (
                    INSERT INTO auth.organizations (id, slug, name, kind, created_by)
                    VALUES ('\(organization)', 'paging-sweep', 'Paging Sweep', 'sponsor_firm', '\(userID)') RETURNING id
                )
                INSERT INTO auth.organization_members (organization_id, user_id, role) SELECT id, '\(userID)', 'owner' FROM made
                """)
            let consents = try await auth.count("SELECT count(*) FROM auth.consents WHERE user_id = '\(userID)'")
            let audited = try await auth.count("SELECT count(*) FROM auth.audit_log")
            let lists = [
                // 500 accounts whose address starts with the query, so the count is theirs alone.
                PagedList("/v1/auth/admin/users", url: "/v1/auth/admin/users?q=pagingsweep", token: admin) { postgres in
                    try await postgres.query(
                        "INSERT INTO auth.users (id, email) SELECT gen_random_uuid(), 'pagingsweep' || n || '@example.com' FROM generate_series(1, 500) n"
                    )
                },
                // Those 500 join the organisation: 501 members with the owner.
                PagedList(
                    "/v1/auth/organizations/{id}/members", url: "/v1/auth/organizations/\(organization)/members", token: token, count: 501,
                    idField: "user_id"
                ) {
                    postgres in
                    try await postgres.query(
                        """
                        INSERT INTO auth.organization_members (organization_id, user_id, role)
                        SELECT \(organization), id, 'member' FROM auth.users WHERE email LIKE 'pagingsweep%'
                        """
                    )
                },
                PagedList("/v1/auth/organizations/{id}/invitations", url: "/v1/auth/organizations/\(organization)/invitations", token: token) {
                    postgres in
                    try await postgres.query(
                        """
                        INSERT INTO auth.organization_invitations (id, organization_id, email, role, token_hash, invited_by, expires_at)
                        SELECT gen_random_uuid(), \(organization), 'invitee' || n || '@example.com', 'member', md5(random()::text || n), \(userID),
                               now() + interval '7 days'
                        FROM generate_series(1, 500) n
                        """
                    )
                },
                // The user's own organisations: the sweep's one and 500 more.
                PagedList("/v1/auth/organizations", token: token, count: 501) { postgres in
                    try await postgres.query(
                        """
                        WITH made AS (
                            INSERT INTO auth.organizations (id, slug, name, kind, created_by)
                            SELECT gen_random_uuid(), 'sweep-' || n, 'Sweep ' || n, 'development_company', \(userID) FROM generate_series(1, 500) n
                            RETURNING id
                        )
                        INSERT INTO auth.organization_members (organization_id, user_id, role) SELECT id, \(userID), 'owner' FROM made
                        """
                    )
                },
                PagedList("/v1/auth/sponsor-applications", token: token) { postgres in
                    try await postgres.query(
                        """
                        INSERT INTO auth.sponsor_applications (id, user_id, status, legal_name, tax_id, applicant_title, description, project_count)
                        SELECT gen_random_uuid(), \(userID), 'rejected', 'Firm ' || n, '12-3456789', 'Partner', 'Sweep', 1 FROM generate_series(1, 500) n
                        """
                    )
                },
                PagedList("/v1/auth/admin/sponsor-applications", token: admin) { _ in
                    // The same 500 applications, as staff see them.
                },
                PagedList("/v1/auth/api-tokens", token: token) { postgres in
                    try await postgres.query(
                        """
                        INSERT INTO auth.api_tokens (id, user_id, name, lookup_prefix, token_hash, scopes, expires_at)
                        SELECT gen_random_uuid(), \(userID), 'Token ' || n, lpad(n::text, 8, 'a'), md5(random()::text || n), '{properties:read}',
                               now() + interval '30 days'
                        FROM generate_series(1, 500) n
                        """
                    )
                },
                PagedList("/v1/auth/me/consents/history", token: token, count: 500 + consents) { postgres in
                    try await postgres.query(
                        """
                        INSERT INTO auth.consents (id, user_id, kind, version, granted)
                        SELECT gen_random_uuid(), \(userID), 'marketing', 'v' || n, n % 2 = 0 FROM generate_series(1, 500) n
                        """
                    )
                },
                PagedList("/v1/auth/admin/audit-log", token: admin, count: 500 + audited) { postgres in
                    try await postgres.query(
                        """
                        INSERT INTO auth.audit_log (id, actor_kind, action) SELECT gen_random_uuid(), 'system', 'sweep.recorded'
                        FROM generate_series(1, 500)
                        """
                    )
                },
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
