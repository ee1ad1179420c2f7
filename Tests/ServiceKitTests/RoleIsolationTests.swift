import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Each service's role reaches only its own schemas (ARCHITECTURE.md, "Shape").
@Suite struct RoleIsolationTests {
    @Test func analyticsCannotReadOrWriteAuthTables() async throws {
        try await TestDatabase.with(services: [.auth, .analytics]) { database in
            try await TestDatabase.withClient(database.url(for: .auth)) { auth in
                try await auth.query("CREATE TABLE auth.secrets (value text)")
                try await auth.query("INSERT INTO auth.secrets VALUES ('hash')")
            }
            try await TestDatabase.withClient(database.url(for: .analytics)) { analytics in
                for sql in [
                    "SELECT * FROM auth.secrets",
                    "INSERT INTO auth.secrets VALUES ('x')",
                    "CREATE TABLE auth.squatter (id int)",
                    "CREATE SCHEMA sneaky",
                ] {
                    await #expect("\(sql)") {
                        try await analytics.query(PostgresQuery(unsafeSQL: sql))
                    } throws: { error in
                        (error as? PSQLError)?.serverInfo?[.sqlState] == "42501"  // insufficient_privilege
                    }
                }
                // Its own schema is its to use.
                try await analytics.query("CREATE TABLE analytics.own (id int)")
            }
        }
    }
}
