import AuthService
import Foundation
import Logging
import Models
import ServiceKit
import TestSupport
import Testing

/// Issue 11, item 26: auth registers its own tables with the kit's purge. Expired links and tokens,
/// idle rate-limit buckets and stale failure counts go; live ones stay, and so does a count that
/// holds an account locked until its password is reset.
@Suite struct AuthRetentionTests {
    @Test func authsOwnTablesAreTrimmed() async throws {
        let settings = AuthFixture.settings()
        try await AuthFixture.run(settings: settings) { auth in
            let email = try await auth.verifiedUser()
            let userID = try #require(try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(email)'").first)
            try await auth.sql(
                """
                INSERT INTO auth.magic_links (id, email, token_hash, code_hash, expires_at, created_at) VALUES
                    (gen_random_uuid(), 'old@example.com', 'old-link', 'c', now() - interval '8 days', now() - interval '8 days'),
                    (gen_random_uuid(), 'new@example.com', 'new-link', 'c', now() - interval '6 days', now() - interval '6 days')
                """
            )
            try await auth.sql(
                """
                INSERT INTO auth.email_tokens (id, user_id, purpose, token_hash, expires_at, created_at) VALUES
                    (gen_random_uuid(), '\(userID)', 'password_reset', 'old-token', now() - interval '8 days', now() - interval '9 days'),
                    (gen_random_uuid(), '\(userID)', 'verify_email', 'new-token', now() + interval '1 day', now())
                """
            )
            try await auth.sql(
                """
                INSERT INTO auth.sign_in_attempts (email, failures, locked_until, admitted, updated_at) VALUES
                    ('stale@example.com', 12, NULL, true, now() - interval '31 days'),
                    ('locked@example.com', 100, now() - interval '40 days', false, now() - interval '40 days'),
                    ('recent@example.com', 3, NULL, true, now() - interval '2 days')
                """
            )
            // The slowest default limit refills in an hour (sign-ups, emails per address per IP).
            try await auth.sql(
                """
                INSERT INTO auth.rate_limit_buckets (action, identifier, tokens, allowed, updated_at) VALUES
                    ('sign_in', 'idle', 0, false, now() - interval '2 hours'),
                    ('sign_in', 'busy', 0, false, now() - interval '10 minutes')
                """
            )

            let targets = try AuthEntryPoint.definition(settings: settings).purgeTargets
            try await TestDatabase.withClient(auth.database.url(for: .auth)) { client in
                let purge = RetentionPurge(
                    client: client, targets: targets, interval: .seconds(3600), batchSize: 100, logger: Logger(label: "test.purge"))
                // (The running service purges on its own schedule too; either may take these rows.)
                let deleted = try await purge.purgeOnce()
                #expect(
                    Set(deleted.keys).isSuperset(of: ["auth.magic_links", "auth.email_tokens", "auth.sign_in_attempts", "auth.rate_limit_buckets"]))
            }
            #expect(try await auth.sql("SELECT token_hash FROM auth.magic_links") == ["new-link"])
            #expect(try await auth.sql("SELECT token_hash FROM auth.email_tokens WHERE token_hash LIKE '%-token'") == ["new-token"])
            #expect(try await auth.sql("SELECT email FROM auth.sign_in_attempts ORDER BY email") == ["locked@example.com", "recent@example.com"])
            #expect(
                try await auth.sql("SELECT identifier FROM auth.rate_limit_buckets WHERE action = 'sign_in' AND identifier IN ('idle', 'busy')") == [
                    "busy"
                ])
        }
    }
}
