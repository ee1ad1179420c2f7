import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// A database of its own for one test, on the local cluster `make test` brings up
/// (`scripts/db.sh up`), with each service's schemas created for its role as in production.
/// Tests that each have their own database can run in parallel.
public struct TestDatabase: Sendable {
    public let name: String

    /// `TRACT_TEST_ADMIN_URL`, default: the local cluster's superuser.
    public static var adminURL: DatabaseURL {
        let text =
            ProcessInfo.processInfo.environment["TRACT_TEST_ADMIN_URL"]
            ?? "postgres://postgres:tract-local-admin@127.0.0.1:55432/postgres"
        return try! DatabaseURL(parsing: text, variable: "TRACT_TEST_ADMIN_URL")
    }

    /// The URL a service uses: its own role, this database.
    public func url(for service: ServiceName) -> DatabaseURL {
        DatabaseURL(
            host: Self.adminURL.host,
            port: Self.adminURL.port,
            username: service.databaseRole,
            password: "\(service.databaseRole)_local",
            database: self.name
        )
    }

    /// Creates the database with the schemas of `services`, runs `body`, and drops it.
    public static func with<T: Sendable>(
        services: [ServiceName] = ServiceName.allCases,
        _ body: (TestDatabase) async throws -> T
    ) async throws -> T {
        let database = TestDatabase(name: "tract_test_" + UUID().uuidString.prefix(12).lowercased().filter { $0 != "-" })
        try await Self.withAdmin(database: "postgres") { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(database.name)"))
        }
        do {
            try await Self.withAdmin(database: database.name) { admin in
                // As scripts/sql/bootstrap.sql does: extensions need a superuser.
                if services.contains(.properties) {
                    try await admin.query("CREATE EXTENSION IF NOT EXISTS postgis")
                    try await admin.query("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                }
                for service in services {
                    for schema in service.schemas {
                        try await admin.query(
                            PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema) AUTHORIZATION \(service.databaseRole)")
                        )
                    }
                }
            }
            let result = try await body(database)
            try await database.drop()
            return result
        } catch {
            try? await database.drop()
            throw error
        }
    }

    private func drop() async throws {
        try await Self.withAdmin(database: "postgres") { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(self.name) WITH (FORCE)"))
        }
    }

    /// Runs `body` with a client connected as the superuser to `database`.
    @discardableResult
    public static func withAdmin<T: Sendable>(
        database: String,
        _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        try await withClient(Self.adminURL.with(database: database), body)
    }

    /// Runs `body` with a client for `url`, running the client for the duration.
    @discardableResult
    public static func withClient<T: Sendable>(
        _ url: DatabaseURL,
        _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: try url.clientConfiguration, backgroundLogger: Logger(label: "test.db"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}
