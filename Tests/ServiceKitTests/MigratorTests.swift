import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Models
import NIOCore
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@Suite struct MigratorTests {
    let logger = Logger(label: "test.migrator")

    /// Non-idempotent on purpose: applying either file twice fails with "already exists".
    let migrations = [
        Migration(id: "0001_first", sql: "CREATE TABLE first (id int PRIMARY KEY);\nINSERT INTO first VALUES (1);"),
        Migration(id: "0002_second", sql: "CREATE TABLE second (id int PRIMARY KEY);\nALTER TABLE first ADD COLUMN note text;"),
    ]

    @Test func concurrentMigratorsApplyEachFileExactlyOnce() async throws {
        try await TestDatabase.with(services: [.analytics]) { database in
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        // Each replica has its own pool, as separate processes would.
                        try await TestDatabase.withClient(database.url(for: .analytics)) { client async throws in
                            try await Migrator(client: client, schema: "analytics", migrations: self.migrations, logger: self.logger).migrate()
                        }
                    }
                }
                var all: [String] = []
                for try await ids in group { all += ids }
                return all
            }
            #expect(applied.sorted() == ["0001_first", "0002_second"])
            let recorded = try await TestDatabase.withClient(database.url(for: .analytics)) { client async throws in
                var ids: [String] = []
                for try await id in try await client.query("SELECT id FROM analytics.schema_migrations ORDER BY id").decode(String.self) {
                    ids.append(id)
                }
                let status = try await Migrator(client: client, schema: "analytics", migrations: self.migrations, logger: self.logger).status()
                #expect(status == .upToDate)
                return ids
            }
            #expect(recorded == ["0001_first", "0002_second"])
        }
    }

    @Test func anEditedAppliedFileBlocksMigrationWithAClearError() async throws {
        try await TestDatabase.with(services: [.analytics]) { database in
            try await TestDatabase.withClient(database.url(for: .analytics)) { client async throws in
                try await Migrator(client: client, schema: "analytics", migrations: self.migrations, logger: self.logger).migrate()
                var edited = self.migrations
                edited[0].sql += "\n-- a harmless-looking edit"
                let migrator = Migrator(client: client, schema: "analytics", migrations: edited, logger: self.logger)
                await #expect {
                    try await migrator.migrate()
                } throws: { error in
                    guard case MigrationError.checksumMismatch(let id, _, _) = error else { return false }
                    return id == "0001_first" && "\(error)".contains("must never be edited")
                }
                await #expect(throws: MigrationError.self) { try await migrator.status() }
            }
        }
    }

    @Test func reportsPendingFilesAndAMissingSchema() async throws {
        try await TestDatabase.with(services: [.analytics]) { database in
            try await TestDatabase.withClient(database.url(for: .analytics)) { client async throws in
                let partial = Migrator(client: client, schema: "analytics", migrations: Array(self.migrations.prefix(1)), logger: self.logger)
                try await partial.migrate()
                let full = Migrator(client: client, schema: "analytics", migrations: self.migrations, logger: self.logger)
                #expect(try await full.status() == .pending(["0002_second"]))
                // The service role cannot create schemas; the bootstrap must have made it.
                await #expect(throws: MigrationError.schemaMissing(schema: "auth", role: "tract_analytics")) {
                    try await Migrator(client: client, schema: "auth", migrations: self.migrations, logger: self.logger).migrate()
                }
            }
        }
    }

    @Test func aServiceRefusesToStartWhenAnAppliedFileChanged() async throws {
        try await TestDatabase.with(services: [.analytics]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                let configuration = ServiceConfiguration.forTesting(.analytics, database: database, jwksURL: jwksURL)
                // First start applies the fixture migrations.
                let app = try await buildServiceApplication(configuration, definition: FixtureService.definition)
                try await app.test(.router) { client async throws in
                    try await client.execute(uri: "/health/ready", method: .get) { response async throws in
                        #expect(response.status == .ok)
                    }
                }
                // Someone edits an applied file in place: the next start must fail, not serve.
                try await TestDatabase.withAdmin(database: database.name) { admin in
                    try await admin.query("UPDATE analytics.schema_migrations SET checksum = 'tampered' WHERE id = 'kit/0001_outbox_inbox'")
                }
                let restarted = try await buildServiceApplication(configuration, definition: FixtureService.definition)
                await #expect(throws: MigrationError.self) {
                    try await restarted.test(.router) { _ in }
                }
            }
        }
    }
}
