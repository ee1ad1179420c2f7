import Foundation
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Issue 16's acceptance for account deletion: a user with data in every service asks for their
/// account to be deleted; once it is due every service erases them and acknowledges, auth deletes
/// its own rows, and then no text, uuid, JSON or address column of any table of any schema holds
/// the user's id, email or name. Money records stay, with the user's id replaced by an anonymous one.
@Suite(.serialized) struct AccountDeletionJourneyTests {
    static let environment = [
        "ACCOUNT_DELETION_POLL_SECONDS": "1", "ACCOUNT_DELETION_RETRY_SECONDS": "1", "OUTBOX_POLL_INTERVAL_MS": "100",
    ]

    @Test func whenTheDeletionIsDueNothingAboutTheUserRemainsInAnySchema() async throws {
        try await RunningSuite.with(ServiceName.allCases, environment: Self.environment) { suite in
            let tag = UUID().uuidString.prefix(6).lowercased()
            let email = "deleted.\(tag)@example.com"
            let name = "Delphine\(tag)"
            let (id, token) = try await DataExportJourneyTests.signedUpUser(suite, email: email, name: name)
            let user = id.lowercased()
            let (otherID, other) = try await DataExportJourneyTests.signedUpUser(
                suite, email: "stays.\(tag)@example.com", name: "Stella\(tag)")

            // Data in each service, through their APIs (as the export journey makes it).
            let check = try await SystemClient.send(
                .POST, "\(suite.properties)/v1/oz/check", #"{"tract_geoid":"01001020700","save":true}"#, token: token)
            #expect(check.status == 200, "\(check.text)")
            let profile = try await SystemClient.send(
                .PUT, "\(suite.investments)/v1/investor-profile",
                #"{"cap_gain_or_not": true, "size_of_cap_gain": "250000.00", "time_of_cap_gain": "2026-08-01", "tax_bracket": 0.238}"#,
                token: token)
            #expect(profile.status == 201, "\(profile.text)")
            let joined = try await SystemClient.send(.POST, "\(suite.communications)/v1/communications/community/membership", token: token)
            #expect(joined.status == 201, "\(joined.text)")
            let event = try await SystemClient.send(
                .POST, "\(suite.urls[.analytics]!)/v1/analytics/events", #"{"name":"listing_viewed","properties":{"tag":"\#(tag)"}}"#,
                token: token)
            #expect((200..<300).contains(event.status), "\(event.text)")
            // A money record the law makes the business keep (26 CFR § 1.6001-1(e)): written here
            // as the ledger would, since committing an investment needs a whole offering.
            let transactionID = UUID().uuidString.lowercased()
            try await suite.sql(
                """
                INSERT INTO investments.transactions (id, investor_id, type, amount, description)
                VALUES ('\(transactionID)', '\(user)', 'investment', 1000, 'opening deposit')
                """)
            // Statements: the user's own (its rendered document names them) and one the user drew
            // up for the other investor, which must stay whole.
            let ownStatement = UUID().uuidString.lowercased()
            let othersStatement = UUID().uuidString.lowercased()
            try await suite.sql(
                """
                INSERT INTO investments.statements
                    (id, investor_id, type, period_start, period_end, summary, transactions, holdings, performance, created_by, document)
                VALUES ('\(ownStatement)', '\(user)', 'annual', '2025-01-01', '2025-12-31', '{}', '[]', '[]', '{}', '\(user)',
                        'Statement for \(name)'),
                       ('\(othersStatement)', '\(otherID.lowercased())', 'annual', '2025-01-01', '2025-12-31', '{}', '[]', '[]', '{}',
                        '\(user)', 'Statement for Stella\(tag)')
                """)
            // A per-user rate-limit bucket, as investments keeps them.
            try await suite.sql(
                "INSERT INTO investments.rate_limit_buckets (action, identifier, tokens, allowed) VALUES ('journey', '\(user)', 1, true)")
            // In auth beyond the account: an API token, and (as a sponsor) an organisation the user
            // alone belongs to, which goes with the account.
            try await suite.sql("UPDATE auth.users SET account_role = 'sponsor' WHERE id = '\(user)'")
            let sponsor = try #require(
                try await SystemClient.signIn(suite, email, "an export journey passphrase").string("access_token"))
            let apiToken = try await SystemClient.send(
                .POST, "\(suite.auth)/v1/auth/api-tokens", #"{"name":"Nightly \#(tag)","scopes":["investments:read"],"expires_in_days":90}"#,
                token: sponsor)
            #expect(apiToken.status == 201, "\(apiToken.text)")
            let organization = try await SystemClient.send(
                .POST, "\(suite.auth)/v1/auth/organizations", #"{"slug":"firm-\#(tag)","name":"Firm \#(name)","kind":"sponsor_firm"}"#,
                token: sponsor)
            #expect(organization.status == 201, "\(organization.text)")
            // Both users' rows are there before (so the search below can find something).
            #expect(try await Self.hits(suite, [user, email, name.lowercased()]).count > 5)

            // Asked for: scheduled 30 days out; the other user has nothing pending to cancel.
            let asked = try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/me/deletion", token: sponsor)
            #expect(asked.status == 202, "\(asked.text)")
            #expect(asked.string("status") == "pending")
            let requestID = try #require(asked.string("id"))
            let days = try await suite.count(
                "SELECT extract(day FROM due_at - created_at) FROM auth.deletion_requests WHERE id = '\(requestID)'")
            #expect(days == 30)
            #expect(try await SystemClient.send(.DELETE, "\(suite.auth)/v1/auth/me/deletion", token: other).status == 404)
            #expect(try await SystemClient.send(.GET, "\(suite.auth)/v1/auth/me/deletion", token: other).status == 404)
            // Not due yet: nothing is erased.
            try await Task.sleep(for: .seconds(2))
            #expect(try await suite.count("SELECT count(*) FROM auth.users WHERE id = '\(user)'") == 1)
            #expect(try await suite.count("SELECT count(*) FROM auth.deletion_acknowledgements") == 0)

            // Thirty days pass (the sweep compares `due_at` with its clock).
            try await suite.sql(
                "UPDATE auth.deletion_requests SET due_at = due_at - interval '31 days', next_attempt_at = now() WHERE id = '\(requestID)'")
            let done = try await eventually(timeout: .seconds(60), interval: .milliseconds(250)) {
                (try? await suite.count("SELECT count(*) FROM auth.deletion_requests WHERE id = '\(requestID)' AND status = 'completed'")) == 1
            }
            let state = try await TestDatabase.withAdmin(database: suite.database.name) { admin in
                var text = ""
                let rows = try await admin.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT status || ' ' || attempts || ' ' || coalesce(last_error, '-') || ' acks: '
                                || (SELECT coalesce(string_agg(service, ','), '') FROM auth.deletion_acknowledgements WHERE request_id = r.id)
                            FROM auth.deletion_requests r WHERE id = '\(requestID)'
                            """))
                for try await value in rows.decode(String.self) { text = value }
                return text
            }
            try #require(done, "the deletion was carried out: \(state)")
            #expect(try await suite.count("SELECT count(*) FROM auth.deletion_acknowledgements WHERE request_id = '\(requestID)'") == 4)
            // The outbox delivers what was in flight before the search.
            _ = try await eventually(timeout: .seconds(20), interval: .milliseconds(250)) {
                (try? await Self.hits(suite, [user, email, name.lowercased()]).isEmpty) == true
            }

            let hits = try await Self.hits(suite, [user, email, name.lowercased()])
            #expect(hits.isEmpty, "still naming the deleted user: \(hits)")
            // The money record is kept, under an id that is not the user's, and the other user is untouched.
            #expect(
                try await suite.count("SELECT count(*) FROM investments.transactions WHERE id = '\(transactionID)' AND investor_id <> '\(user)'") == 1
            )
            #expect(try await suite.count("SELECT count(*) FROM auth.users WHERE id = '\(otherID.lowercased())'") == 1)
            #expect(try await Self.hits(suite, [otherID.lowercased()]).count > 3)
            // Statements are money records: both kept; the user's loses its rendered document, the
            // other investor's keeps theirs and only its author's id is replaced.
            #expect(
                try await suite.count(
                    "SELECT count(*) FROM investments.statements WHERE id = '\(ownStatement)' AND document IS NULL AND investor_id <> '\(user)'")
                    == 1)
            #expect(
                try await suite.count(
                    """
                    SELECT count(*) FROM investments.statements WHERE id = '\(othersStatement)' AND document = 'Statement for Stella\(tag)'
                        AND investor_id = '\(otherID.lowercased())' AND created_by <> '\(user)'
                    """) == 1)
            // One stand-in id for the user across kept records, the same in every table.
            #expect(
                try await suite.count(
                    """
                    SELECT count(DISTINCT x) FROM (SELECT investor_id AS x FROM investments.statements WHERE id = '\(ownStatement)'
                        UNION ALL SELECT created_by FROM investments.statements WHERE id = '\(othersStatement)'
                        UNION ALL SELECT investor_id FROM investments.transactions WHERE id = '\(transactionID)') ids
                    """) == 1)
            #expect(try await suite.count("SELECT count(*) FROM auth.organizations WHERE slug = 'firm-\(tag)'") == 0)
            #expect(try await suite.count("SELECT count(*) FROM auth.api_tokens WHERE name = 'Nightly \(tag)'") == 0)
            // The account is gone: its password no longer signs in, and nothing of it answers.
            #expect(try await SystemClient.signIn(suite, email, "an export journey passphrase").string("access_token") == nil)
            #expect(try await SystemClient.send(.GET, "\(suite.auth)/v1/auth/me/deletion", token: token).status != 200)
            // Audit rows stay, unlinked: requested and completed are there, naming no user.
            #expect(try await suite.count("SELECT count(*) FROM auth.audit_log WHERE action LIKE 'account_deletion.%'") >= 2)
        }
    }

    /// A service that is down is asked again until it answers; auth keeps the account until then.
    @Test func aServiceThatIsDownIsAskedAgainAndTheAccountStaysUntilItAnswers() async throws {
        try await RunningSuite.with([.auth, .communications], environment: Self.environment) { suite in
            let tag = UUID().uuidString.prefix(6).lowercased()
            let (id, token) = try await DataExportJourneyTests.signedUpUser(suite, email: "waits.\(tag)@example.com", name: nil)
            let asked = try await SystemClient.send(.POST, "\(suite.auth)/v1/auth/me/deletion", token: token)
            let requestID = try #require(asked.string("id"))
            try await suite.sql("UPDATE auth.deletion_requests SET due_at = now(), next_attempt_at = now() WHERE id = '\(requestID)'")
            let tried = try await eventually(timeout: .seconds(30), interval: .milliseconds(250)) {
                (try? await suite.count("SELECT attempts FROM auth.deletion_requests WHERE id = '\(requestID)'")) ?? 0 >= 2
            }
            #expect(tried, "the sweep asked more than once")
            #expect(try await suite.count("SELECT count(*) FROM auth.deletion_acknowledgements WHERE service = 'communications'") == 1)
            #expect(
                try await suite.count(
                    "SELECT count(*) FROM auth.deletion_requests WHERE id = '\(requestID)' AND status = 'pending' AND last_error LIKE '%properties%'")
                    == 1)
            #expect(try await suite.count("SELECT count(*) FROM auth.users WHERE id = '\(id.lowercased())'") == 1)
        }
    }

    /// Every column of type text, varchar, uuid, jsonb, citext or inet in every table of every
    /// schema but Postgres' own, searched for each needle (lower-case): `schema.table.column` of each hit.
    static func hits(_ suite: RunningSuite, _ needles: [String]) async throws -> [String] {
        try await TestDatabase.withAdmin(database: suite.database.name) { admin in
            var columns: [(String, String, String)] = []
            let rows = try await admin.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT n.nspname, c.relname, a.attname FROM pg_attribute a
                        JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE c.relkind IN ('r', 'p') AND NOT a.attisdropped AND a.attnum > 0
                          AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                          AND format_type(a.atttypid, NULL) IN ('text', 'character varying', 'uuid', 'jsonb', 'citext', 'inet', 'json', 'text[]')
                        """))
            for try await column in rows.decode((String, String, String).self) { columns.append(column) }
            var found: [String] = []
            for (schema, table, column) in columns {
                let conditions = needles.map { "position('\($0)' in lower(\"\(column)\"::text)) > 0" }.joined(separator: " OR ")
                let query = PostgresQuery(unsafeSQL: "SELECT count(*) FROM \"\(schema)\".\"\(table)\" WHERE \(conditions)")
                for try await count in try await admin.query(query).decode(Int64.self) where count > 0 {
                    found.append("\(schema).\(table).\(column) (\(count))")
                }
            }
            return found
        }
    }
}
