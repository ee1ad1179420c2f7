import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import AuthService

/// The audit log is append-only for the application's own role, names users only by pseudonyms,
/// and forgetting a user unlinks every row about them without changing a row (issue 16).
@Suite struct AuditLogTests {
    let logger = Logger(label: "test.audit")

    @Test func rowsAreAppendOnlyForTheApplicationRole() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let userID = try #require(UUID(uuidString: try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(email)'")[0]))
            try await TestDatabase.withClient(auth.database.url(for: .auth)) { client in
                try await client.withConnection { connection in
                    try await AuditLog.record(
                        AuditEntry(
                            action: "user.suspended", actor: .system, target: .user(userID), before: ["status": "active"],
                            after: ["status": "suspended"], request: AuditRequest(requestID: "req-1", ip: "203.0.113.9")),
                        on: connection, logger: self.logger)
                    for statement in [
                        "UPDATE auth.audit_log SET action = 'user.reinstated'", "DELETE FROM auth.audit_log", "TRUNCATE auth.audit_log",
                    ] {
                        await #expect(throws: PSQLError.self, "\(statement) must be refused") {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                        }
                    }
                }
            }
            // Even the superuser's UPDATE meets the trigger: the row is exactly as written.
            await #expect(throws: (any Error).self) { try await auth.sql("UPDATE auth.audit_log SET action = 'user.reinstated'") }
            let row = try await auth.sql(
                "SELECT concat_ws('|', action, actor_kind, target_kind, before::text, after::text, request_id, host(ip)) FROM auth.audit_log")
            #expect(row == [#"user.suspended|system|user|{"status": "active"}|{"status": "suspended"}|req-1|203.0.113.9"#])
        }
    }

    @Test func usersAppearOnlyAsPseudonymsAndForgettingUnlinksThem() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let userID = try #require(UUID(uuidString: try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(email)'")[0]))
            try await TestDatabase.withClient(auth.database.url(for: .auth)) { client in
                try await client.withConnection { connection in
                    for action in ["api_token.created", "api_token.revoked"] {
                        try await AuditLog.record(
                            AuditEntry(action: action, actor: .user(userID), target: .user(userID)), on: connection, logger: self.logger)
                    }
                    let pseudonym = try #require(try await AuditLog.existingPseudonym(for: userID, on: connection, logger: self.logger))
                    #expect(pseudonym != userID)
                    let mentions = try await auth.count(
                        "SELECT count(*) FROM auth.audit_log WHERE actor = '\(pseudonym.uuidString.lowercased())' AND target = actor")
                    #expect(mentions == 2, "one pseudonym per user, the same in both rows")
                    #expect(
                        try await auth.count("SELECT count(*) FROM auth.audit_log WHERE audit_log::text LIKE '%\(userID.uuidString.lowercased())%'")
                            == 0)

                    try await AuditLog.forget(userID: userID, on: connection, logger: self.logger)
                    #expect(try await AuditLog.existingPseudonym(for: userID, on: connection, logger: self.logger) == nil)
                    #expect(try await auth.count("SELECT count(*) FROM auth.audit_log") == 2, "forgetting changes no audit row")
                }
            }
        }
    }

    @Test func refusesAnActionThatIsNotDotted() async throws {
        try await AuthFixture.run { auth in
            try await TestDatabase.withClient(auth.database.url(for: .auth)) { client in
                try await client.withConnection { connection in
                    let refused = await #expect(throws: PSQLError.self) {
                        try await AuditLog.record(AuditEntry(action: "Suspended!", actor: .system), on: connection, logger: self.logger)
                    }
                    #expect(refused != nil)
                }
            }
        }
    }
}
